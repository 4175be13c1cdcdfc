"""The cache backends (config/cache.py): a Redis that does not answer is a miss; the file cache
of a node without Redis grants a claim to one worker only."""

import logging
import multiprocessing
import os

import pytest

from config.cache import FileCache, RedisCache
from tests.servers import RedisServer, free_port


def make_cache(location: str, **options) -> RedisCache:
    return RedisCache(
        location,
        {"OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5, **options}},
    )


@pytest.fixture
def redis_server():
    server = RedisServer()
    server.start()
    yield server
    server.stop()


def test_every_operation_on_a_dead_redis_is_a_miss(caplog):
    cache = make_cache(f"redis://:s3cret-password@127.0.0.1:{free_port()}/0")
    with caplog.at_level(logging.WARNING, logger="config.cache"):
        assert cache.get("page", "default") == "default"
        cache.set("page", "html", 60)
        assert cache.add("lock", 1, 60) is True  # as in DummyCache: stored, and gone at once
        assert cache.get_many(["a", "b"]) == {}
        cache.set_many({"a": 1}, 60)
        assert cache.delete("page") is False
        cache.delete_many(["a", "b"])
        assert cache.has_key("page") is False
        assert cache.touch("page", 60) is False
        assert cache.get_or_set("count", lambda: 42, 60) == 42
        with pytest.raises(ValueError):
            cache.incr("rate", 1)  # what incr() of a missing key does; callers handle it
        cache.clear()
        assert cache.ping() is False
    warnings = [r for r in caplog.records if r.name == "config.cache"]
    assert len(warnings) == 1, "one warning, not one per call"
    assert "unavailable" in warnings[0].getMessage()
    assert "s3cret" not in caplog.text


def test_after_a_failure_redis_is_left_alone_for_a_while():
    cache = make_cache(f"redis://127.0.0.1:{free_port()}/0", down_seconds=60)
    assert cache.get("page") is None  # the failure that opens the breaker

    def no_network(*args, **kwargs):
        raise AssertionError("called Redis while it is known to be down")

    cache._cache.get_client = no_network
    for _ in range(100):
        assert cache.get("page") is None
        cache.set("page", "html", 60)


def test_the_cache_comes_back_with_redis(redis_server, caplog):
    cache = make_cache(redis_server.url, down_seconds=0)
    cache.set("page", "html", 60)
    assert cache.get("page") == "html"
    redis_server.stop()
    assert cache.get("page") is None
    cache.set("other", "html", 60)
    redis_server.start()  # the same port, empty
    with caplog.at_level(logging.WARNING, logger="config.cache"):
        cache.set("page", "new", 60)
        assert cache.get("page") == "new"
    assert "answers again" in caplog.text
    assert cache.ping() is True


def test_ping_tries_redis_even_while_the_cache_rests(redis_server):
    cache = make_cache(redis_server.url, down_seconds=600)
    redis_server.stop()
    assert cache.get("page") is None
    redis_server.start()
    assert cache.get("page") is None  # still resting
    assert cache.ping() is True  # /readyz asks Redis itself, and ends the rest
    cache.set("page", "html", 60)
    assert cache.get("page") == "html"


# The file cache of a node without Redis (config.cache.FileCache).


def _claim(location: str, start, results) -> None:
    cache = FileCache(location, {})
    start.wait()
    results.put(cache.add("comment-posted", os.getpid(), 10))


def test_of_the_workers_that_claim_one_key_at_once_one_gets_it(tmp_path):
    """Eight processes add() one key at the same moment, as workers posting one comment would."""
    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(8), context.Queue()
    workers = [
        context.Process(target=_claim, args=(str(tmp_path), start, results)) for _ in range(8)
    ]
    for worker in workers:
        worker.start()
    claims = [results.get(timeout=30) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    assert sorted(claims) == [False] * 7 + [True]


def test_an_expired_claim_can_be_claimed_again(tmp_path):
    cache = FileCache(str(tmp_path), {})
    assert cache.add("claim", "first", 0) is True  # a timeout of 0 expires at once
    assert cache.add("claim", "second", 10) is True
    assert cache.add("claim", "third", 10) is False
    assert cache.get("claim") == "second"
    assert len(list(tmp_path.iterdir())) == 1  # one entry, no temporary file left behind


def test_a_forked_worker_talks_to_redis_on_connections_of_its_own(redis_server):
    cache = make_cache(redis_server.url)
    cache.set("page", "html", 60)
    parent_client = cache._cache.get_client(write=True)
    parent_connection = parent_client.connection
    assert cache._cache.get_client(write=True) is parent_client, "one client, kept"
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child, as a gunicorn worker forked from the master
        try:
            fresh = cache._cache.get_client(write=True) is not parent_client
            works = cache.get("page") == "html"
            os.write(write, b"1" if fresh and works else b"0")
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(read, 1) == b"1", "the child made its own client and read through it"
    assert cache.get("page") == "html", "the parent's connection is still good"
    assert cache._cache.get_client(write=True).connection is parent_connection
