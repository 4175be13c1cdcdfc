"""The site stays up when a part is down: a real app server, its own Redis, a cut database.

Each test starts gunicorn with production settings against the test database and a redis-server
of its own, then stops Redis, or cuts the database connection with a proxy, and loads pages as an
anonymous reader and as a member would.
"""

import json
import time
from collections import Counter
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.utils import timezone

from discussions.models import Comment
from tests.servers import AppServer, RedisServer, TcpProxy, Visitor, collect_static

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PASSWORD = "outage-pass-12345"
ROUNDS = 3  # each page this many times per visitor while the part is down


def database_url(port=None) -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{port or db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("static")
    collect_static(root)
    return root


@pytest.fixture
def redis_server():
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def site(make_user, make_article, settings):
    """An article with a tag, its author and a member who may comment."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL (CI does)")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # as served
    article = make_article(title="Статья на время сбоя", tags=["сбои"])
    member = make_user(
        username="reader", password=PASSWORD, date_joined=timezone.now() - timedelta(days=30)
    )
    EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
    anonymous_pages = [
        "/",
        article.get_absolute_url(),
        article.rubric.get_absolute_url(),
        "/tags/sboi/",
        "/trending/",
        "/discussed/",
        "/rss/",
        article.author.get_absolute_url(),
        "/en/",
        "/accounts/login/",
    ]
    return {
        "article": article,
        "member": member,
        "anonymous_pages": anonymous_pages,
        "member_pages": [*anonymous_pages[:-1], "/users/settings/", "/notifications/"],
    }


def load(server, visitor, pages) -> Counter:
    statuses = Counter()
    for _ in range(ROUNDS):
        for page in pages:
            status, _, _ = visitor.request(server.url + page)
            statuses[status] += 1
    return statuses


def logged_in_as(server, visitor, member) -> bool:
    """The settings page, not the login page it redirects anonymous visitors to."""
    status, _, html = visitor.request(server.url + "/users/settings/")
    return status == 200 and "/accounts/logout/" in html and member.public_name in html


def page_keys(redis_server) -> list:
    return redis_server.client().keys("*page:*")


def test_with_redis_down_every_page_answers_and_members_stay_logged_in(
    site, redis_server, static_root, tmp_path
):
    article, member = site["article"], site["member"]
    server = AppServer(
        database_url=database_url(),
        static_root=static_root,
        log=tmp_path / "server.log",
        REDIS_URL=redis_server.url,
    )
    with server:
        reader, logged_in = Visitor(), Visitor()
        logged_in.log_in(server.url, member.username, PASSWORD)
        assert set(load(server, reader, site["anonymous_pages"])) == {200}
        assert set(load(server, logged_in, site["member_pages"])) == {200}
        assert page_keys(redis_server), "anonymous pages are cached in Redis"

        redis_server.stop()
        statuses = load(server, reader, site["anonymous_pages"])
        statuses += load(server, logged_in, site["member_pages"])
        late = Visitor()  # logs in while Redis is down: the session lives in the database
        late.log_in(server.url, member.username, PASSWORD)
        statuses += load(server, late, ["/users/settings/"])
        print(f"\nRedis down: {statuses.total()} answers, {dict(statuses)}")
        assert statuses == {200: statuses.total()}, statuses
        status, _, body = logged_in.request(
            f"{server.url}/articles/{article.pk}/comments/",
            {"body": "Мнение, написанное без Redis"},
            accept="application/json",
        )
        assert status == 201, body
        assert logged_in_as(server, logged_in, member), "still logged in"

        redis_server.start()  # the same port, empty
        deadline = time.monotonic() + 60  # the cache rests a few seconds, then tries again
        while not page_keys(redis_server) and time.monotonic() < deadline:
            reader.request(server.url + "/")
            reader.request(server.url + article.get_absolute_url())
            time.sleep(0.2)
        assert page_keys(redis_server), "the cache is used again"
        assert logged_in_as(server, logged_in, member)
    assert Comment.objects.filter(article=article, author=member).count() == 1
    article.refresh_from_db()
    assert article.comments_count == 1
    assert "unavailable" in server.log.read_text()


def test_with_the_database_down_readers_get_cached_pages_or_a_designed_503(
    site, redis_server, static_root, tmp_path
):
    article, member = site["article"], site["member"]
    proxy = TcpProxy(connection.settings_dict["PORT"] or 5432)
    proxy.start()
    server = AppServer(
        database_url=database_url(proxy.port),
        static_root=static_root,
        log=tmp_path / "server.log",
        REDIS_URL=redis_server.url,
    )
    comments_url = f"{server.url}/articles/{article.pk}/comments/"
    cached_pages = ["/", article.get_absolute_url()]
    try:
        with server:
            reader, logged_in = Visitor(), Visitor()
            logged_in.log_in(server.url, member.username, PASSWORD)
            for page in cached_pages:
                assert reader.request(server.url + page)[0] == 200

            # The connection dies between the comment's INSERT and its counters: all or nothing.
            proxy.cut_on(b'UPDATE "articles_article" SET "comments_count"')
            status, headers, body = logged_in.request(
                comments_url, {"body": "Мнение, оборванное на полпути"}, accept="application/json"
            )
            assert status == 503, body
            assert headers["Retry-After"] == "30"
            assert not Comment.objects.filter(article=article).exists()
            article.refresh_from_db()
            member.refresh_from_db()
            assert (article.comments_count, member.comments_count) == (0, 0)

            proxy.stop()
            statuses = Counter()
            for _ in range(ROUNDS):
                for page in cached_pages:
                    status, headers, _ = reader.request(server.url + page)
                    statuses[status] += 1
                    assert status == 200 and headers["X-Page-Cache"] == "hit"
                for page in [article.rubric.get_absolute_url(), "/trending/"]:
                    status, headers, html = reader.request(server.url + page)
                    statuses[status] += 1
                    assert status == 503 and headers["Retry-After"] == "30"
                    assert "Сайт ненадолго недоступен" in html and "/static/css/site" in html
                for page in site["member_pages"]:
                    status, _, html = logged_in.request(server.url + page)
                    statuses[status] += 1
                    assert status == 503 and 'class="error-page__code">503<' in html
            status, _, html = reader.request(server.url + "/en/discussed/")
            assert status == 503 and "The site is briefly unavailable" in html
            status, _, body = logged_in.request(
                comments_url, {"body": "Мнение без базы"}, accept="application/json"
            )
            assert status == 503 and "ничего не сохранено" in json.loads(body)["error"]
            status, _, html = logged_in.request(comments_url, {"body": "Мнение без базы"})
            assert status == 503 and "Сайт ненадолго недоступен" in html
            status, headers, body = reader.request(server.url + "/readyz")
            assert status == 503 and json.loads(body) == {"database": "down", "redis": "ok"}
            assert headers["Cache-Control"] == "no-store"
            assert reader.request(server.url + "/healthz")[0] == 200
            print(f"\nPostgreSQL down: {statuses.total()} answers, {dict(statuses)}")

            proxy.start()  # the same port
            deadline = time.monotonic() + 60
            while reader.request(server.url + "/readyz")[0] != 200:
                assert time.monotonic() < deadline, "the node never became ready again"
                time.sleep(0.2)
            status, _, body = logged_in.request(
                comments_url, {"body": "Мнение после сбоя"}, accept="application/json"
            )
            assert status == 201, body
    finally:
        proxy.stop()
    assert list(Comment.objects.filter(article=article).values_list("body", flat=True)) == [
        "Мнение после сбоя"
    ]
    article.refresh_from_db()
    assert article.comments_count == 1
    assert "Internal Server Error" not in server.log.read_text()
