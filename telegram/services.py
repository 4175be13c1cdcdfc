"""Writes that come from Telegram: the chat's member count, a new member's photo."""

import logging

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.forms import AvatarField
from accounts.models import User
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


def adopt_telegram_photo(*, user: User, url: str) -> bool:
    """Make the member's Telegram photo (the signed login's photo_url) their avatar, if it is a
    picture the avatar field takes; whether it did. One download of at most AVATAR_MAX_BYTES
    within TELEGRAM_TIMEOUT, at sign-up only; a failure leaves the initials."""
    try:
        body = client.download(url, max_bytes=settings.AVATAR_MAX_BYTES)
        picture = AvatarField().clean(SimpleUploadedFile("telegram.jpg", body))
    except (client.TelegramError, forms.ValidationError) as error:
        logger.warning("Telegram photo of member %s not taken: %s", user.pk, error)
        return False
    extension = (picture.image.format or "jpeg").lower()
    user.avatar.save(f"telegram-{user.pk}.{extension}", picture, save=False)
    User.objects.filter(pk=user.pk).update(avatar=user.avatar.name)
    return True
