"""Django's Redis cache, with one client per connection pool, that is never a dependency; the
counters behind the rate limits, in Redis or in the database; and the file cache a node without
Redis shares between its workers.

When Redis does not answer, every operation is a miss (django-redis calls this IGNORE_EXCEPTIONS)
and answers as Django's DummyCache does: reads find nothing, writes are dropped (add() succeeds,
the value is gone at once), and the page is built from the database. After a failure
the cache stops calling Redis for `down_seconds`, so a dead Redis costs nothing per request instead
of a timeout per call; then the next call tries again, and the cache is back by itself.
"""

import logging
import os
import tempfile
import threading
import time
from urllib.parse import urlsplit

import redis
from django.core.cache.backends import redis as django_redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.filebased import FileBasedCache

logger = logging.getLogger(__name__)

# Redis not reachable, or too slow to answer within the socket timeouts. Errors in the answer
# itself (a wrong type, a read-only replica) are bugs or misconfiguration and still raise.
UNAVAILABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
# One warning per this many seconds and process, however many calls fail meanwhile.
LOG_EVERY_SECONDS = 60


# How many times this process's line was forked (a child counts one more than its parent).
_forks = 0


def _forked() -> None:
    global _forks
    _forks += 1


os.register_at_fork(after_in_child=_forked)


class _Client(django_redis.RedisCacheClient):
    def __init__(self, servers, *, down_seconds: float = 5, **options):
        super().__init__(servers, **options)
        self._clients = {}
        self._forks = _forks
        self._down_seconds = down_seconds
        self._down_until = 0.0
        self._is_down = False
        self._logged_at = -LOG_EVERY_SECONDS
        self._lock = threading.Lock()
        # host:port only: the URL may carry a password
        self._where = ", ".join(
            f"{parts.hostname}:{parts.port or 6379}" for parts in map(urlsplit, servers)
        )

    def get_client(self, key=None, *, write=False):
        # Django builds a new redis.Redis object around the pool for every call; that costs
        # about a quarter of a cache read on this hardware. Each client keeps one connection of
        # the pool for itself, instead of taking one from the pool and giving it back on every
        # call (a fifth of a read): Django gives every thread a cache object of its own, so no
        # two threads share one. It reconnects by itself after Redis comes back; the clients are
        # made anew in a forked child.
        if self._forks != _forks:  # a forked child: its parent's connections are not its own
            self._clients, self._forks = {}, _forks
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(
                connection_pool=self._get_connection_pool(write), single_connection_client=True
            )
        return client

    def _call(self, operation, miss, *args):
        """operation(*args), or `miss` when Redis is down or has just been found down."""
        if time.monotonic() < self._down_until:
            return miss
        try:
            result = operation(*args)
        except UNAVAILABLE as error:
            self._went_down(error)
            return miss
        if self._is_down:
            self._came_back()
        return result

    def _went_down(self, error: Exception) -> None:
        now = time.monotonic()
        with self._lock:
            self._down_until = now + self._down_seconds
            self._is_down = True
            if now - self._logged_at < LOG_EVERY_SECONDS:
                return
            self._logged_at = now
        logger.warning(
            "Redis cache at %s unavailable (%s); serving without the cache, next try in %s s",
            self._where,
            type(error).__name__,
            self._down_seconds,
        )

    def _came_back(self) -> None:
        with self._lock:
            if not self._is_down:
                return
            self._is_down = False
        logger.warning("Redis cache at %s answers again", self._where)

    def ping(self) -> bool:
        """Whether Redis answers now, past the pause after a failure (for /readyz)."""
        try:
            self.get_client(write=True).ping()
        except UNAVAILABLE as error:
            self._went_down(error)
            return False
        self._down_until = 0.0
        if self._is_down:
            self._came_back()
        return True

    def add(self, key, value, timeout):
        return self._call(super().add, True, key, value, timeout)

    def get(self, key, default):
        return self._call(super().get, default, key, default)

    def set(self, key, value, timeout):
        self._call(super().set, None, key, value, timeout)

    def touch(self, key, timeout):
        return self._call(super().touch, False, key, timeout)

    def delete(self, key):
        return self._call(super().delete, False, key)

    def get_many(self, keys):
        return self._call(super().get_many, {}, keys)

    def has_key(self, key):
        return self._call(super().has_key, False, key)

    def incr(self, key, delta):
        missing = object()
        result = self._call(super().incr, missing, key, delta)
        if result is missing:  # what incr() of a key that is not there does
            raise ValueError(f"Key '{key}' not found.")
        return result

    def set_many(self, data, timeout):
        self._call(super().set_many, None, data, timeout)

    def delete_many(self, keys):
        self._call(super().delete_many, None, keys)

    def clear(self):
        self._call(super().clear, None)


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _Client

    def ping(self) -> bool:
        """Whether Redis answers now."""
        return self._cache.ping()


class DatabaseCounterCache(BaseCache):
    """The few cache calls django-ratelimit makes (add, get, incr), on the Counter table: atomic
    and shared by every worker, where the local-memory cache is one per process."""

    def __init__(self, location, params):
        super().__init__(params)

    def _seconds(self, timeout) -> int:
        timeout = self.default_timeout if timeout is DEFAULT_TIMEOUT else timeout
        return int(timeout) if timeout is not None else 10 * 365 * 86400

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        from articles import counters

        return counters.add(self.make_and_validate_key(key, version), value, self._seconds(timeout))

    def get(self, key, default=None, version=None):
        from articles import counters

        value = counters.get(self.make_and_validate_key(key, version))
        return default if value is None else value

    def incr(self, key, delta=1, version=None):
        from articles import counters

        return counters.incr(
            self.make_and_validate_key(key, version), self._seconds(DEFAULT_TIMEOUT), delta
        )


class RedisCounterCache(django_redis.RedisCache):
    """Rate-limit counters in Redis; while Redis does not answer, in the Counter table, so the
    limits still hold and nobody gets a 500 (counts restart there, which is the price). Django's
    own client, not the one above: that one turns a dead Redis into misses, which for a limit
    would mean no limit."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._fallback = DatabaseCounterCache(server, params)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except redis.exceptions.RedisError:
            return self._fallback.add(key, value, timeout, version)

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except redis.exceptions.RedisError:
            return self._fallback.get(key, default, version)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except redis.exceptions.RedisError:
            return self._fallback.incr(key, delta, version)


class FileCache(FileBasedCache):
    """Django's file cache, whose add() is atomic across the processes of a node, as Redis's is:
    of two workers claiming one key (a comment posted twice, a new content generation or thread
    version) one wins. Django's add() looks first and writes then, so both could."""

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        fname = self._key_to_file(key, version)
        self._createdir()
        self._cull()
        fd, tmp_path = tempfile.mkstemp(dir=self._dir)
        try:
            with open(fd, "wb") as f:
                self._write_content(f, timeout, value)
            # A link fails where a file is already there; has_key() removes an expired one, which
            # then counts as absent, so the second attempt may take its place.
            for _ in range(2):
                try:
                    os.link(tmp_path, fname)
                    return True
                except FileExistsError:
                    if self.has_key(key, version):
                        return False
            return False
        finally:
            os.remove(tmp_path)
