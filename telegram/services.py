"""Writes that come from Telegram: the chat's member count."""

import logging

from django.conf import settings
from django.utils import timezone

from articles.caching import forget_chat_block
from articles.models import ChatBlock

from . import client

logger = logging.getLogger(__name__)

# PositiveIntegerField's ceiling on every database; a bigger "count" is nonsense anyway.
MOST_MEMBERS = 2_147_483_647


def sync_chat_members() -> int | None:
    """Read the chat's member count from Telegram and store it on the chat block (as the shown
    count too, unless an editor pinned that); the count, or None when not configured or not read.
    A failure leaves the last good count and logs a warning."""
    if not (client.is_configured() and settings.TELEGRAM_CHAT_ID):
        return None
    try:
        count = client.call("getChatMemberCount", chat_id=settings.TELEGRAM_CHAT_ID)
    except client.TelegramError as error:
        logger.warning("chat member count not read, the last one stays: %s", error)
        return None
    if type(count) is not int or not 0 < count <= MOST_MEMBERS:
        logger.warning("chat member count not read, the last one stays: got %.100r", count)
        return None
    now = timezone.now()
    ChatBlock.objects.update(telegram_count=count, telegram_read_at=now)
    if ChatBlock.objects.filter(members_pinned=False).update(members_count=count):
        forget_chat_block()
    return count
