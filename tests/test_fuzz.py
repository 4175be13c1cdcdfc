"""Generated junk in every URL parameter and form of the site never gets a 5xx.

Each address below (its path converters and its GET or POST parameters) gets a bounded number of
requests, as a visitor and as a member (the admin's lists and the moderation forms as a
superuser), with values that are either right or junk: any Unicode, NUL, huge and negative
numbers, very long strings, SQL, HTML and template fragments. Derandomized, so CI sends the same
requests every run; on PostgreSQL too (NUL and out-of-range numbers behave differently there).
"""

import io
import os
from dataclasses import dataclass, field
from urllib.parse import quote

import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from accounts.models import User
from articles.models import Article, Series
from discussions import services
from discussions.models import Notification
from images.tests.factories import make_image

# Requests per address and visitor; FUZZ_EXAMPLES=500 digs deeper than CI has time for.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))

FRAGMENTS = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "%00",
    "'",
    '"',
    "' OR 1=1 --",
    "1; DROP TABLE accounts_user; --",
    "<script>alert(1)</script>",
    "-->",
    "<!--",
    "{{ 7*7 }}",
    "{% debug %}",
    "${7*7}",
    "%s%s%n",
    "\r\nSet-Cookie: x=1",
    "../../../etc/passwd",
    "²",
    "١٢",
    "🔥",
    "\u202e",
    "\ufeff",
    "\u2028",
    "NaN",
    "inf",
    "-1",
    "0",
    "1e308",
    "0x10",
    "9" * 30,
    "-" + "9" * 30,
    "1.5",
    "true",
    "null",
    "[]",
    "{}",
    "a" * 10_000,
    "я" * 3_000,
    "http://evil.example/",
    "//evil.example",
    "javascript:x",
]

junk = st.one_of(
    st.sampled_from(FRAGMENTS),
    st.text(max_size=20).map(lambda text: f"{text}\x00{text}"),  # PostgreSQL refuses NUL
    st.integers(min_value=-(10**30), max_value=10**30).map(str),  # past every integer column
    st.text(max_size=40),  # any Unicode but lone surrogates (no UTF-8 for them)
    st.tuples(st.text(min_size=1, max_size=3), st.integers(200, 4_000)).map(lambda t: t[0] * t[1]),
)


def _picture() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 80, 20)).save(buffer, "PNG")
    return buffer.getvalue()


PICTURE = _picture()


def right_or_junk(*right):
    """Half the time a right value (so the request gets past the first check), else junk."""
    return st.one_of(st.sampled_from(right), junk) if right else junk


@dataclass
class Target:
    method: str
    path: str  # placeholders: {name}, filled from `args`
    fields: dict = field(default_factory=dict)  # parameter -> right values (may be empty)
    args: dict = field(default_factory=dict)  # placeholder -> right values
    users: tuple = ("anonymous", "member")
    files: tuple = ()


def ARTICLE(site):  # upper case: read like the constants beside it
    return (site["article"].pk,)


def COMMENTS(site):
    return (site["comment"].pk, site["own_comment"].pk)


SORT, PAGE, STAFF = ("best", "newest", "oldest"), ("1", "2"), ("superuser",)

