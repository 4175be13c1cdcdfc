"""The view reports of readers without a session skip the session, CSRF and authentication
middleware (articles/middleware.py) and the worker keeps its own copy of what they are about;
neither weakens what the endpoint refuses."""

import time
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware

from articles import caching, services
from articles.models import Article
from config import cache_keys

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0 Safari/537.36"


def _report(client, article, visitor, **fields):
    return client.post(
        f"/articles/{article.pk}/view/", {"visitor": visitor, **fields}, HTTP_USER_AGENT=BROWSER
    )


def test_a_reader_without_a_session_is_answered_without_the_session_stack(
    client, make_article, signed_visitor
):
    article = make_article()
    with mock.patch.object(SessionMiddleware, "process_request", side_effect=AssertionError):
        response = _report(client, article, signed_visitor("reader-1"))
    assert response.status_code == 200
    assert response.json()["counted"] is True
    assert response["X-Content-Type-Options"] == "nosniff"  # SecurityMiddleware still answers


def test_a_member_with_a_session_takes_the_whole_stack_and_the_author_counts_nothing(
    client, make_article, signed_visitor
):
    article = make_article()
    client.force_login(article.author)
    original, seen = SessionMiddleware.process_request, []

    def process_request(middleware, request):
        seen.append(request.path)
        return original(middleware, request)

    with mock.patch.object(SessionMiddleware, "process_request", process_request):
        response = _report(client, article, signed_visitor("the-author"))
    assert seen == [f"/articles/{article.pk}/view/"]
    assert response.json()["counted"] is False


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"referrer": "https://example.com/\x00"}, 400),
        ({"referrer": "x" * (settings.UPLOAD_MAX_BYTES + 1)}, 413),
    ],
)
def test_the_short_path_refuses_bad_bodies_like_every_view(
    client, make_article, signed_visitor, fields, status
):
    article = make_article()
    assert _report(client, article, signed_visitor("reader-2"), **fields).status_code == status
    services.flush_views()
    assert Article.objects.get(pk=article.pk).views_count == 0


def test_a_nul_in_the_address_is_refused_on_the_short_path(client, make_article):
    article = make_article()
    response = client.post(f"/articles/{article.pk}/view/?x=\x00", {"visitor": ""})
    assert response.status_code == 400


@pytest.fixture
def buffer(settings, redis_client, many_readers_per_address, monkeypatch):
    """The Redis buffer, and the worker's copies with a fresh subscription, trusted for the test
    (a loaded machine can take longer than LIVE_SECONDS to answer a ping)."""
    from articles import local_copies

    settings.VIEW_BUFFER = True
    settings.REDIS_URL = redis_client.url
    services._redis_client = None
    monkeypatch.setattr(services, "view_targets", local_copies.LocalCopies(entries=64, seconds=5))
    monkeypatch.setattr(local_copies, "LIVE_SECONDS", 60)
    yield redis_client
    services._redis_client = None


def test_a_takedown_drops_the_workers_copy_of_the_article(
    client, make_article, signed_visitor, buffer, django_assert_num_queries
):
    article = make_article()
    assert _report(client, article, signed_visitor("reader-3")).json()["counted"] is True
    # Withdrawn on another node: its row and the shared entry changed, this worker holds a copy.
    Article.objects.filter(pk=article.pk).update(status=Article.Status.DRAFT)
    caching.cache.delete(cache_keys.view_target(article.pk))
    with django_assert_num_queries(0):  # the copy answers: neither the database nor the cache
        assert _report(client, article, signed_visitor("reader-4")).json()["counted"] is True
    fetched_before = services.view_targets.epoch()
    caching._replace_generation()  # that node's takedown reaches every worker
    for _ in range(100):  # the announcement is on its way over loopback
        if services.view_targets.epoch() != fetched_before:
            break
        time.sleep(0.01)
    assert _report(client, article, signed_visitor("reader-5")).status_code == 404


def test_unpublishing_here_stops_the_count_at_once(client, make_article, signed_visitor, buffer):
    article = make_article()
    assert _report(client, article, signed_visitor("reader-6")).json()["counted"] is True
    services.unpublish(articles=[article])
    assert _report(client, article, signed_visitor("reader-7")).status_code == 404
