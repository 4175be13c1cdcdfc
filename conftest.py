"""Fixtures shared by every app's tests: small factories and a clean cache per test."""

import importlib
import itertools
import os
import shutil
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation

_seq = itertools.count(1)
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# What a reader's Chrome sends: headless Chromium says "HeadlessChrome", and the site counts no
# views from headless browsers.
READER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36"
)


@pytest.fixture(autouse=True)
def _clean_cache():
    from articles import caching, feeds, search_views, services
    from articles.templatetags import articles_tags
    from discussions import reading

    cache.clear()
    services.view_targets.clear()  # a worker's copies outlive a test's rows on SQLite
    caching.shared_copies.clear()
    articles_tags.recent_cards.clear()
    feeds.recent_feeds.clear()
    search_views.shown_pages.clear()
    reading.fragments.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in Russian and leaves no language behind: a request under /en/ activates
    English for the whole thread, and reverse() in the next test would follow it."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    """Uploads go to a temporary folder, static files need no manifest, passwords hash fast."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast tests
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def make_user(db):
    from accounts.models import User

    def make(**fields):
        n = next(_seq)
        fields.setdefault("username", f"user{n}")
        fields.setdefault("email", f"user{n}@example.com")
        password = fields.pop("password", "pass-12345-word")
        user = User(**fields)
        user.set_password(password)
        user.save()
        return user

    return make


@pytest.fixture
def roles(db):
    """The role groups by name, as the migration made them.

    A transactional test empties every table when it ends, groups included, so the tests after it
    would find none: the migration's own function makes them again when they are missing.
    """
    from django.apps import apps
    from django.contrib.auth.models import Group
    from django.db import connection

    from accounts.permissions import EDITORS, MODERATORS

    if Group.objects.filter(name__in=[EDITORS, MODERATORS]).count() < 2:
        editor = SimpleNamespace(connection=connection)
        importlib.import_module("discussions.migrations.0003_roles").create_roles(apps, editor)
        library = importlib.import_module("images.migrations.0002_editors_use_the_library")
        library.grant_library(apps, editor)
        announcements = importlib.import_module("telegram.migrations.0002_editors_announce")
        announcements.grant(apps, editor)
        analytics = importlib.import_module("articles.migrations.0015_editors_read_analytics")
        analytics.grant_analytics(apps, editor)
        steering = importlib.import_module("articles.migrations.0019_editors_steer_rankings")
        steering.grant_steering(apps, editor)
    return {group.name: group for group in Group.objects.filter(name__in=[EDITORS, MODERATORS])}


@pytest.fixture
def make_staff(make_user, roles):
    """A staff member in one of the role groups (accounts.permissions.EDITORS or MODERATORS)."""

    def make(group: str, **fields):
        user = make_user(is_staff=True, **fields)
        user.groups.add(roles[group])
        return user

    return make


@pytest.fixture
def rubric(db):
    from articles.models import Rubric

    return Rubric.objects.create(name="Жизнь Сейлза", slug="zhizn-seylza")


@pytest.fixture
def make_article(db, make_user, rubric):
    from articles.models import Article
    from articles.search_index import index_articles

    author = None

    def make(**fields):
        nonlocal author
        if "author" not in fields:
            author = author or make_user(display_name="Автор Статей")
            fields["author"] = author
        n = next(_seq)
        fields.setdefault("title", f"Статья номер {n}")
        fields.setdefault("rubric", rubric)
        fields.setdefault("body", "Первый абзац статьи о продажах.\n\n## Раздел\n\nЕщё текст.")
        fields.setdefault("status", Article.Status.PUBLISHED)
        if fields["status"] == Article.Status.PUBLISHED:
            fields.setdefault("published_at", timezone.now() - timedelta(hours=n))
        tags = fields.pop("tags", [])
        article = Article(**fields)
        article.save()
        if tags:
            article.tags.set(tags)
        index_articles(article_ids=[article.pk])  # as the admin does once the tags are saved
        return article

    return make


@pytest.fixture
def signed_visitor():
    """A visitor id as the site issues them: signed, so the view endpoint counts it."""
    from django.core import signing

    from articles.services import VISITOR_SALT

    return lambda name: signing.Signer(salt=VISITOR_SALT).sign(name)


@pytest.fixture
def many_readers_per_address(settings):
    """Tests that send many real readers from one address raise its caps, as an office would."""
    settings.VIEWS_PER_ADDRESS_PER_ARTICLE_PER_DAY = 10_000
    settings.VIEWS_PER_ADDRESS_PER_HOUR = 10_000
    settings.VISITOR_IDS_PER_ADDRESS_PER_HOUR = 10_000


@pytest.fixture
def redis_client():
    """An empty Redis database (REDIS_TEST_URL); skipped without Redis, except in CI."""
    import redis

    url = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("REDIS_TEST_URL"):
            raise
        pytest.skip(f"needs Redis at {url}")
    client.flushdb()
    client.url = url
    yield client
    client.flushdb()


@pytest.fixture
def redis_cache(settings, redis_client, monkeypatch):
    """The page cache on Redis, as in production: keys can be counted there, and each worker
    keeps copies of its hot pages (this one with a fresh subscription, trusted for the test)."""
    from articles import caching, local_copies

    settings.REDIS_URL = redis_client.url
    monkeypatch.setattr(caching, "local_copies", caching.LocalCopies())
    monkeypatch.setattr(caching, "shared_copies", caching.LocalCopies(entries=512, seconds=2))
    monkeypatch.setattr(local_copies, "LIVE_SECONDS", 60)
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": redis_client.url,
            "KEY_PREFIX": settings.CACHE_PREFIX,
            "KEY_FUNCTION": "config.cache_keys.make_key",
        },
        "ratelimit": {
            "BACKEND": "config.cache.RedisCounterCache",
            "LOCATION": redis_client.url,
            "KEY_PREFIX": settings.CACHE_PREFIX,
        },
        "template_fragments": {"BACKEND": "articles.caching.FragmentCache"},
    }
    return redis_client


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium through Playwright; skipped loudly without it, failing in CI."""
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"Chromium is required (REQUIRE_BROWSER=1) but {CHROMIUM} is missing")
        pytest.skip(f"BROWSER TESTS SKIPPED: no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="ru-RU", user_agent=READER_AGENT
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def database_down(monkeypatch):
    """Every connection attempt fails as it does with PostgreSQL stopped."""
    import psycopg
    from django.db import OperationalError, connections

    def refuse():  # as Django raises it: its own error, from the driver's
        message = 'connection to server at "127.0.0.1", port 5432 failed: Connection refused'
        raise OperationalError(message) from psycopg.OperationalError(message)

    wrapper = connections["default"]
    monkeypatch.setattr(wrapper, "connection", None)
    monkeypatch.setattr(wrapper, "ensure_connection", refuse)
