import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.ranking import rebuild_rankings


@pytest.fixture
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 60
    return settings


def test_anonymous_pages_come_from_the_cache(client, make_article, page_cache):
    article = make_article(title="Старая новость")
    rebuild_rankings()
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

    cache.clear()  # start over with PAGE_CACHE_SECONDS=1: stored now, gone in a second
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


def test_clients_without_gzip_get_a_page_decompressed_once_per_worker(
    client, make_article, page_cache, monkeypatch
):
    import gzip

    from articles import caching

    caching.plain_bodies.clear()
    make_article(title="Страница для поискового робота")
    first = client.get("/")
    calls = []
    real = gzip.decompress
    monkeypatch.setattr(caching.gzip, "decompress", lambda data: calls.append(1) or real(data))
    for _ in range(3):
        hit = client.get("/")
        assert hit["X-Page-Cache"] == "hit" and "Content-Encoding" not in hit
        assert hit.content == first.content
        assert hit["Content-Length"] == str(len(first.content))
    assert len(calls) == 1


def test_a_kept_plain_body_is_never_served_for_another_page():
    import gzip

    from articles.caching import PlainBodies

    bodies = PlainBodies(budget=1000)
    assert bodies.body("k", gzip.compress(b"old")) == b"old"
    assert bodies.body("k", gzip.compress(b"new")) == b"new"  # same key, new rendering
    assert bodies.body("other", gzip.compress(b"x" * 200)) == b"x" * 200
    assert bodies.body("big", gzip.compress(b"y" * 900)) == b"y" * 900  # over a quarter: not kept
    for n in range(10):  # the budget holds: the oldest go first
        bodies.body(f"page-{n}", gzip.compress(bytes([n]) * 200))
    assert bodies._size <= 1000


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


def test_pages_share_this_workers_copies_of_the_fragments_until_a_takedown(
    client, make_article, redis_cache, settings, monkeypatch
):
    """With the page cache off, a page reads the content generation, the header's rubrics, the
    sidebar, the list's count and the cards from this worker's copies; a takedown drops them at
    once."""
    import redis
    from django.utils import timezone

    from articles import services

    settings.PAGE_CACHE_SECONDS = 0
    article = make_article(title="Скоро снимут")
    services.add_daily_stats(article_id=article.pk, date=timezone.localdate(), views=10)
    rebuild_rankings()
    client.get("/")
    client.get("/")  # the fragments are fetched once from Redis, then kept
    commands = []
    execute = redis.Redis.execute_command

    def counted(self, *args, **options):
        commands.append(args[0])
        return execute(self, *args, **options)

    monkeypatch.setattr(redis.Redis, "execute_command", counted)
    page = client.get("/").content.decode()
    assert page.count("Скоро снимут") == 2  # its card and the sidebar's trending tab
    assert commands == []  # the list's count too
    services.unpublish(articles=[article])
    from django.core.cache import cache

    from articles import caching
    from config import cache_keys

    assert caching.content_generation() == cache.get(cache_keys.content_generation())
    assert "Скоро снимут" not in client.get("/").content.decode()


def test_a_members_page_leaves_nothing_of_theirs_in_the_workers_copies(
    client, make_article, make_user, redis_cache, settings
):
    settings.PAGE_CACHE_SECONDS = 0
    article = make_article()
    rebuild_rankings()
    member = make_user(display_name="Секретное Имя")
    client.force_login(member)
    for url in ("/", article.get_absolute_url(), "/trending/?period=all"):
        client.get(url)
    client.logout()
    client.cookies.clear()
    for url in ("/", article.get_absolute_url(), "/trending/?period=all"):
        assert "Секретное Имя" not in client.get(url).content.decode(), url


def test_random_query_strings_neither_bypass_nor_fill_the_cache(
    client, make_article, page_cache, redis_cache
):
    import secrets

    article = make_article()
    rebuild_rankings()
    urls = ["/", article.get_absolute_url(), "/trending/", "/rss/"]
    for url in urls:
        client.get(url)
    keys = redis_cache.dbsize()
    for n in range(75):
        junk = secrets.token_hex(4)
        for url in urls:
            response = client.get(f"{url}?{junk}={n}&utm_source={junk}&reply={n}")
            assert response.status_code == 200
            assert response["X-Page-Cache"] == "hit", url
    # parameters another view declares mean nothing here
    assert client.get("/?period=zzz&sort=zzz")["X-Page-Cache"] == "hit"
    assert redis_cache.dbsize() == keys


