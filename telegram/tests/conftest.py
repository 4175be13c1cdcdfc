"""A fake Bot API on loopback (pytest-httpserver) and a site configured to use it."""

import json

import pytest

TOKEN = "123456:TEST-token-never-real"
CHAT = "-1001234567890"
CHANNEL = "@saleslabel_test"


@pytest.fixture
def bot(settings, httpserver):
    """The site's Telegram settings pointed at the fake; returns the fake server."""
    settings.TELEGRAM_BOT_TOKEN = TOKEN
    settings.TELEGRAM_API_URL = httpserver.url_for("/")
    settings.TELEGRAM_CHAT_ID = CHAT
    settings.TELEGRAM_CHANNEL_ID = CHANNEL
    settings.TELEGRAM_TIMEOUT = 3  # generous: the machine may be busy; slow tests set less
    return httpserver


def method_path(method: str) -> str:
    return f"/bot{TOKEN}/{method}"


def answer(result) -> str:
    return json.dumps({"ok": True, "result": result})


def ours(caplog) -> str:
    """What the site logged (not the fake server's access log, which has the URL)."""
    return "\n".join(r.getMessage() for r in caplog.records if r.name != "werkzeug")
