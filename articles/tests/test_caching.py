import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.services import rebuild_feeds


@pytest.fixture
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 60
    return settings


def test_anonymous_pages_come_from_the_cache(client, make_article, page_cache):
    article = make_article(title="Старая новость")
    rebuild_feeds()
    for url in ("/", article.get_absolute_url(), "/rss/", "/trending/?period=all"):
        first = client.get(url)
        assert first["X-Page-Cache"] == "miss", url
        with CaptureQueriesContext(connection) as queries:
            second = client.get(url)
        assert second["X-Page-Cache"] == "hit", url
        assert len(queries) == 0, url
        assert second.content == first.content
        assert second["Content-Type"] == first["Content-Type"]
        # answered before the session and CSRF middleware, still with the security headers
        assert second["X-Frame-Options"] == "DENY"
        assert second["X-Content-Type-Options"] == "nosniff"


def test_new_content_reaches_members_at_once_and_readers_after_expiry(
    client, make_article, make_user, page_cache
):
    make_article(title="Первая статья")
    assert "Первая статья" in client.get("/").content.decode()
    make_article(title="Свежая статья")
    assert "Свежая статья" not in client.get("/").content.decode()  # cached copy, <= 60 s old

    member = make_user()
    client.force_login(member)
    response = client.get("/")
    assert "Свежая статья" in response.content.decode()
    assert "X-Page-Cache" not in response
    assert member.public_name in response.content.decode()  # the member's own header
    client.logout()

    page_cache.PAGE_CACHE_SECONDS = 1
    client.cookies.clear()
    client.get("/articles/nope/")  # 404s are never stored
    assert client.get("/articles/nope/").get("X-Page-Cache") is None
    from django.core.cache import cache

    from articles.caching import clear_local

    cache.clear()  # start over with PAGE_CACHE_SECONDS=1: stored now, gone in a second
    clear_local()
    client.get("/")
    time.sleep(1.1)
    assert "Свежая статья" in client.get("/").content.decode()


def test_member_header_never_leaks_into_the_shared_copy(
    client, make_article, make_user, page_cache
):
    make_article()
    member = make_user(display_name="Секретное Имя")
    client.force_login(member)
    client.get("/")
    client.logout()
    client.cookies.clear()
    assert "Секретное Имя" not in client.get("/").content.decode()


def test_page_cache_off(client, make_article, settings):
    settings.PAGE_CACHE_SECONDS = 0
    make_article()
    client.get("/")
    assert "X-Page-Cache" not in client.get("/")


def test_cards_are_rendered_once_until_the_article_changes(client, make_article):
    from articles.models import Article

    article = make_article(title="Карточка")
    make_article()
    first = client.get("/")
    assert [t.name for t in first.templates].count("includes/_card.html") == 2
    second = client.get("/")
    assert "includes/_card.html" not in [t.name for t in second.templates]
    assert second.content == first.content
    Article.objects.filter(pk=article.pk).update(comments_count=7)
    third = client.get("/")
    assert [t.name for t in third.templates].count("includes/_card.html") == 1
    assert "Комментарии:</span> <span>7</span>" in third.content.decode()


def test_cached_pages_go_out_gzipped_to_browsers(client, make_article, page_cache):
    import gzip

    make_article(title="Сжатая страница")
    plain = client.get("/")
    zipped = client.get("/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert zipped["X-Page-Cache"] == "hit"
    assert zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content) == plain.content
    assert len(zipped.content) * 2 < len(plain.content)
    assert "Accept-Encoding" in zipped["Vary"] and "Accept-Encoding" in plain["Vary"]
    again = client.get("/")  # a client without gzip gets the page as it was
    assert "Content-Encoding" not in again and again.content == plain.content


def test_article_page_fragments_are_reused_until_the_article_changes(client, make_article):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from articles.models import Article, Series

    series = Series.objects.create(title="Серия", slug="seriya")
    make_article(title="Выпуск 1", series=series, series_number=1)
    article = make_article(title="Выпуск 2", series=series, series_number=2, tags=["тендеры"])
    url = article.get_absolute_url()
    with CaptureQueriesContext(connection) as cold:
        first = client.get(url)
    with CaptureQueriesContext(connection) as warm:
        second = client.get(url)
    assert second.content == first.content
    # tags, the series' neighbours and related articles come with the cached fragments
    assert len(warm) <= len(cold) - 4
    article.title = "Выпуск 2, исправленный"
    article.save()
    assert "Выпуск 2, исправленный" in client.get(url).content.decode()
    Article.objects.filter(pk=article.pk).update(views_count=1234)
    assert "1,2 тыс." in client.get(url).content.decode()


def test_hot_pages_are_answered_from_the_workers_copy(client, make_article, page_cache):
    from django.core.cache import cache

    make_article()
    client.get("/")
    cache.clear()  # Redis forgot it; this worker still has a copy for a second or two
    assert client.get("/")["X-Page-Cache"] == "hit"