TARGETS = {
    "home": Target("get", "/", {"page": PAGE}),
    "article": Target(
        "get",
        "/articles/{slug}/",
        {"sort": SORT, "reply": lambda s: (s["comment"].pk,)},
        {"slug": lambda s: (s["article"].slug,)},
    ),
    "preview": Target(
        "get",
        "/articles/{slug}/preview/",
        {},
        {"slug": lambda s: (s["article"].slug,)},
        users=("member", "superuser"),
    ),
    "rubric": Target(
        "get", "/rubrics/{slug}/", {"page": PAGE}, {"slug": lambda s: (s["article"].rubric.slug,)}
    ),
    "rubric rss": Target(
        "get", "/rubrics/{slug}/rss/", {}, {"slug": lambda s: (s["article"].rubric.slug,)}
    ),
    "tag": Target("get", "/tags/{slug}/", {"page": PAGE}, {"slug": lambda s: (s["tag"].slug,)}),
    "author": Target("get", "/authors/{name}/", {}, {"name": ("oleg", "maria")}),
    "profile": Target("get", "/users/{name}/", {"page": PAGE}, {"name": ("oleg", "maria")}),
    "series": Target("get", "/series/{slug}/", {"page": PAGE}, {"slug": ("seriya",)}),
    "trending": Target("get", "/trending/", {"period": ("day", "week", "all"), "page": PAGE}),
    "discussed": Target("get", "/discussed/", {"period": ("month",), "page": PAGE}),
    "search": Target(
        "get",
        "/search/",
        {
            "q": ("продажи", '"холодные звонки" -скрипт', "-", '"', "OR"),
            "rubric": lambda s: (s["article"].rubric.slug, ""),
            "period": ("", "week", "month", "year"),
            "sort": ("", "new"),
            "page": PAGE,
        },
    ),
    "rss": Target("get", "/rss/"),
    "atom": Target("get", "/atom/"),
    "sitemap": Target("get", "/sitemap.xml", {"p": PAGE}),
    "sitemap section": Target(
        "get",
        "/sitemap-{kind}-{number}.xml",
        {},
        {"kind": ("articles", "tags", "authors", "nothing"), "number": ("0", "1")},
    ),
    "robots": Target("get", "/robots.txt"),
    "permalink": Target("get", "/comments/{id}/", {}, {"id": COMMENTS}),
    "reply link": Target("get", "/comments/{id}/reply/", {}, {"id": COMMENTS}),
    "edit form": Target("get", "/comments/{id}/edit/", {}, {"id": COMMENTS}),
    "report form": Target("get", "/comments/{id}/report/", {}, {"id": COMMENTS}),
    "bookmarks": Target("get", "/bookmarks/", {"page": PAGE}),
    "feed": Target("get", "/feed/", {"page": PAGE}),
    "notifications": Target("get", "/notifications/", {"page": PAGE, "panel": ("1",)}),
    "notification": Target("get", "/notifications/{id}/", {}, {"id": lambda s: (s["note"].pk,)}),
    "unsubscribe form": Target(
        "get", "/unsubscribe/{token}/", {}, {"token": lambda s: s["tokens"]}
    ),
    "settings form": Target("get", "/users/settings/"),
    "login form": Target("get", "/accounts/login/", {"next": ("/", "/articles/x/")}),
    # Telegram's login (configured in `site`): the button's POST, the callback, the connections.
    "telegram login": Target(
        "post", "/accounts/telegram/login/", {"process": ("login", "connect"), "next": ("/",)}
    ),
    "telegram callback": Target(
        "post",
        "/accounts/telegram/login/callback/",
        {"state": ("abc",), "tgAuthResult": ("e30=", "eyJoYXNoIjogIngiLCAiaWQiOiAxfQ==")},
    ),
    "telegram connections": Target(
        "post", "/accounts/3rdparty/", {"account": ("1", "x")}, users=("member",)
    ),
    "signup form": Target("get", "/accounts/signup/", {"next": ("/", "/articles/x/")}),
    "confirm email": Target("get", "/accounts/confirm-email/{key}/", {}, {"key": ("abc",)}),
    "reset from key": Target("get", "/accounts/password/reset/key/{key}/", {}, {"key": ("1-a",)}),
    # forms
    "comment": Target(
        "post",
        "/articles/{id}/comments/",
        {"body": ("Мнение о статье",), "parent": lambda s: (s["comment"].pk, "")},
        {"id": ARTICLE},
    ),
    "edit": Target("post", "/comments/{id}/edit/", {"body": ("Правка",)}, {"id": COMMENTS}),
    "delete": Target("post", "/comments/{id}/delete/", {}, {"id": COMMENTS}),
    "comment vote": Target(
        "post", "/comments/{id}/vote/", {"value": ("1", "-1", "0")}, {"id": COMMENTS}
    ),
    "article vote": Target(
        "post", "/articles/{id}/vote/", {"value": ("1", "-1", "0")}, {"id": ARTICLE}
    ),
    "report": Target(
        "post",
        "/comments/{id}/report/",
        {"reason": ("spam", "rude", "other"), "details": ("Спам",)},
        {"id": COMMENTS},
    ),
    "bookmark": Target("post", "/articles/{id}/bookmark/", {"saved": ("1", "0")}, {"id": ARTICLE}),
    "follow": Target(
        "post",
        "/follows/{kind}/{id}/",
        {"following": ("1", "0"), "next": ("/users/settings/", "//evil.example/")},
        {"kind": ("rubric", "tag", "author"), "id": lambda s: (s["article"].rubric_id,)},
    ),
    "moderate": Target(
        "post",
        "/comments/{id}/moderate/",
        {"action": ("hide", "restore"), "reason": ("Спам",)},
        {"id": COMMENTS},
        users=("member", "superuser"),
    ),
    "close discussion": Target(
        "post",
        "/articles/{id}/discussion/",
        {"closed": ("1", "0")},
        {"id": ARTICLE},
        users=("member", "superuser"),
    ),
    "notifications read": Target("post", "/notifications/read/"),
    "view beacon": Target(
        "post",
        "/articles/{id}/view/",
        {"visitor": ("",), "referrer": ("https://yandex.ru/search/?text=crm", "")},
        {"id": ARTICLE},
    ),
    "engaged read beacon": Target(
        "post", "/articles/{id}/read/", {"visitor": ("",)}, {"id": ARTICLE}
    ),
    "unsubscribe": Target("post", "/unsubscribe/{token}/", {}, {"token": lambda s: s["tokens"]}),
    "settings": Target(
        "post",
        "/users/settings/",
        {
            "display_name": ("Мария",),
            "bio": ("О себе",),
            "notify_replies": ("on",),
            "notify_article_comments": ("on", ""),
            "remove_avatar": ("on",),
        },
        files=("avatar",),
    ),
    "signup": Target(
        "post",
        "/accounts/signup/",
        {
            "email": ("new@example.com",),
            "username": ("newbie",),
            "password1": ("pass-12345-word",),
            "password2": ("pass-12345-word",),
            "website": ("",),
        },
    ),
    "login": Target(
        "post",
        "/accounts/login/",
        {
            "login": ("maria",),
            "password": ("pass-12345-word",),
            "remember": ("on",),
            "next": ("/",),
        },
    ),
    "password reset": Target(
        "post", "/accounts/password/reset/", {"email": ("maria@example.com",)}
    ),
    "reset with key": Target(
        "post",
        "/accounts/password/reset/key/{key}/",
        {"password1": ("pass-12345-word",), "password2": ("pass-12345-word",)},
        {"key": ("1-set-password",)},
    ),
    "password change": Target(
        "post",
        "/accounts/password/change/",
        {"oldpassword": ("pass-12345-word",), "password1": ("x",), "password2": ("x",)},
        users=("member",),
    ),
    "email": Target(
        "post",
        "/accounts/email/",
        {"email": ("second@example.com",), "action_add": ("",)},
        users=("member",),
    ),
    # the editors' lists: search, ordering, pages, filters and the date hierarchy
    "admin articles": Target(
        "get",
        "/admin/articles/article/",
        {
            "q": ("CRM",),
            "o": ("1", "-2"),
            "p": ("1",),
            "status__exact": ("draft",),
            "state": ("draft", "scheduled", "published"),
            "published_at__year": ("2024",),
            "published_at__month": ("2",),
            "published_at__day": ("3",),
        },
        users=STAFF,
    ),
    "admin comments": Target(
        "get",
        "/admin/discussions/comment/",
        {"q": ("мнение",), "status__exact": ("hidden",), "created_at__year": ("2024",)},
        users=STAFF,
    ),
    "admin members": Target(
        "get", "/admin/accounts/user/", {"q": ("maria",), "o": ("2",)}, users=STAFF
    ),
    "admin tags": Target("get", "/admin/articles/tag/", {"q": ("тег",)}, users=STAFF),
    # the media library, the article form with its cover upload and the Markdown preview
    "admin library": Target(
        "get",
        "/admin/images/image/",
        {"q": ("схема",), "o": ("2",), "p": ("1",), "_popup": ("1",)},
        users=STAFF,
    ),
    "admin picture upload": Target(
        "post", "/admin/images/image/add/", {"alt": ("Схема",)}, users=STAFF, files=("upload",)
    ),
    "admin picture change": Target(
        "post",
        "/admin/images/image/{id}/change/",
        {"alt": ("Новое описание",)},
        {"id": lambda s: (s["image"].pk,)},
        users=STAFF,
    ),
    "admin article form": Target(
        "post",
        "/admin/articles/article/add/",
        {
            "title": ("Статья",),
            "author": lambda s: (s["member"].pk,),
            "rubric": lambda s: (s["article"].rubric_id,),
            "body": lambda s: ("Текст", f"![x]({s['image'].reference})"),
            "status": ("draft", "published"),
            "cover": lambda s: (s["image"].pk, ""),
            "cover_alt": ("",),
        },
        users=STAFF,
        files=("cover_upload",),
    ),
    "admin analytics": Target(
        "get",
        "/admin/articles/article/analytics/",
        {
            "days": ("1", "7", "30"),
            "order": ("views", "engaged_reads", "comments", "votes"),
            "rubric": lambda s: (s["article"].rubric_id, ""),
            "author": lambda s: (s["article"].author_id, ""),
        },
        users=STAFF,
    ),
    "admin article analytics": Target(
        "get",
        "/admin/articles/article/{id}/analytics/",
        {"days": ("30", "90")},
        {"id": ARTICLE},
        users=STAFF,
    ),
    # the moderation queue: its pages and a decision on a comment
    "admin moderation queue": Target(
        "get", "/admin/discussions/report/queue/", {"page": PAGE}, users=STAFF
    ),
    "admin moderation decision": Target(
        "post",
        "/admin/discussions/report/queue/",
        {
            "comment": lambda s: (s["comment"].pk,),
            "decision": ("hide", "dismiss", "ban"),
            "reason": ("спам",),
            "days": ("7", ""),
        },
        users=STAFF,
    ),
    # steering the rankings: the decision form and "Почему в тренде"
    "admin steering form": Target(
        "post",
        "/admin/articles/steering/add/",
        {
            "ranking": ("trending", "discussed"),
            "period": ("week", "all"),
            "article": ARTICLE,
            "kind": ("pin", "boost", "bury"),
            "position": ("1",),
            "factor": ("1.5",),
            "until_0": ("01.01.2099",),
            "until_1": ("12:00",),
            "reason": ("Выбор редакции",),
        },
        users=STAFF,
    ),
    "admin why trending": Target(
        "get", "/admin/articles/steering/explain/", {"period": ("day", "all")}, users=STAFF
    ),
    "markdown preview": Target(
        "post",
        "/admin/articles/article/markdown-preview/",
        {"body": ("# Текст", "![x](image:1)")},
        users=("member", "superuser"),
    ),
}


