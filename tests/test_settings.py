"""Start-up behaviour that depends on the environment."""

import os
import subprocess
import sys
from pathlib import Path

from django.template.loader import render_to_string

ROOT = Path(__file__).resolve().parents[1]


# The browser fixture allows Django's sync calls inside Playwright's loop for this process only.
NOT_INHERITED = ("SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")


def manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env},
        capture_output=True, text=True,
    )  # fmt: skip


def test_production_start_without_secret_key_stops_with_a_clear_message():
    clean = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    result = subprocess.run(
        [sys.executable, "-c", "import config.wsgi"], cwd=ROOT, env=clean,
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    started = subprocess.run(
        [sys.executable, "-c", "import config.wsgi"], cwd=ROOT,
        env={**clean, "SECRET_KEY": "x"}, capture_output=True, text=True,
    )  # fmt: skip
    assert started.returncode == 0, started.stderr


def test_management_commands_run_without_a_key():
    # migrations and checks need no secret, so tooling works on a bare checkout
    assert manage("makemigrations", "--check", "--dry-run").returncode == 0


def test_debug_is_off_unless_asked_for():
    code = "from django.conf import settings; print(settings.DEBUG)"
    assert manage("shell", "-c", code, SECRET_KEY="x").stdout.split()[-1] == "False"
    assert manage("shell", "-c", code, DEBUG="1").stdout.split()[-1] == "True"


def test_server_error_page_stands_alone():
    html = render_to_string("500.html")
    assert "Что-то сломалось на нашей стороне" in html
    assert "{%" not in html


PRODUCTION = {
    "HTTPS": "1",
    "SECRET_KEY": "a-production-grade-secret-key-of-more-than-fifty-characters-9f3k",
    "ALLOWED_HOSTS": "blog.example.com",
}


def test_production_settings_pass_the_deploy_checks():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_cookies_are_http_only_secure_and_same_site_behind_https():
    names = [
        "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_SAMESITE",
        "CSRF_COOKIE_SECURE", "CSRF_COOKIE_SAMESITE", "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    ]  # fmt: skip
    code = f"from django.conf import settings; print([getattr(settings, n) for n in {names}])"
    printed = manage("shell", "-c", code, **PRODUCTION).stdout.strip().splitlines()[-1]
    assert printed == "[True, True, 'Lax', True, 'Lax', True, True]"
