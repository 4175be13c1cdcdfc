"""`manage.py sync_chat`: the chat block's member count from the (fake) Bot API."""

import logging
import time

import pytest
from django.core.management import call_command
from django.urls import reverse
from werkzeug import Response

from accounts.permissions import EDITORS
from articles.models import ChatBlock

from .conftest import CHAT, TOKEN, answer, method_path

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(make_staff):
    return make_staff(EDITORS)


@pytest.fixture
def chat():
    return ChatBlock.objects.create(
        name="Sales Label in IT Chat",
        url="https://t.me/saleslabelchat",
        members_count=1755,
        call_to_action="Гоу в наш чат!",
    )


def members_shown(client) -> str:
    page = client.get(reverse("articles:home")).content.decode()
    return page.split('class="chat-block__members">', 1)[1].split("<", 1)[0]


def count_answer(bot, body, status=200):
    bot.expect_request(
        method_path("getChatMemberCount"), method="POST", json={"chat_id": CHAT}
    ).respond_with_data(body, status=status, content_type="application/json")


def test_the_count_read_is_shown_with_the_time_it_was_read(bot, chat, client, make_user, capsys):
    assert members_shown(client) == "1755 участников"  # the sidebar is now in the cache
    count_answer(bot, answer(1782))
    call_command("sync_chat")
    assert "chat members: 1782" in capsys.readouterr().out
    chat.refresh_from_db()
    assert (chat.members_count, chat.telegram_count) == (1782, 1782)
    assert chat.telegram_read_at is not None
    # The sidebar fragment was dropped; only the page cache (anonymous pages) could lag.
    client.force_login(make_user())
    assert members_shown(client) == "1782 участника"


def test_a_pinned_count_stays_but_the_read_one_is_recorded(bot, chat):
    ChatBlock.objects.update(members_pinned=True, members_count=2000)
    count_answer(bot, answer(1782))
    call_command("sync_chat")
    chat.refresh_from_db()
    assert (chat.members_count, chat.telegram_count) == (2000, 1782)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ('{"ok": false, "error_code": 400, "description": "Bad Request: chat not found"}', 400),
        ("<html>Bad gateway</html>", 502),
        ("{broken", 200),
        (answer("many"), 200),
        (answer(-5), 200),
        (answer(True), 200),
        (answer(10**12), 200),
        ('{"ok": false, "error_code": 429, "parameters": {"retry_after": 5}}', 429),
    ],
)
def test_a_failure_or_nonsense_keeps_the_last_good_count(bot, chat, caplog, body, status):
    count_answer(bot, body, status)
    call_command("sync_chat")
    chat.refresh_from_db()
    assert (chat.members_count, chat.telegram_count, chat.telegram_read_at) == (1755, None, None)
    warnings = [r for r in caplog.records if r.name == "telegram.services"]
    assert [r.levelno for r in warnings] == [logging.WARNING]
    assert "the last one stays" in warnings[0].getMessage()
    assert TOKEN not in warnings[0].getMessage()


def test_a_timeout_keeps_the_last_count(bot, chat, settings, caplog):
    settings.TELEGRAM_TIMEOUT = 0.2

    def slow(request):
        time.sleep(0.5)
        return Response(answer(1900), content_type="application/json")

    bot.expect_request(method_path("getChatMemberCount")).respond_with_handler(slow)
    call_command("sync_chat")
    chat.refresh_from_db()
    assert chat.members_count == 1755
    assert "no answer within 0.2 s" in caplog.text
    time.sleep(0.4)  # the fake serves one request at a time: let it finish this one


def test_without_a_token_nothing_is_asked_and_nothing_changes(settings, httpserver, chat, capsys):
    settings.TELEGRAM_BOT_TOKEN = ""
    settings.TELEGRAM_API_URL = httpserver.url_for("/")
    call_command("sync_chat")
    assert "chat members not read" in capsys.readouterr().out
    assert httpserver.log == []
    chat.refresh_from_db()
    assert (chat.members_count, chat.telegram_read_at) == (1755, None)


def test_editors_see_when_it_was_read_and_can_pin_a_number(bot, chat, client, editor):
    count_answer(bot, answer(1782))
    call_command("sync_chat")
    client.force_login(editor)
    url = reverse("admin:articles_chatblock_change", args=[chat.pk])
    page = client.get(url).content.decode()
    assert "прочитано из Telegram" in page.lower() or "Прочитано из Telegram" in page
    assert "1782" in page
    form = {
        "name": chat.name,
        "url": chat.url,
        "members_count": "2100",
        "members_pinned": "on",
        "call_to_action": chat.call_to_action,
        "is_visible": "on",
    }
    assert client.post(url, form).status_code == 302
    chat.refresh_from_db()
    assert (chat.members_count, chat.members_pinned) == (2100, True)
    assert members_shown(client) == "2100 участников"


def test_without_telegram_the_admin_form_is_as_before(settings, chat, client, editor):
    settings.TELEGRAM_BOT_TOKEN = ""
    client.force_login(editor)
    page = client.get(reverse("admin:articles_chatblock_change", args=[chat.pk])).content.decode()
    assert "members_pinned" not in page
    assert "Telegram" not in page
