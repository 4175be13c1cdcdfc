"""Buffered view counting through Redis: every accepted report is counted exactly once."""

import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection, connections
from django.utils import timezone

from articles import services
from articles.models import Article, ArticleDailyStats, ArticleReferrerDaily, FlushedBatch
from config import cache_keys

BROWSER = "Mozilla/5.0"
ADDRESS = "198.51.100.30"


@pytest.fixture
def buffer(settings, redis_client, many_readers_per_address):
    settings.VIEW_BUFFER = True
    settings.REDIS_URL = redis_client.url
    services._redis_client = None
    yield redis_client
    services._redis_client = None


def test_views_wait_in_the_buffer_until_flushed(make_article, buffer, client, signed_visitor):
    article = make_article()
    for visitor in ("a", "b", "c", "a"):
        services.record_view(article=article, visitor=visitor, address=ADDRESS, user_agent=BROWSER)
    article.refresh_from_db()
    assert article.views_count == 0
    pending = buffer.hget(cache_keys.pending_views(), f"{article.pk}:{timezone.localdate()}")
    assert int(pending) == 3
    answer = client.post(
        f"/articles/{article.pk}/view/",
        {"visitor": signed_visitor("visitor-0001")},
        HTTP_USER_AGENT=BROWSER,
    ).json()
    assert answer == {"counted": True, "views": 1}  # the flushed count, and this view

    assert services.flush_views() == 4
    article.refresh_from_db()
    assert article.views_count == 4
    assert ArticleDailyStats.objects.get(article=article).views == 4
    assert services.flush_views() == 0
    article.refresh_from_db()
    assert article.views_count == 4


def test_the_buffer_holds_reads_and_referrers_until_flushed(
    make_article, buffer, client, signed_visitor
):
    article = make_article()
    reader = {"visitor": signed_visitor("reader")}
    client.post(
        f"/articles/{article.pk}/view/",
        {**reader, "referrer": "https://duckduckgo.com/?q=1"},
        HTTP_USER_AGENT=BROWSER,
    )
    client.post(f"/articles/{article.pk}/read/", reader, HTTP_USER_AGENT=BROWSER)
    today = timezone.localdate().isoformat()
    pending = {
        key.decode(): int(value)
        for key, value in buffer.hgetall(cache_keys.pending_views()).items()
    }
    assert pending == {
        f"{article.pk}:{today}": 1,
        f"{article.pk}:{today}:read": 1,
        f"{article.pk}:{today}:from:search:duckduckgo.com": 1,
    }
    assert not ArticleDailyStats.objects.exists()
    assert services.flush_views() == 1
    assert services.flush_views() == 0  # nothing applied twice
    stats = ArticleDailyStats.objects.get(article=article)
    assert (stats.views, stats.engaged_reads) == (1, 1)
    assert ArticleReferrerDaily.objects.get(article=article).host == "duckduckgo.com"


def test_a_batch_applied_before_a_crash_is_not_applied_again(make_article, buffer):
    article = make_article()
    key = f"{cache_keys.view_batch_prefix()}crashed"
    buffer.hset(key, f"{article.pk}:{timezone.localdate()}", 7)
    FlushedBatch.objects.create(batch_id="crashed")  # applied, but the key was never deleted
    assert services.flush_views() == 0
    assert not buffer.exists(key)
    interrupted = f"{cache_keys.view_batch_prefix()}interrupted"
    buffer.hset(interrupted, f"{article.pk}:{timezone.localdate()}", 5)
    assert services.flush_views() == 5  # renamed but never applied: picked up now
    article.refresh_from_db()
    assert article.views_count == 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_many_processes_report_while_flushes_run_concurrently(make_article, buffer):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the worker processes share the test database")
    article = make_article()
    workers, per_worker = 4, 400
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{connection.settings_dict['USER']}@{connection.settings_dict['HOST']}:"
            f"{connection.settings_dict['PORT'] or 5432}/{connection.settings_dict['NAME']}"
        ),
        "REDIS_URL": buffer.url,
        "VIEW_BUFFER": "1",
        "VIEWS_PER_ADDRESS_PER_ARTICLE_PER_DAY": "10000",
        "VIEWS_PER_ADDRESS_PER_HOUR": "10000",
    }
    root = Path(__file__).resolve().parents[2]
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "articles/tests/view_worker.py",
                str(article.pk),
                str(per_worker),
                f"w{n}",
            ],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(workers)
    ]
    flushed = []
    stop = threading.Event()

    def flusher():
        try:
            while not stop.is_set():
                flushed.append(services.flush_views())
        finally:
            connections.close_all()

    flushers = [threading.Thread(target=flusher) for _ in range(2)]  # two flushes at once
    for thread in flushers:
        thread.start()
    accepted = 0
    for process in processes:
        out, _ = process.communicate(timeout=120)
        assert process.returncode == 0
        accepted += int(out.strip().splitlines()[-1])
    stop.set()
    for thread in flushers:
        thread.join()
    flushed.append(services.flush_views())

    assert accepted == workers * per_worker  # each visitor once, the repeat refused
    assert sum(flushed) == accepted
    article.refresh_from_db()
    assert article.views_count == accepted
    assert ArticleDailyStats.objects.get(article=article).views == accepted
    assert Article.objects.count() == 1