def test_known_parameters_are_keyed_in_their_canonical_form(
    client, make_article, page_cache, settings
):
    settings.ARTICLES_PER_PAGE = 2
    article = make_article(title="Первая")
    for n in range(4):
        make_article(title=f"Ещё одна {n}")
    rebuild_rankings()
    second = client.get("/?page=2")
    assert second["X-Page-Cache"] == "miss"
    for variant in ("/?page=02", "/?page=+2", "/?page=1&page=2", "/?x=1&page=2"):
        response = client.get(variant)
        assert response["X-Page-Cache"] == "hit", variant
        assert response.content == second.content, variant
    assert client.get("/")["X-Page-Cache"] == "miss"
    assert client.get("/?page=1")["X-Page-Cache"] == "hit"
    for refused in ("/?page=abc", "/?page=0", "/?page=99", "/trending/?period=zzz"):
        assert client.get(refused).status_code == 404, refused
        assert client.get(refused).get("X-Page-Cache") is None, refused
    assert client.get("/trending/")["X-Page-Cache"] == "miss"
    assert client.get("/trending/?period=week")["X-Page-Cache"] == "hit"
    assert client.get("/trending/?period=all")["X-Page-Cache"] == "miss"
    url = article.get_absolute_url()
    assert client.get(f"{url}?sort=newest")["X-Page-Cache"] == "miss"
    assert client.get(f"{url}?sort=newest")["X-Page-Cache"] == "hit"
    assert client.get(url)["X-Page-Cache"] == "miss"
    assert client.get(f"{url}?sort=zzz")["X-Page-Cache"] == "hit"  # shown as the default


def test_only_a_real_session_bypasses_the_cache(client, make_article, make_user, page_cache):
    from django.contrib.sessions.backends.db import SessionStore

    make_article()
    client.get("/")
    client.cookies["sessionid"] = "forged-session-key-0123456789abcd"
    client.cookies["messages"] = "forged:messages"
    response = client.get("/")
    assert response["X-Page-Cache"] == "hit"
    assert not response.cookies  # nothing to clean up: the forged cookies were ignored

    session = SessionStore()
    session["next"] = "/somewhere/"
    session.create()
    client.cookies["sessionid"] = session.session_key
    assert "X-Page-Cache" not in client.get("/")

    member = make_user(display_name="Настоящий Участник")
    client.force_login(member)
    response = client.get("/")
    assert "X-Page-Cache" not in response
    assert "Настоящий Участник" in response.content.decode()
    client.post("/accounts/logout/")  # leaves a real "you have logged out" message
    assert "messages" in client.cookies and client.cookies["messages"].value
    response = client.get("/")
    assert "X-Page-Cache" not in response
    assert 'class="messages"' in response.content.decode()


def vary(response) -> set[str]:
    return {part.strip() for part in response.get("Vary", "").split(",") if part.strip()}


def test_headers_survive_a_hit(client, make_article, page_cache):
    make_article()
    for url in ("/", "/rss/", "/en/"):
        miss, hit = client.get(url), client.get(url)
        assert hit["X-Page-Cache"] == "hit", url
        assert vary(hit) == vary(miss), url
        assert "Accept-Encoding" in vary(hit), url
        if url != "/rss/":  # members get other pages: proxies must not give them these
            assert "Cookie" in vary(hit), url
        for name in ("Content-Type", "Content-Language", "Last-Modified"):
            assert hit.get(name) == miss.get(name), (url, name)
    assert client.get("/rss/")["Last-Modified"]


@pytest.mark.urls("articles.tests.cache_control_urls")
def test_cache_control_survives_a_hit_and_private_pages_are_not_stored(client, page_cache):
    miss, hit = client.get("/max-age/"), client.get("/max-age/")
    assert hit["X-Page-Cache"] == "hit"
    assert hit["Cache-Control"] == miss["Cache-Control"] == "max-age=30"
    assert "Accept-Language" in vary(hit)
    client.get("/private/")
    assert "X-Page-Cache" not in client.get("/private/")


def test_a_disallowed_host_gets_400_on_a_hit_as_on_a_miss(client, make_article, page_cache):
    make_article()
    assert client.get("/", HTTP_HOST="evil.example").status_code == 400
    client.get("/")
    assert client.get("/")["X-Page-Cache"] == "hit"
    assert client.get("/", HTTP_HOST="evil.example").status_code == 400
    # another allowed host has pages of its own: its links are never served to this one
    rss = client.get("/rss/", HTTP_HOST="localhost")
    assert rss["X-Page-Cache"] == "miss"
    assert "http://localhost/" in rss.content.decode()
    assert "http://localhost/" not in client.get("/rss/").content.decode()


