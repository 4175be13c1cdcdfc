"""Start-up behaviour that depends on the environment."""

import os
import re
import subprocess
import sys
from pathlib import Path

from django.template.loader import render_to_string

ROOT = Path(__file__).resolve().parents[1]


# The browser fixture allows Django's sync calls inside Playwright's loop for this process only.
NOT_INHERITED = ("SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")


def manage(*args, **env):
    """manage.py with the test's environment changed by env; a None unsets a variable."""
    clean = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    changed = {k: v for k, v in {**clean, **env}.items() if v is not None}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=changed,
        capture_output=True,
        text=True,
    )


def test_production_start_without_secret_key_stops_with_a_clear_message():
    clean = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    result = subprocess.run(
        [sys.executable, "-c", "import config.wsgi"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    started = subprocess.run(
        [sys.executable, "-c", "import config.wsgi"],
        cwd=ROOT,
        env={**clean, "SECRET_KEY": "x"},
        capture_output=True,
        text=True,
    )
    assert started.returncode == 0, started.stderr


def test_management_commands_run_without_a_key():
    # migrations and checks need no secret, so tooling works on a bare checkout
    assert manage("makemigrations", "--check", "--dry-run").returncode == 0


def test_debug_is_off_unless_asked_for():
    code = "from django.conf import settings; print(settings.DEBUG)"
    assert manage("shell", "-c", code, SECRET_KEY="x").stdout.split()[-1] == "False"
    assert manage("shell", "-c", code, DEBUG="1").stdout.split()[-1] == "True"


def printed(code: str, **env) -> str:
    """The last line `manage.py shell -c code` printed under this environment."""
    result = manage("shell", "-c", f"from django.conf import settings; {code}", **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_without_redis_the_workers_of_a_node_share_a_file_cache_and_the_dev_server_its_memory():
    code = "c = settings.CACHES['default']; print(c['BACKEND'], c.get('LOCATION'))"
    default = printed(code, SECRET_KEY="x", CACHE_URL=None)
    assert default == f"config.cache.FileCache {ROOT / 'cache'}"
    assert printed(code, DEBUG="1", CACHE_URL=None) == (
        "django.core.cache.backends.locmem.LocMemCache"
    )
    assert printed(code, SECRET_KEY="x", CACHE_URL="filecache:///srv/cache") == (
        "config.cache.FileCache /srv/cache"
    )
    redis = printed(code, SECRET_KEY="x", REDIS_URL="redis://127.0.0.1:6379/3")
    assert redis == "config.cache.RedisCache redis://127.0.0.1:6379/3"


def test_mail_goes_to_the_console_until_email_url_names_a_server():
    code = "print(settings.EMAIL_BACKEND.rsplit('.', 2)[1], settings.EMAIL_HOST)"
    assert printed(code, DEBUG="1") == "console localhost"
    code = (
        "print(settings.EMAIL_BACKEND.rsplit('.', 2)[1], settings.EMAIL_HOST, settings.EMAIL_PORT,"
        " settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD, settings.EMAIL_USE_TLS)"
    )
    url = "smtp+tls://robot%40example.com:p%2Fss@smtp.example.com:587"
    assert printed(code, DEBUG="1", EMAIL_URL=url) == (
        "smtp smtp.example.com 587 robot@example.com p/ss True"
    )


def test_the_email_variables_that_email_url_replaced_stop_the_start_with_a_clear_message():
    result = manage("check", DEBUG="1", EMAIL_HOST="smtp.example.com", EMAIL_PORT="587")
    assert result.returncode != 0
    assert "EMAIL_HOST, EMAIL_PORT: replaced by EMAIL_URL" in result.stderr


def test_server_error_page_stands_alone():
    html = render_to_string("500.html")
    assert "Что-то сломалось на нашей стороне" in html
    assert "{%" not in html


PRODUCTION = {
    "HTTPS": "1",
    "SECRET_KEY": "a-production-grade-secret-key-of-more-than-fifty-characters-9f3k",
    "ALLOWED_HOSTS": "blog.example.com",
}


def test_production_settings_pass_the_deploy_checks(tmp_path):
    # an app server's file cache, in a folder of the test's own rather than the checkout's
    cache_url = f"filecache://{tmp_path / 'cache'}"
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", CACHE_URL=cache_url, **PRODUCTION
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_cookies_are_http_only_secure_and_same_site_behind_https():
    names = [
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_SAMESITE",
        "CSRF_COOKIE_SECURE",
        "CSRF_COOKIE_SAMESITE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    ]
    code = f"from django.conf import settings; print([getattr(settings, n) for n in {names}])"
    printed = manage("shell", "-c", code, **PRODUCTION).stdout.strip().splitlines()[-1]
    assert printed == "[True, True, 'Lax', True, 'Lax', True, True]"


def test_the_readme_names_every_variable_the_settings_read_and_no_other():
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n### ", 1)[0]
    documented = set(re.findall(r"^\| `([A-Z_]+)`", table, flags=re.MULTILINE))
    settings_py = (ROOT / "config" / "settings.py").read_text()
    read = set(re.findall(r"\benv(?:\.\w+)?\(\s*\"([A-Z_]+)\"", settings_py))
    assert documented == read
    gunicorn_py = (ROOT / "config" / "gunicorn.py").read_text()
    for name in re.findall(r"os\.environ\.get\(\"([A-Z_]+)\"", gunicorn_py):
        assert f"`{name}`" in table


def test_prepared_statements_are_the_compiled_ones_unless_told_otherwise():
    code = (
        "o = settings.DATABASES['default']['OPTIONS'];"
        " print(settings.PREPARE_COMPILED_QUERIES, o.get('server_side_binding'),"
        " o.get('prepare_threshold'))"
    )
    pg = "postgres://postgres@127.0.0.1:5432/unused"
    assert printed(code, DEBUG="1", DATABASE_URL=pg) == f"True None {2**31 - 1}"
    assert printed(code, DEBUG="1", DATABASE_URL=pg, DATABASE_PREPARED_STATEMENTS="all") == (
        "True True 5"
    )
    assert printed(code, DEBUG="1", DATABASE_URL=pg, DATABASE_PREPARED_STATEMENTS="off") == (
        "False None None"
    )
    # SQLite has nothing to prepare
    assert printed(code, DEBUG="1", DATABASE_URL="sqlite:///:memory:").startswith("False")
    result = manage("check", DEBUG="1", DATABASE_PREPARED_STATEMENTS="yes")
    assert result.returncode != 0
    assert "DATABASE_PREPARED_STATEMENTS is 'yes': say compiled, all or off." in result.stderr
