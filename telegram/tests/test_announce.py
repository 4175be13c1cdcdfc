"""`manage.py announce`: each public article posted to the channel once, against a fake Bot API."""

import json
import threading
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from werkzeug import Response

from accounts.permissions import EDITORS
from articles.models import Article
from telegram.announcements import announce_due, message_text, switch_announcement
from telegram.models import Announcement

from .conftest import CHANNEL, TOKEN, answer, method_path, ours

pytestmark = pytest.mark.django_db
State = Announcement.State


@pytest.fixture
def new_article(make_article):
    """An article made public a minute ago (make_article's dates go further back each time)."""

    def make(**fields):
        fields.setdefault("published_at", timezone.now() - timedelta(minutes=1))
        return make_article(**fields)

    return make


def sent_texts(bot) -> list[str]:
    return [
        json.loads(request.data)["text"]
        for request, _response in bot.log
        if request.path == method_path("sendMessage")
    ]


def accept(bot, message_id=77):
    bot.expect_request(method_path("sendMessage"), method="POST").respond_with_data(
        answer({"message_id": message_id}), content_type="application/json"
    )


def test_a_public_article_is_posted_with_title_lead_and_link(bot, new_article, settings):
    article = new_article(title="Как продать <аудит>", lead="Коротко & по делу.")
    accept(bot)
    call_command("announce")
    request = json.loads(bot.log[0][0].data)
    assert request["chat_id"] == CHANNEL
    assert request["parse_mode"] == "HTML"
    assert request["text"] == (
        "<b>Как продать &lt;аудит&gt;</b>\n\nКоротко &amp; по делу.\n\n"
        f"{settings.SITE_URL}{article.get_absolute_url()}"
    )
    announcement = Announcement.objects.get(article=article)
    assert (announcement.state, announcement.message_id, announcement.attempts) == (
        State.SENT,
        77,
        1,
    )
    assert announcement.sent_at is not None


def test_each_article_is_posted_once_however_often_the_command_runs(bot, new_article):
    new_article()
    accept(bot)
    call_command("announce")
    call_command("announce")
    assert len(sent_texts(bot)) == 1


def test_a_scheduled_article_waits_for_its_time(bot, new_article):
    article = new_article(published_at=timezone.now() + timedelta(hours=1))
    accept(bot)
    call_command("announce")
    assert sent_texts(bot) == []
    assert Announcement.objects.get(article=article).state == State.WAITING
    Article.objects.filter(pk=article.pk).update(published_at=timezone.now())
    call_command("announce")
    assert len(sent_texts(bot)) == 1


def test_drafts_and_old_articles_are_not_announced(bot, new_article):
    new_article(status=Article.Status.DRAFT, published_at=None)
    new_article(published_at=timezone.now() - timedelta(days=30))
    accept(bot)
    call_command("announce")
    assert sent_texts(bot) == []
    assert not Announcement.objects.exists()


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        ("<html>bad gateway</html>", 502, "sendMessage: Telegram answered 502"),
        ("{oops", 200, "sendMessage: not a Bot API answer (HTTP 200)"),
        (
            '{"ok": false, "error_code": 403, "description": "Forbidden: bot is not a member"}',
            403,
            "sendMessage: refused (403: Forbidden: bot is not a member)",
        ),
    ],
)
def test_a_failure_is_recorded_with_its_reason_and_retried_later(
    bot, new_article, caplog, body, status, reason
):
    article = new_article()
    bot.expect_oneshot_request(method_path("sendMessage")).respond_with_data(body, status=status)
    call_command("announce")
    announcement = Announcement.objects.get(article=article)
    assert (announcement.state, announcement.reason) == (State.FAILED, reason)
    assert announcement.retry_at > timezone.now()
    assert TOKEN not in ours(caplog)
    # Not before its retry time; then the next run sends it.
    accept(bot)
    call_command("announce")
    assert len(bot.log) == 1
    Announcement.objects.update(retry_at=timezone.now())
    call_command("announce")
    announcement.refresh_from_db()
    assert (announcement.state, announcement.reason, announcement.attempts) == (State.SENT, "", 2)


def test_429_waits_as_long_as_telegram_asks_and_stops_the_run(bot, new_article):
    first, second = new_article(), new_article()
    bot.expect_request(method_path("sendMessage")).respond_with_json(
        {"ok": False, "error_code": 429, "parameters": {"retry_after": 120}}, status=429
    )
    started = timezone.now()
    call_command("announce")
    assert len(bot.log) == 1  # the second article was not tried in the same run
    failed = Announcement.objects.get(state=State.FAILED)
    assert failed.retry_at >= started + timedelta(seconds=120)
    assert {a.article_id for a in Announcement.objects.all()} == {first.pk, second.pk}