def test_a_hit_costs_one_round_trip_and_none_with_this_workers_copy(
    client, make_article, page_cache, redis_cache, monkeypatch
):
    import redis

    from articles import caching

    make_article()
    client.get("/")
    commands = []
    execute = redis.Redis.execute_command

    def counted(self, *args, **options):
        commands.append(args[0])
        return execute(self, *args, **options)

    monkeypatch.setattr(redis.Redis, "execute_command", counted)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/?utm_source=mail")
    assert response["X-Page-Cache"] == "hit"
    assert commands == []  # this worker's copy
    assert len(queries) == 0
    caching.local_copies.clear()  # as in a worker that has none yet
    assert client.get("/")["X-Page-Cache"] == "hit"
    assert commands == ["MGET"]
    assert client.get("/")["X-Page-Cache"] == "hit"
    assert commands == ["MGET"]


def test_a_takedown_on_another_worker_drops_this_workers_copies(db, page_cache, redis_cache):
    """Two workers: one keeps a copy, the other takes an article down."""
    from articles.caching import LocalCopies, bump_content_generation

    worker = LocalCopies()
    epoch = worker.epoch()
    assert epoch is not None  # subscribed and confirmed
    worker.put("page:x", ("generation", 200, [], b""), epoch)
    assert worker.get("page:x", worker.epoch()) is not None
    fetched_before = worker.epoch()
    bump_content_generation()  # published on the takedown channel by the other worker
    for _ in range(100):  # the announcement is on its way over loopback
        if worker.epoch() != fetched_before:
            break
        time.sleep(0.01)
    assert worker.get("page:x", worker.epoch()) is None
    # a page fetched before the takedown arrived is not kept
    worker.put("page:x", ("generation", 200, [], b""), fetched_before)
    assert worker.get("page:x", worker.epoch()) is None


def test_a_worker_reads_its_subscription_once_a_request(db, page_cache, redis_cache):
    """A takedown that arrives while a request is served is news for the next request."""
    from django.core.signals import request_finished, request_started

    from articles.caching import LocalCopies, bump_content_generation

    worker = LocalCopies()
    request_started.send(sender=None)
    epoch = worker.epoch()
    assert epoch is not None
    worker.put("page:x", ("generation", 200, [], b""), epoch)
    bump_content_generation()
    time.sleep(0.1)  # the announcement has arrived over loopback
    assert worker.epoch() == epoch
    assert worker.get("page:x", worker.epoch()) is not None
    request_finished.send(sender=None)
    request_started.send(sender=None)
    assert worker.epoch() != epoch
    assert worker.get("page:x", worker.epoch()) is None
    request_finished.send(sender=None)


def test_without_a_live_subscription_no_worker_keeps_copies(
    client, make_article, page_cache, settings
):
    import socket

    from articles.caching import LocalCopies

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"  # nothing listens there
    worker = LocalCopies()
    assert worker.epoch() is None
    worker.put("page:x", ("generation", 200, [], b""), 1)
    assert worker.get("page:x", 1) is None
    make_article()
    client.get("/")
    assert client.get("/")["X-Page-Cache"] == "hit"  # from the shared cache, checked each time


def test_a_list_pages_rubric_comes_from_the_workers_copy(
    client, make_article, redis_cache, settings, rubric
):
    from django.urls import reverse

    settings.PAGE_CACHE_SECONDS = 0
    make_article(title="В рубрике")
    url = reverse("articles:rubric", args=[rubric.slug])
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).content.decode()
    assert "В рубрике" in page and rubric.name in page
    assert len(queries) == 1  # the page's cards; the rubric, its count and the rest are copies


def test_the_search_forms_rubrics_come_from_the_workers_copy(
    client, make_article, redis_cache, settings, rubric
):
    from django.urls import reverse

    from articles.caching import bump_content_generation

    url = reverse("articles:search")
    client.get(url, {"q": "ничего"})
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url, {"q": "ничего"}).content.decode()
    assert rubric.name in page
    assert not any("articles_rubric" in query["sql"] for query in queries)
    rubric.name = "Переименованная рубрика"
    rubric.save()
    bump_content_generation()  # a takedown drops every worker's copies
    assert "Переименованная рубрика" in client.get(url, {"q": "ничего"}).content.decode()
