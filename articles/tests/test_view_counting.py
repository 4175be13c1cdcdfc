"""The view endpoint as an attacker tries it: only signed visitors count, within the caps."""

import pytest
from django.core import signing
from django.test import Client

from articles import services
from articles.models import Article

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/130.0 Safari/537.36"
HEADLESS = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/130.0 Safari/537.36"
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


def _url(article) -> str:
    return f"/articles/{article.pk}/view/"


def _report(client, article, visitor="", **headers):
    headers.setdefault("HTTP_USER_AGENT", BROWSER)
    return client.post(_url(article), {"visitor": visitor}, **headers)


def _views(article) -> int:
    services.flush_views()
    return Article.objects.values_list("views_count", flat=True).get(pk=article.pk)


def test_a_reader_gets_an_id_first_and_counts_with_it(client, make_article, signed_visitor, store):
    article = make_article()
    first = _report(client, article).json()
    visitor = first["visitor"]
    answers = [
        first,
        _report(client, article, visitor).json(),
        _report(client, article, visitor).json(),  # within 30 minutes
        _report(client, article, signed_visitor("another-reader")).json(),
    ]
    assert [answer["counted"] for answer in answers] == [False, True, False, True]
    if store == "database":  # the buffer answers with the count of a minute ago, plus this view
        assert [answer["views"] for answer in answers] == [0, 1, 1, 2]
    assert _views(article) == 2
    assert client.get(_url(article)).status_code == 405
    assert client.post("/articles/999999/view/").status_code == 404


def test_made_up_visitor_ids_count_nothing(make_article):
    article = make_article()
    client = Client(REMOTE_ADDR=ATTACKER)
    answers = [_report(client, article, f"made-up-{n:04d}").json() for n in range(500)]
    assert sum(answer["counted"] for answer in answers) == 0
    assert _views(article) == 0


def test_tampered_signatures_count_nothing(client, make_article, signed_visitor):
    article = make_article()
    genuine = signed_visitor("reader-0001")
    value, signature = genuine.rsplit(":", 1)
    forged = [
        f"reader-0002:{signature}",  # another value under a signature of the first
        f"{value}:{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",  # one letter changed
        signing.Signer(salt="another.salt").sign("reader-0003"),  # signed for something else
        signing.Signer(key="not-our-secret", salt="articles.visitor-id").sign("reader-0004"),
        value,  # no signature at all
        genuine + "x" * 100,  # too long to look at
    ]
    for visitor in forged:
        assert _report(client, article, visitor).json()["counted"] is False, visitor
    assert _views(article) == 0
    assert _report(client, article, genuine).json()["counted"] is True


def test_following_the_protocol_from_one_address_counts_at_most_the_cap(make_article, settings):
    """500 reports, each with the newest id the site handed out: the caps bound what counts."""
    article = make_article()
    client = Client(REMOTE_ADDR=ATTACKER)
    issued, counted, visitor = set(), 0, ""
    for _ in range(500):
        answer = _report(client, article, visitor).json()
        counted += answer["counted"]
        visitor = answer.get("visitor") or ""  # a fresh id when handed one, else ask again
        issued.add(visitor)
    assert counted == settings.VIEWS_PER_ADDRESS_PER_ARTICLE_PER_DAY
    assert _views(article) == settings.VIEWS_PER_ADDRESS_PER_ARTICLE_PER_DAY
    assert len(issued - {""}) == settings.VISITOR_IDS_PER_ADDRESS_PER_HOUR


def test_the_hourly_cap_spans_articles_and_spares_other_addresses(
    make_article, settings, signed_visitor
):
    settings.VIEWS_PER_ADDRESS_PER_HOUR = 4
    articles = [make_article() for _ in range(3)]
    office, home = Client(REMOTE_ADDR="192.0.2.10"), Client(REMOTE_ADDR="192.0.2.11")
    counted = [
        _report(office, article, signed_visitor(f"reader-{n}")).json()["counted"]
        for article in articles
        for n in range(2)
    ]
    assert counted == [True, True, True, True, False, False]
    assert _report(home, articles[2], signed_visitor("neighbour")).json()["counted"] is True


def test_an_office_can_raise_the_caps(make_article, settings, signed_visitor):
    settings.VIEWS_PER_ADDRESS_PER_ARTICLE_PER_DAY = 50
    article = make_article()
    client = Client(REMOTE_ADDR="192.0.2.50")
    for n in range(50):
        assert _report(client, article, signed_visitor(f"colleague-{n}")).json()["counted"]
    assert _report(client, article, signed_visitor("one-too-many")).json()["counted"] is False


def test_issuing_ids_is_capped_per_address(make_article, settings):
    settings.VISITOR_IDS_PER_ADDRESS_PER_HOUR = 2
    article = make_article()
    client = Client(REMOTE_ADDR=ATTACKER)
    handed = [_report(client, article).json()["visitor"] for _ in range(4)]
    assert [bool(visitor) for visitor in handed] == [True, True, False, False]
    assert _report(Client(REMOTE_ADDR="192.0.2.99"), article).json()["visitor"]


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_ORIGIN": "null"},
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_SEC_FETCH_SITE": "same-site"},
        {"HTTP_ORIGIN": "http://testserver", "HTTP_SEC_FETCH_SITE": "cross-site"},
    ],
)
def test_cross_site_reports_are_not_counted(client, make_article, signed_visitor, headers):
    article = make_article()
    response = _report(client, article, signed_visitor("reader"), **headers)
    assert response.status_code == 403
    assert response.json()["counted"] is False
    assert _views(article) == 0


def test_the_sites_own_script_is_counted(client, make_article, signed_visitor):
    article = make_article()
    headers = {"HTTP_ORIGIN": "http://testserver", "HTTP_SEC_FETCH_SITE": "same-origin"}
    assert _report(client, article, signed_visitor("reader"), **headers).json()["counted"] is True


def test_headless_browsers_are_not_counted(client, make_article, signed_visitor):
    article = make_article()
    answer = _report(client, article, signed_visitor("reader"), HTTP_USER_AGENT=HEADLESS).json()
    assert answer["counted"] is False
    assert _views(article) == 0


def test_behind_the_proxy_the_caps_key_on_the_forwarded_address(
    make_article, settings, signed_visitor
):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.VIEWS_PER_ADDRESS_PER_ARTICLE_PER_DAY = 1
    article = make_article()

    def report(forwarded, name):
        client = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
        return _report(client, article, signed_visitor(name)).json()["counted"]

    assert report("192.0.2.1", "a") is True
    assert report("192.0.2.2", "b") is True  # another reader behind the same proxy
    assert report("6.6.6.6, 192.0.2.1", "c") is False  # a made-up hop changes nothing