def test_view_endpoint_skips_the_database_once_warm(
    make_article, buffer, client, django_assert_num_queries, signed_visitor
):
    article = make_article()
    url = f"/articles/{article.pk}/view/"
    client.post(url, {"visitor": signed_visitor("visitor-0001")}, HTTP_USER_AGENT=BROWSER)
    with django_assert_num_queries(0):
        answer = client.post(
            url, {"visitor": signed_visitor("visitor-0002")}, HTTP_USER_AGENT=BROWSER
        ).json()
    assert answer == {"counted": True, "views": 1}  # the cached count of a minute ago, + this one


def test_a_view_waiting_for_a_deleted_article_costs_the_batch_nothing(make_article, buffer):
    kept, deleted = make_article(), make_article()
    for article, visitor in ((kept, "a"), (deleted, "a"), (kept, "b")):
        services.record_view(article=article, visitor=visitor, address=ADDRESS, user_agent=BROWSER)
    deleted.delete()
    assert services.flush_views() == 2  # the kept article's views, once
    kept.refresh_from_db()
    assert kept.views_count == 2
    assert ArticleDailyStats.objects.get(article=kept).views == 2
    assert not ArticleDailyStats.objects.filter(article_id=deleted.pk).exists()
    assert services.flush_views() == 0
    assert not list(buffer.scan_iter(match=f"{cache_keys.view_batch_prefix()}*"))


def test_buffer_keys_carry_the_deployment_prefix(make_article, buffer, settings):
    settings.CACHE_PREFIX = "site-a"
    article = make_article()
    services.record_view(article=article, visitor="a", address=ADDRESS, user_agent=BROWSER)
    assert buffer.exists("site-a:views:pending")
    settings.CACHE_PREFIX = "site-b"  # another deployment on the same Redis flushes its own only
    assert services.flush_views() == 0
    settings.CACHE_PREFIX = "site-a"
    assert services.flush_views() == 1


def _dead_redis_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"redis://127.0.0.1:{sock.getsockname()[1]}/0"


def test_with_redis_down_views_are_written_to_the_database(make_article, settings, client):
    settings.VIEW_BUFFER = True
    settings.REDIS_URL = _dead_redis_url()
    services._redis_client = None
    try:
        article = make_article()
        url = f"/articles/{article.pk}/view/"
        issued = client.post(url, HTTP_USER_AGENT=BROWSER)
        assert issued.status_code == 200
        visitor = issued.json()["visitor"]
        answers = [
            client.post(url, {"visitor": visitor}, HTTP_USER_AGENT=BROWSER).json()["counted"]
            for _ in range(2)
        ]
        assert answers == [True, False]  # counted once, and still once per half hour
        article.refresh_from_db()
        assert article.views_count == 1
    finally:
        services._redis_client = None


@pytest.mark.django_db
def test_no_index_repeats_what_the_unique_article_and_day_covers():
    # every flushed view writes its day's row, into each of the table's indexes
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, "articles_articledailystats")
    indexed = [c["columns"] for c in found.values() if c["index"] or c["unique"]]
    assert ["article_id", "date"] in indexed and ["article_id"] not in indexed
