"""Settings for the whole site, one file.

Every difference between deployments is read from the environment; the README lists each
variable. Without DATABASE_URL the site runs on the embedded SQLite database.
"""

import datetime
import os
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config import cache_keys

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

# Without DEBUG there is no default: the app servers refuse to start without a key
# (config/startup.py), and anything else that needs it fails instead of using a known one.
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "insecure-development-key-never-use-in-production"

# How many reverse proxies of ours stand in front of the app servers: 0 takes the address the
# connection came from, N the Nth from the right in X-Forwarded-For (config/client.py).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", cast=str.strip, default=["127.0.0.1", "localhost"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", cast=str.strip, default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "csp",
    "allauth",
    "allauth.account",
    # Log in with Telegram (telegram/adapter.py): the provider shows and works only with
    # TELEGRAM_BOT_TOKEN and TELEGRAM_BOT_NAME set (SOCIALACCOUNT_PROVIDERS below).
    "allauth.socialaccount",
    "telegram.apps.TelegramLoginConfig",
    "taggit",
    "reversion",
    "accounts",
    "images",
    "articles",
    "discussions",
    "telegram",
]

MIDDLEWARE = [
    "config.middleware.healthz_middleware",
    "django.middleware.security.SecurityMiddleware",
    # The article page's view reports from readers without a session: straight to their view.
    "articles.middleware.VisitReportMiddleware",
    "config.middleware.CSPMiddleware",  # before the page cache, so that hits carry the policy too
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # After the headers' middleware (its 400 and 413 carry them), before anything reads a query,
    # a cookie or the body.
    "config.middleware.BadInputMiddleware",
    "articles.caching.PageCacheMiddleware",
    "articles.caching.SessionMiddleware",  # Django's, taking the session the page cache read
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Last: a member's article page from the shared copy, their own parts joined in.
    "discussions.member_pages.MemberPageMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "config.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

PREPARED_STATEMENTS = env.str("DATABASE_PREPARED_STATEMENTS", default="compiled").lower()
if PREPARED_STATEMENTS not in {"compiled", "all", "off"}:
    raise ImproperlyConfigured(
        f"DATABASE_PREPARED_STATEMENTS is {PREPARED_STATEMENTS!r}: say compiled, all or off."
    )
DATABASES = {
    "default": {
        **env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        "CONN_MAX_AGE": env.int("CONN_MAX_AGE", default=60),
        "CONN_HEALTH_CHECKS": True,
    }
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and the one writer work at once; IMMEDIATE avoids "database is locked"
    # upgrades from read to write inside a transaction.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
        ),
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    # Django's PostgreSQL backend with a health check that asks the socket, not the server.
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["ENGINE"] = "config.db"
    # A database that does not accept a connection within seconds is down for this request: the
    # reader gets the 503 page (config/views.py) instead of a worker stuck for minutes.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
    # Which statements PostgreSQL gets as prepared ones, planned once per connection instead of on
    # every run. "compiled" (the default): those written once per process (articles/compiled.py),
    # lookups by a key whose plan never depends on the values; psycopg prepares nothing else.
    # "all": every query, sent with its parameters apart, once a connection has run it five times;
    # not the default, because PostgreSQL may then keep a generic plan, and for search, whose
    # selectivity depends on the words, that plan is ruinous (a phrase: 46 ms custom-planned,
    # 600 ms prepared, on the bench data). "off" behind a pooler that cannot keep prepared
    # statements (PgBouncer in transaction mode before 1.21).
    if PREPARED_STATEMENTS == "all":
        DATABASES["default"]["OPTIONS"].update(server_side_binding=True, prepare_threshold=5)
    elif PREPARED_STATEMENTS == "compiled":  # a threshold no query reaches: only asked ones
        DATABASES["default"]["OPTIONS"].update(prepare_threshold=2**31 - 1)
PREPARE_COMPILED_QUERIES = (
    DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3" and PREPARED_STATEMENTS != "off"
)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# Cache keys (config/cache_keys.py) start with the deployment's prefix and then the release, so
# no release reads objects another one pickled; the release defaults to a hash of the code.
CACHE_PREFIX = env.str("CACHE_PREFIX", default="blog")
RELEASE = env.str("RELEASE", default="") or cache_keys.code_fingerprint(BASE_DIR)
REDIS_URL = env.str("REDIS_URL", default="")
REDIS_TIMEOUT = env.float("REDIS_TIMEOUT", default=0.5)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_PREFIX,
            "KEY_FUNCTION": "config.cache_keys.make_key",
            # A cache that does not answer at once is treated as down (config/cache.py): a miss
            # costs far less than a worker waiting on a dead server.
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT,
                "socket_timeout": REDIS_TIMEOUT,
                "down_seconds": 5,
            },
        },
        # Rate-limit counters: in Redis, shared by every node; in the database while Redis is down.
        # Django's own key function: the counters are shared by every release, as durable keys.
        "ratelimit": {
            "BACKEND": "config.cache.RedisCounterCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_PREFIX,
            "OPTIONS": {"socket_connect_timeout": REDIS_TIMEOUT, "socket_timeout": REDIS_TIMEOUT},
        },
        # `{% cache %}`: the default cache, each worker's copies in front (articles/caching.py).
        "template_fragments": {"BACKEND": "articles.caching.FragmentCache"},
    }
    # Sessions are read from Redis and written through to the database, so every node sees
    # them and a Redis restart logs nobody out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    # Without Redis the cache is the node's: files in one directory that all its workers (and its
    # management commands) share, so a takedown or a new thread version made by one worker is
    # seen by the others at once. Local memory, one cache per process, is for the dev server and
    # the tests only.
    without_redis = env.cache_url(
        "CACHE_URL",
        default="locmemcache://" if DEBUG else f"filecache://{BASE_DIR / 'cache'}",
    )
    if without_redis["BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache":
        without_redis["BACKEND"] = "config.cache.FileCache"  # its add() is atomic across workers
    CACHES = {
        "default": {
            **without_redis,
            "KEY_PREFIX": CACHE_PREFIX,
            "KEY_FUNCTION": "config.cache_keys.make_key",
            "OPTIONS": {"MAX_ENTRIES": 2000, **without_redis.get("OPTIONS", {})},
        },
        # Not local memory: that is one per worker, and each would grant the whole allowance.
        "ratelimit": {"BACKEND": "config.cache.DatabaseCounterCache", "KEY_PREFIX": CACHE_PREFIX},
        "template_fragments": {"BACKEND": "articles.caching.FragmentCache"},
    }
# Counted views wait in Redis and reach the database in batches (`manage.py flush_views`, every
# minute); without Redis each view is written at once.
VIEW_BUFFER = env.bool("VIEW_BUFFER", default=bool(REDIS_URL))

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm"}  # adds the honeypot
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Sales Label] "
# allauth's ACCOUNT_RATE_LIMITS stay at their defaults (login, signup, password reset, email);
# they key on the address from config/client.py through the adapter.

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Русский")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Moscow")

