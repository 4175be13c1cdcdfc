"""Buffered view counting through Redis: every accepted report is counted exactly once."""

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection, connections
from django.utils import timezone

from articles import services
from articles.models import Article, ArticleDailyStats, FlushedBatch

BROWSER = "Mozilla/5.0"


@pytest.fixture
def buffer(settings, redis_client):
    settings.VIEW_BUFFER = True
    settings.REDIS_URL = redis_client.url
    services._redis_client = None
    yield redis_client
    services._redis_client = None


def test_views_wait_in_the_buffer_until_flushed(make_article, buffer, client):
    article = make_article()
    for visitor in ("a", "b", "c", "a"):
        services.record_view(article=article, visitor=visitor, user_agent=BROWSER)
    article.refresh_from_db()
    assert article.views_count == 0
    pending = buffer.hget(services.PENDING_VIEWS_KEY, f"{article.pk}:{timezone.localdate()}")
    assert int(pending) == 3
    answer = client.post(
        f"/articles/{article.pk}/view/", {"visitor": "visitor-0001"}, HTTP_USER_AGENT=BROWSER
    ).json()
    assert answer == {"counted": True, "views": 1}  # the flushed count, and this view

    assert services.flush_views() == 4
    article.refresh_from_db()
    assert article.views_count == 4
    assert ArticleDailyStats.objects.get(article=article).views == 4
    assert services.flush_views() == 0
    article.refresh_from_db()
    assert article.views_count == 4


def test_a_batch_applied_before_a_crash_is_not_applied_again(make_article, buffer):
    article = make_article()
    key = f"{services.BATCH_PREFIX}crashed"
    buffer.hset(key, f"{article.pk}:{timezone.localdate()}", 7)
    FlushedBatch.objects.create(batch_id="crashed")  # applied, but the key was never deleted
    assert services.flush_views() == 0
    assert not buffer.exists(key)
    buffer.hset(f"{services.BATCH_PREFIX}interrupted", f"{article.pk}:{timezone.localdate()}", 5)
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
        )  # fmt: skip
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
    make_article, buffer, client, django_assert_num_queries
):
    article = make_article()
    url = f"/articles/{article.pk}/view/"
    client.post(url, {"visitor": "visitor-0001"}, HTTP_USER_AGENT=BROWSER)
    with django_assert_num_queries(0):
        answer = client.post(url, {"visitor": "visitor-0002"}, HTTP_USER_AGENT=BROWSER).json()
    assert answer == {"counted": True, "views": 1}  # the cached count of a minute ago, + this one
