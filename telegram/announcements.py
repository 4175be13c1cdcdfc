"""Announcing public articles in the Telegram channel, each exactly once (`manage.py announce`).

Every article that is published (or scheduled) within TELEGRAM_ANNOUNCE_WITHIN gets one
Announcement row (unique per article). A run claims a due row with one conditional UPDATE
(waiting or failed -> sending), so of two overlapping runs only one sends it, then records what
Telegram said: sent, or failed with the reason and a later retry. A run that dies between the
claim and the record leaves "sending"; after STALE_CLAIM the next run calls it failed and tries
again (the one case, with a timeout after Telegram took the message, where the channel could get
it twice).
"""

import datetime
import html
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation

from articles.models import Article

from . import client
from .models import Announcement

logger = logging.getLogger(__name__)

STALE_CLAIM = datetime.timedelta(minutes=10)
RETRY_FIRST = datetime.timedelta(minutes=1)
RETRY_LONGEST = datetime.timedelta(hours=1)
BATCH = 20
State = Announcement.State


@dataclass
class Run:
    sent: int = 0
    failed: int = 0


def is_configured() -> bool:
    """Whether there is a channel to announce in."""
    return client.is_configured() and bool(settings.TELEGRAM_CHANNEL_ID)


def announce_due() -> Run | None:
    """Send every due announcement (at most BATCH a run); None when Telegram is not set up."""
    if not is_configured():
        return None
    now = timezone.now()
    _add_new_articles(now)
    Announcement.objects.stale_claims(now - STALE_CLAIM).update(
        state=State.FAILED, reason="interrupted while sending", retry_at=None
    )
    run = Run()
    for pk in list(Announcement.objects.due(now).values_list("pk", flat=True)[:BATCH]):
        if not _claim(pk, now):
            continue  # another run took it
        try:
            sent = _send(pk)
        except client.TelegramError as error:
            run.failed += 1
            _failed(pk, error)
            if error.retry_after:
                break  # Telegram asks the whole bot to wait
        else:
            run.sent += sent
    return run


def _add_new_articles(now: datetime.datetime) -> None:
    """A waiting row for each article published or scheduled since TELEGRAM_ANNOUNCE_WITHIN."""
    new = Article.objects.filter(
        status=Article.Status.PUBLISHED,
        published_at__gte=now - settings.TELEGRAM_ANNOUNCE_WITHIN,
        telegram_announcement__isnull=True,
    ).values_list("pk", flat=True)
    Announcement.objects.bulk_create(
        [Announcement(article_id=pk) for pk in new], ignore_conflicts=True
    )


def _claim(pk: int, now: datetime.datetime) -> bool:
    """Take one due announcement for this run; False when another run has it or it was sent or
    switched off meanwhile. Only the row's own columns are in the condition, so PostgreSQL
    checks them again on the row a concurrent claim committed (a join or a subquery it would
    not), and SQLite runs one writer at a time."""
    return bool(
        Announcement.objects.filter(pk=pk, state__in=Announcement.SENDABLE)
        .filter(Q(retry_at__isnull=True) | Q(retry_at__lte=now))
        .update(state=State.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )


def message_text(article: Article) -> str:
    """The post: the title in bold, the lead (or the start of the text), the link."""
    with translation.override(settings.LANGUAGE_CODE):
        url = settings.SITE_URL + article.get_absolute_url()
    parts = [f"<b>{html.escape(article.title)}</b>", html.escape(article.excerpt), url]
    return "\n\n".join(part for part in parts if part)


def _send(pk: int) -> bool:
    """Post the claimed announcement; False (and waiting again) if its article is no longer
    public."""
    announcement = Announcement.objects.select_related("article").get(pk=pk)
    if not announcement.article.is_public:
        Announcement.objects.filter(pk=pk).update(state=State.WAITING, attempts=F("attempts") - 1)
        return False
    result = client.call(
        "sendMessage",
        chat_id=settings.TELEGRAM_CHANNEL_ID,
        text=message_text(announcement.article),
        parse_mode="HTML",
    )
    message_id = result.get("message_id") if isinstance(result, dict) else None
    Announcement.objects.filter(pk=pk, state=State.SENDING).update(
        state=State.SENT,
        sent_at=timezone.now(),
        message_id=message_id if type(message_id) is int else None,
        reason="",
        retry_at=None,
    )
    return True


def _failed(pk: int, error: client.TelegramError) -> None:
    announcement = Announcement.objects.get(pk=pk)
    wait = (
        datetime.timedelta(seconds=error.retry_after)
        if error.retry_after
        else min(RETRY_FIRST * 2 ** (announcement.attempts - 1), RETRY_LONGEST)
    )
    logger.warning("announcement of article %s not sent: %s", announcement.article_id, error)
    Announcement.objects.filter(pk=pk, state=State.SENDING).update(
        state=State.FAILED, reason=str(error)[:300], retry_at=timezone.now() + wait
    )


@transaction.atomic
def switch_announcement(*, article: Article, on: bool) -> Announcement:
    """Turn an article's announcement on (waiting) or off; one already sent, or being sent,
    stays as it is."""
    announcement, _created = Announcement.objects.select_for_update().get_or_create(article=article)
    if announcement.state in (State.SENT, State.SENDING):
        return announcement
    announcement.state = State.WAITING if on else State.OFF
    announcement.retry_at = None
    announcement.save(update_fields=["state", "retry_at"])
    return announcement