def test_a_timeout_is_a_failure_and_no_page_waits(bot, new_article, settings, client):
    settings.TELEGRAM_TIMEOUT = 0.2
    article = new_article()

    def slow(request):
        time.sleep(0.5)
        return Response(answer({"message_id": 1}), content_type="application/json")

    bot.expect_request(method_path("sendMessage")).respond_with_handler(slow)
    assert client.get(article.get_absolute_url()).status_code == 200  # pages never call it
    assert bot.log == []
    call_command("announce")
    announcement = Announcement.objects.get(article=article)
    assert announcement.state == State.FAILED
    assert "no answer within 0.2 s" in announcement.reason
    time.sleep(0.4)  # the fake serves one request at a time: let it finish this one


def test_an_announcement_switched_off_is_never_sent(bot, new_article):
    article = new_article(published_at=timezone.now() + timedelta(hours=1))
    switch_announcement(article=article, on=False)
    Article.objects.filter(pk=article.pk).update(published_at=timezone.now())
    accept(bot)
    call_command("announce")
    assert sent_texts(bot) == []
    assert Announcement.objects.get(article=article).state == State.OFF
    switch_announcement(article=article, on=True)
    call_command("announce")
    assert len(sent_texts(bot)) == 1
    switch_announcement(article=article, on=False)  # sent stays sent
    assert Announcement.objects.get(article=article).state == State.SENT


def test_an_article_taken_down_before_its_turn_is_not_sent(bot, new_article):
    article = new_article()
    Announcement.objects.create(article=article)
    Article.objects.filter(pk=article.pk).update(status=Article.Status.DRAFT)
    accept(bot)
    call_command("announce")
    assert sent_texts(bot) == []
    assert Announcement.objects.get(article=article).state == State.WAITING


def test_a_claim_left_by_a_dead_run_is_retried(bot, new_article):
    article = new_article()
    Announcement.objects.create(
        article=article, state=State.SENDING, claimed_at=timezone.now() - timedelta(hours=1)
    )
    accept(bot)
    call_command("announce")
    assert len(sent_texts(bot)) == 1
    assert Announcement.objects.get(article=article).state == State.SENT


def test_without_a_channel_nothing_is_sent_or_stored(settings, httpserver, new_article, capsys):
    settings.TELEGRAM_BOT_TOKEN = ""
    settings.TELEGRAM_API_URL = httpserver.url_for("/")
    new_article()
    call_command("announce")
    assert "not configured" in capsys.readouterr().out
    assert httpserver.log == []
    assert not Announcement.objects.exists()


def test_the_message_is_html_safe(new_article):
    article = new_article(title="A & B", lead="<script>x</script>")
    assert "<script>" not in message_text(article)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_each_article_once(bot, new_article, roles):
    articles = [new_article() for _ in range(4)]
    accept(bot)
    barrier = threading.Barrier(2)

    def run():
        barrier.wait()
        try:
            announce_due()
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(sent_texts(bot)) == len(articles)
    assert set(Announcement.objects.values_list("state", flat=True)) == {State.SENT}


@pytest.fixture
def editor(make_staff):
    return make_staff(EDITORS)


def test_editors_see_each_state_and_switch_one_off(bot, new_article, client, editor):
    sent, later = (
        new_article(title="Ушла"),
        new_article(title="Выйдет завтра", published_at=timezone.now() + timedelta(days=1)),
    )
    accept(bot)
    call_command("announce")
    client.force_login(editor)
    page = client.get(reverse("admin:telegram_announcement_changelist")).content.decode()
    assert "Ушла" in page and "отправлен" in page
    assert "Выйдет завтра" in page and "ждёт публикации" in page
    announcement = Announcement.objects.get(article=later)
    url = reverse("admin:telegram_announcement_change", args=[announcement.pk])
    assert client.post(url, {"state": State.OFF}).status_code == 302
    assert Announcement.objects.get(article=later).state == State.OFF
    # A sent one cannot be switched
    done = Announcement.objects.get(article=sent)
    url = reverse("admin:telegram_announcement_change", args=[done.pk])
    client.post(url, {"state": State.OFF})
    assert Announcement.objects.get(article=sent).state == State.SENT