STATIC_URL = "/static/"
STATIC_ROOT = env("STATIC_ROOT", cast=Path, default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files browsers and crawlers ask for at the site's root (favicon.ico), served by whitenoise.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
MEDIA_URL = "/media/"
MEDIA_ROOT = env("MEDIA_ROOT", cast=Path, default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Mail goes to the console until EMAIL_URL names an SMTP server (README, docs/accounts.md): it
# sets EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD and
# EMAIL_USE_TLS or EMAIL_USE_SSL.
replaced_by_email_url = {
    "EMAIL_BACKEND",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
}
if replaced := sorted(replaced_by_email_url.intersection(os.environ)):
    # Ignoring the old variables would send a configured site's mail to the console unsaid.
    raise ImproperlyConfigured(
        f"{', '.join(replaced)}: replaced by EMAIL_URL, e.g. "
        "EMAIL_URL=smtp+tls://user:password@smtp.example.com:587 (see the README)."
    )
# (What the URL leaves out keeps Django's default.)
email = env.email_url("EMAIL_URL", default="consolemail://")
vars().update((name, value) for name, value in email.items() if value is not None)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@example.com")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Django's defaults stand: session cookie HttpOnly, the CSRF cookie readable by the pages' small
# scripts for their POSTs, nosniff, X-Frame-Options DENY, Referrer-Policy same-origin.
if env.bool("HTTPS", default=False):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # The proxy terminates TLS and says so in X-Forwarded-Proto; a plain-HTTP request that reaches
    # the app anyway is redirected. /healthz and /readyz answer before that, for plain checks.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_PRELOAD = env.bool("HSTS_PRELOAD", default=False)
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * (365 if SECURE_HSTS_PRELOAD else 30)  # a year to preload
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    if not SECURE_HSTS_PRELOAD:
        # The preload list is a request to the browser makers, for the domain and all its
        # subdomains, that takes months to undo: its owner makes it (HSTS_PRELOAD=1), a default
        # must not. The check only says the site is not on the list.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

# Scripts and styles come from the site's own static files only: no inline script, no on*
# attribute, no style attribute anywhere (the admin's templates have none either). The article's
# JSON-LD is a data block, which script-src does not govern, so it needs no nonce; a nonce would
# not work anyway, since cached pages are shared by every reader.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Uploads. A request body above UPLOAD_MAX_BYTES is refused with a 413 from its Content-Length
# alone, before it is read; the settings page takes AVATAR_MAX_BYTES, the media library and the
# article form IMAGE_MAX_BYTES (config/uploads.py). Pictures are judged from their header before
# any decoding: no more than IMAGE_MAX_PIXELS (all frames together), a side of AVATAR_MAX_SIDE
# or IMAGE_MAX_SIDE and AVATAR_MAX_FRAMES or IMAGE_MAX_FRAMES frames.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
AVATAR_MAX_BYTES = env.int("AVATAR_MAX_BYTES", default=2 * 1024 * 1024)
IMAGE_MAX_BYTES = env.int("IMAGE_MAX_BYTES", default=10 * 1024 * 1024)
IMAGE_MAX_PIXELS = 40_000_000
AVATAR_MAX_SIDE = 8192
AVATAR_MAX_FRAMES = 50
IMAGE_MAX_SIDE = 10_000
IMAGE_MAX_FRAMES = 50

# Site behaviour.
ARTICLES_PER_PAGE = 20
# Addresses per section of sitemap.xml (the protocol allows 50,000; search engines fetch smaller
# files more readily).
SITEMAP_SECTION_SIZE = 10_000
VIEW_DEDUP_SECONDS = 30 * 60
# Caps on counted views per client address (config/client.py), so made-up readers count little;
# raise them where many readers share one address (an office behind one gateway).
VIEWS_PER_ADDRESS_PER_ARTICLE_PER_DAY = env.int("VIEWS_PER_ADDRESS_PER_ARTICLE_PER_DAY", default=3)
VIEWS_PER_ADDRESS_PER_HOUR = env.int("VIEWS_PER_ADDRESS_PER_HOUR", default=60)
# New signed visitor ids handed to one address per hour (one per browser that first reads here).
VISITOR_IDS_PER_ADDRESS_PER_HOUR = env.int("VISITOR_IDS_PER_ADDRESS_PER_HOUR", default=20)
# Anonymous pages are served from the shared cache for this long; 0 turns the page cache off.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=60)
# What a search found (never the page: articles/search_views.py) is kept for this long; a change
# to the articles replaces it at once (config/cache_keys.py search_results). 0 turns it off.
SEARCH_CACHE_SECONDS = env.int("SEARCH_CACHE_SECONDS", default=5 * 60)

# Discussions: comments, votes, reports. Rates are "count/seconds" per member
# (discussions/ratelimit.py); accounts younger than NEW_ACCOUNT_AGE get the slower ones.
COMMENT_MAX_LENGTH = env.int("COMMENT_MAX_LENGTH", default=5000)
COMMENT_EDIT_WINDOW = datetime.timedelta(minutes=15)
COMMENT_DUPLICATE_SECONDS = 10
COMMENT_HIDE_AFTER_REPORTS = env.int("COMMENT_HIDE_AFTER_REPORTS", default=3)
RATE_LIMITS = {"comment": "5/60", "vote": "60/60", "report": "10/3600", "follow": "30/60"}
RATE_LIMITS_NEW_ACCOUNT = {
    "comment": "2/60",
    "vote": "20/60",
    "report": "3/3600",
    "follow": "10/60",
}
NEW_ACCOUNT_AGE = datetime.timedelta(days=1)
RATE_LIMITS_ENABLED = env.bool("RATE_LIMITS_ENABLED", default=True)
# The admin's live Markdown preview, per editor (staff are limited here: it renders on each call).
MARKDOWN_PREVIEW_RATE = "120/60"
RATELIMIT_USE_CACHE = "ratelimit"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
    # httpx logs each request's URL at INFO, and a Bot API URL holds the bot's token.
    "loggers": {name: {"level": "WARNING"} for name in ("httpx", "httpcore")},
}

# Telegram (telegram/): the Bot API client's address and timeout, the bot, the community chat
# whose member count the chat block shows (`manage.py sync_chat`) and the channel new articles are
# announced in (`manage.py announce`). Without a token none of it runs.
TELEGRAM_BOT_TOKEN = env.str("TELEGRAM_BOT_TOKEN", default="")
TELEGRAM_API_URL = env.str("TELEGRAM_API_URL", default="https://api.telegram.org")
TELEGRAM_TIMEOUT = env.float("TELEGRAM_TIMEOUT", default=5.0)
TELEGRAM_CHAT_ID = env.str("TELEGRAM_CHAT_ID", default="")
TELEGRAM_CHANNEL_ID = env.str("TELEGRAM_CHANNEL_ID", default="")
TELEGRAM_BOT_NAME = env.str("TELEGRAM_BOT_NAME", default="").lstrip("@")

# Log in with Telegram (allauth's provider): its app is the bot, from the environment, never a row
# in the database, and only with both the token and the bot's name; a login payload older than
# allauth's 30 seconds is refused. A member coming from Telegram signs up at once, without an
# email, which the settings page then asks for before any notification is mailed
# (telegram/adapter.py).
SOCIALACCOUNT_ADAPTER = "telegram.adapter.SocialAccountAdapter"
TELEGRAM_LOGIN = bool(TELEGRAM_BOT_TOKEN and TELEGRAM_BOT_NAME)
SOCIALACCOUNT_PROVIDERS = {}
if TELEGRAM_LOGIN:
    # The bot's id is the token's part before the colon.
    bot_app = {"client_id": TELEGRAM_BOT_TOKEN.split(":", 1)[0], "secret": TELEGRAM_BOT_TOKEN}
    SOCIALACCOUNT_PROVIDERS["telegram"] = {"APP": bot_app}
SOCIALACCOUNT_EMAIL_REQUIRED = False
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_STORE_TOKENS = False
if TELEGRAM_LOGIN:
    # The login form's POST is redirected to Telegram's login page.
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append("https://oauth.telegram.org")
# Articles published (or scheduled) longer ago than this are never announced: the first run with a
# channel set does not post the whole archive.
TELEGRAM_ANNOUNCE_WITHIN = datetime.timedelta(days=1)

TAGGIT_CASE_INSENSITIVE = True
TAGGIT_STRIP_UNICODE_WHEN_SLUGIFYING = True  # tag URLs in Latin letters, like article slugs
