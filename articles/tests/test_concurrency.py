"""Concurrent writes on PostgreSQL: the counters lose nothing."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from articles.models import Article, ArticleDailyStats

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8
VIEWS_PER_THREAD = 40


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL (CI does)")


def test_concurrent_view_reports_lose_none(make_article, signed_visitor, many_readers_per_address):
    article = make_article()
    url = f"/articles/{article.pk}/view/"

    def report(thread):
        client = Client(HTTP_USER_AGENT="Mozilla/5.0 Chrome/120")
        visitors = [signed_visitor(f"visitor-{thread}-{i:04d}") for i in range(VIEWS_PER_THREAD)]
        # the same visitor again, from every thread at once: counted at most once
        visitors.append(signed_visitor("visitor-shared-1"))
        try:
            return [client.post(url, {"visitor": v}).json()["counted"] for v in visitors]
        finally:
            connections.close_all()

    with ThreadPoolExecutor(THREADS) as pool:
        results = [answer for answers in pool.map(report, range(THREADS)) for answer in answers]

    counted = sum(results)
    assert counted == THREADS * VIEWS_PER_THREAD + 1
    article.refresh_from_db()
    assert article.views_count == counted
    stats = ArticleDailyStats.objects.get(article=article, date=timezone.localdate())
    assert stats.views == counted
    assert Article.objects.count() == 1
