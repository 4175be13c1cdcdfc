"""Engaged reads and referrers: reported by the page's script, counted under the rules of a view
(signed visitor, de-duplicated, capped per address), buffered beside views and flushed into the
daily statistics."""

import pytest
from django.test import Client
from django.utils import timezone

from articles import services
from articles.models import Article, ArticleDailyStats, ArticleReferrerDaily
from articles.referrers import classify

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/130.0 Safari/537.36"
ATTACKER = "198.51.100.66"


@pytest.fixture(autouse=True, params=["database", "redis"])
def store(request, settings):
    """Every rule holds on both paths: straight into the database, and the Redis buffer."""
    if request.param == "redis":
        settings.VIEW_BUFFER = True
        settings.REDIS_URL = request.getfixturevalue("redis_client").url
    services._redis_client = None
    yield request.param
    services._redis_client = None


def _read(client, article, visitor="", **headers):
    headers.setdefault("HTTP_USER_AGENT", BROWSER)
    return client.post(f"/articles/{article.pk}/read/", {"visitor": visitor}, **headers)


def _view(client, article, visitor, referrer=""):
    return client.post(
        f"/articles/{article.pk}/view/",
        {"visitor": visitor, "referrer": referrer},
        HTTP_USER_AGENT=BROWSER,
    )


def _day(article) -> tuple[int, int]:
    """(views, engaged reads) of the article today, after a flush."""
    services.flush_views()
    row = ArticleDailyStats.objects.filter(article=article, date=timezone.localdate()).first()
    return (row.views, row.engaged_reads) if row else (0, 0)


def test_an_engaged_read_counts_once_per_visitor_beside_the_view(
    client, make_article, signed_visitor
):
    article = make_article()
    reader = signed_visitor("reader-0001")
    assert _view(client, article, reader).json()["counted"] is True
    answers = [
        _read(client, article, reader).json(),
        _read(client, article, reader).json(),  # the same visit reported twice
        _read(client, article, signed_visitor("reader-0002")).json(),
    ]
    assert answers == [{"counted": True}, {"counted": False}, {"counted": True}]
    assert _day(article) == (1, 2)
    article.refresh_from_db()
    assert article.views_count == 1  # an engaged read is not one more view
    assert client.get(f"/articles/{article.pk}/read/").status_code == 405
    assert client.post("/articles/999999/read/").status_code == 404


def test_a_read_without_a_signed_id_gets_one_and_counts_nothing(client, make_article):
    article = make_article()
    answer = _read(client, article).json()
    assert answer["counted"] is False
    assert services.verified_visitor(answer["visitor"])
    assert _read(client, article, answer["visitor"]).json() == {"counted": True}


def test_forged_visitors_count_no_engaged_read(make_article, signed_visitor):
    article = make_article()
    client = Client(REMOTE_ADDR=ATTACKER)
    genuine = signed_visitor("reader-0001")
    value, signature = genuine.rsplit(":", 1)
    forged = [f"made-up-{n}" for n in range(50)] + [f"reader-0002:{signature}", value]
    assert not any(_read(client, article, visitor).json()["counted"] for visitor in forged)
    assert _day(article) == (0, 0)


def test_engaged_reads_are_capped_per_address(make_article, settings, signed_visitor):
    settings.VIEWS_PER_ADDRESS_PER_ARTICLE_PER_DAY = 3
    article = make_article()
    office, home = Client(REMOTE_ADDR="192.0.2.10"), Client(REMOTE_ADDR="192.0.2.11")
    counted = [_read(office, article, signed_visitor(f"r-{n}")).json()["counted"] for n in range(6)]
    assert counted == [True, True, True, False, False, False]
    assert _read(home, article, signed_visitor("neighbour")).json()["counted"] is True
    # the views of the same address have caps of their own
    assert _view(office, article, signed_visitor("r-0")).json()["counted"] is True
    assert _day(article) == (1, 4)