@pytest.fixture
def site(make_article, make_user, settings):
    settings.RATE_LIMITS_ENABLED = False  # refused attempts would hide the deeper code paths
    settings.ACCOUNT_RATE_LIMITS = False
    settings.TELEGRAM_LOGIN = True
    settings.SOCIALACCOUNT_PROVIDERS = {
        "telegram": {"APP": {"client_id": "123456", "secret": "123456:FUZZ-token"}}
    }
    member = make_user(username="maria", email="maria@example.com", display_name="Мария")
    other = make_user(username="oleg")
    article = make_article(
        title="Как продавать CRM",
        tags=["переговоры", "🔥"],
        series=Series.objects.create(title="Серия", slug="seriya"),
        series_number=1,
    )
    comment = services.create_comment(article=article, author=other, body="Первое мнение")
    own = services.create_comment(article=article, author=member, body="Моё", parent=comment)
    make_article(title="Черновик", status=Article.Status.DRAFT)
    return {
        "member": member,
        "superuser": make_user(username="root", is_staff=True, is_superuser=True),
        "article": article,
        "comment": comment,
        "own_comment": own,
        "tag": article.tags.first(),
        "series": article.series,
        "note": Notification.objects.filter(recipient=other).first(),
        "image": make_image(alt="Схема"),
        "tokens": tuple(
            services.unsubscribe_token(user=member, topic=t) for t in ("replies", "bad")
        ),
    }