def test_cross_site_bot_and_author_reads_are_not_counted(
    client, make_article, signed_visitor, make_user
):
    author = make_user(username="writer")
    article = make_article(author=author)
    reader = signed_visitor("reader")
    assert _read(client, article, reader, HTTP_ORIGIN="https://evil.example").status_code == 403
    assert (
        _read(client, article, reader, HTTP_USER_AGENT="Googlebot/2.1").json()["counted"] is False
    )
    client.force_login(author)
    assert _read(client, article, reader).json()["counted"] is False
    assert _day(article) == (0, 0)


def test_a_draft_takes_no_engaged_read(client, make_article, signed_visitor):
    draft = make_article(status=Article.Status.DRAFT)
    assert _read(client, draft, signed_visitor("reader")).status_code == 404


def test_referrers_are_kept_as_kind_and_host_per_day(
    client, make_article, signed_visitor, many_readers_per_address
):
    article = make_article()
    sources = [
        "https://www.google.ru/search?q=%D1%82%D0%B5%D0%BD%D0%B4%D0%B5%D1%80&client=secret",
        "https://yandex.ru/search/?text=crm",
        "https://t.me/sellers_chat/123",
        "",
        "http://testserver/rubrics/sales/",  # a link on this site: a direct visit
        "https://vc.ru/some/post?utm=1",
        "https://www.google.ru/",
    ]
    for n, referrer in enumerate(sources):
        assert _view(client, article, signed_visitor(f"reader-{n}"), referrer).json()["counted"]
    # not counted (the same reader again): nothing about where it came from either
    assert not _view(client, article, signed_visitor("reader-0"), "https://bing.com/").json()[
        "counted"
    ]
    services.flush_views()
    rows = set(
        ArticleReferrerDaily.objects.filter(article=article, date=timezone.localdate()).values_list(
            "kind", "host", "count"
        )
    )
    assert rows == {
        ("search", "google.ru", 2),
        ("search", "yandex.ru", 1),
        ("telegram", "t.me", 1),
        ("direct", "", 2),
        ("other", "vc.ru", 1),
    }
    article.refresh_from_db()
    assert article.views_count == len(sources)


@pytest.mark.parametrize(
    ("referrer", "kind", "host"),
    [
        ("", "direct", ""),
        ("   ", "direct", ""),
        ("https://example.com/any/page", "direct", ""),  # this site under SITE_URL's host
        ("https://WWW.Google.com/url?q=x", "search", "google.com"),
        ("https://www.google.com.tr/", "search", "google.com.tr"),
        ("https://yandex.kz/search/?text=x", "search", "yandex.kz"),
        ("https://ya.ru/", "search", "ya.ru"),
        ("https://www.bing.com/search?q=a", "search", "bing.com"),
        ("https://duckduckgo.com/", "search", "duckduckgo.com"),
        ("https://go.mail.ru/search?q=1", "search", "go.mail.ru"),
        ("https://t.me/chat", "telegram", "t.me"),
        ("https://web.telegram.org/k/", "telegram", "web.telegram.org"),
        ("https://telegram.org/", "telegram", "telegram.org"),
        ("android-app://org.telegram.messenger/", "telegram", "org.telegram.messenger"),
        ("android-app://com.google.android.gm/", "other", "com.google.android.gm"),
        ("https://vc.ru:443/path?x=1#frag", "other", "vc.ru"),
        ("https://googleusercontent.example.org/", "other", "googleusercontent.example.org"),
        ("https://notgoogle.com/", "other", "notgoogle.com"),
        ("http://192.0.2.1/admin", "other", "192.0.2.1"),
        ("https://[::1]/", "other", ""),  # no colons in a kept host
        ("https://[::1/", "other", ""),  # malformed
        ("javascript:alert(1)", "other", ""),
        ("https://evil.example/" + "a" * 3000, "other", ""),
        ("https://<script>.ru/", "other", ""),
        ("https://" + "a" * 150 + ".ru/", "other", "a" * 100),
    ],
)
def test_referrer_classification(referrer, kind, host):
    assert classify(referrer, own_hosts={"example.com", "127.0.0.1"}) == (kind, host)