def _client(site, who: str) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(User.objects.get(pk=site[who].pk))
    return client


def _request(client, target: Target, args: dict, data: dict, files: dict, prefix, as_json):
    path = prefix + target.path.format(**{k: quote(v, safe="") for k, v in args.items()})
    headers = {"HTTP_ACCEPT": "application/json"} if as_json else {}
    if target.method == "get":
        return client.get(path, data, **headers)
    return client.post(path, {**data, **files}, **headers)


def _file(name: str, content: bytes) -> SimpleUploadedFile:
    try:
        return SimpleUploadedFile(name[:200], content)
    except SuspiciousFileOperation:  # "", "." and "..": the test client cannot send those
        return SimpleUploadedFile("x", content)


def _right(site, values) -> tuple[str, ...]:
    return tuple(map(str, values(site) if callable(values) else values))


@pytest.mark.parametrize(
    ("name", "who"), [(name, who) for name, target in TARGETS.items() for who in target.users]
)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_junk_never_gets_a_server_error(site, name, who, data):
    target = TARGETS[name]
    args = {
        key: data.draw(right_or_junk(*_right(site, right)), label=key)
        for key, right in target.args.items()
    }
    values = {}
    for param, right in target.fields.items():
        if data.draw(st.booleans(), label=f"send {param}"):
            values[param] = data.draw(right_or_junk(*_right(site, right)), label=param)
    if data.draw(st.booleans(), label="extra parameter"):
        values[data.draw(junk, label="extra name")] = data.draw(junk, label="extra value")
    files = {
        upload: _file(
            data.draw(junk, label="file name"),
            data.draw(st.one_of(st.just(PICTURE), st.binary(max_size=2_000)), label="content"),
        )
        for upload in target.files
        if data.draw(st.booleans(), label=f"send {upload}")
    }
    prefix = data.draw(st.sampled_from(["", "/en"]), label="language")
    as_json = data.draw(st.booleans(), label="json")
    response = _request(_client(site, who), target, args, values, files, prefix, as_json)
    assert response.status_code < 500, (name, who, args, values)
