"""Notifications in the header's bell, the emails about replies and new comments, and the signed
links that switch those emails off without logging in."""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from config.text import one_line
from discussions.models import Comment, Notification

from .permissions import require_member

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "discussions.unsubscribe"
UNSUBSCRIBE_FIELDS = {
    "replies": "notify_replies",
    "article_comments": "notify_article_comments",
    "followed_articles": "notify_followed_articles",
}


def mark_notifications_read(*, user: User, ids: list[int] | None = None) -> int:
    """Mark the member's unread notifications (all, or those ids) read; returns how many."""
    require_member(user)
    unread = Notification.objects.filter(recipient=user).unread()
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


def _notification(comment: Comment, recipient: User, kind: str) -> Notification:
    return Notification(
        recipient=recipient,
        kind=kind,
        actor_id=comment.author_id,
        article_id=comment.article_id,
        comment=comment,
    )


def notify_new_comment(*, comment: Comment, send_email: bool) -> None:
    """Tell the parent's author about a reply and the article's author about a new comment."""
    notifications = []
    if comment.parent_id:
        parent_author = comment.parent.author
        if parent_author.pk != comment.author_id:
            notifications.append(_notification(comment, parent_author, Notification.Kind.REPLY))
            if send_email and parent_author.notify_replies and parent_author.email:
                _email_after_commit(parent_author, "replies", comment)
    article_author = comment.article.author
    already = {comment.author_id} | {n.recipient_id for n in notifications}
    if article_author.pk not in already:
        notifications.append(
            _notification(comment, article_author, Notification.Kind.ARTICLE_COMMENT)
        )
        if send_email and article_author.notify_article_comments and article_author.email:
            _email_after_commit(article_author, "article_comments", comment)
    Notification.objects.bulk_create(notifications)


def notify_report_handled(*, comment: Comment, reporter_ids: list[int]) -> None:
    """Tell the members who reported a comment that a moderator acted on it (who did is not
    said)."""
    Notification.objects.bulk_create(
        Notification(
            recipient_id=reporter_id,
            kind=Notification.Kind.REPORT_HANDLED,
            article_id=comment.article_id,
            comment=comment,
        )
        for reporter_id in reporter_ids
    )


def notify_vote(*, comment: Comment, voter: User, value: int) -> None:
    """A first vote on a comment tells its author, once per voter while unread."""
    already = Notification.objects.filter(
        recipient_id=comment.author_id, kind=Notification.Kind.VOTE, comment=comment, actor=voter
    ).unread()
    if not already.exists():
        Notification.objects.create(
            recipient_id=comment.author_id,
            kind=Notification.Kind.VOTE,
            actor=voter,
            article_id=comment.article_id,
            comment=comment,
            value=value,
        )


def unsubscribe_token(*, user: User, topic: str) -> str:
    """A signed token that switches one kind of email off for one member, without logging in."""
    return signing.dumps({"user": user.pk, "topic": topic}, salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(*, token: str) -> tuple[int, str]:
    """The member id and topic of a token; raises ValidationError for a forged or broken one."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        user_id, topic = int(data["user"]), data["topic"]
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise ValidationError(_("Ссылка для отписки повреждена."), code="bad_token") from error
    if topic not in UNSUBSCRIBE_FIELDS:
        raise ValidationError(_("Ссылка для отписки повреждена."), code="bad_token")
    return user_id, topic


def unsubscribe(*, token: str) -> tuple[User, str]:
    """Switch off the emails a token names; returns the member and the topic."""
    user_id, topic = read_unsubscribe_token(token=token)
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        raise ValidationError(_("Ссылка для отписки повреждена."), code="bad_token")
    get_user_model().objects.filter(pk=user_id).update(**{UNSUBSCRIBE_FIELDS[topic]: False})
    setattr(user, UNSUBSCRIBE_FIELDS[topic], False)
    return user, topic


def _email_after_commit(recipient: User, topic: str, comment: Comment) -> None:
    transaction.on_commit(
        partial(send_notification_email, recipient=recipient, topic=topic, comment=comment)
    )


def send_notification_email(*, recipient: User, topic: str, comment: Comment) -> None:
    """One email about a reply or a new comment, with a one-click unsubscribe link."""
    context = {
        "comment": comment,
        "article": comment.article,
        "actor": comment.author,
        "topic": topic,
        "comment_url": settings.SITE_URL + comment.get_absolute_url(),
    }
    if topic == "replies":
        subject = _("%(name)s ответил(а) на ваш комментарий") % {"name": comment.author}
    else:
        subject = _("Новый комментарий к статье «%(title)s»") % {"title": comment.article.title}
    send_member_email(
        recipient=recipient,
        topic=topic,
        subject=subject,
        template="discussions/email/notification.txt",
        context=context,
    )


def send_member_email(
    *, recipient: User, topic: str, subject: str, template: str, context: dict
) -> None:
    """Send one email of a topic the member can switch off, with a one-click unsubscribe link
    (in the body as unsubscribe_url and in the List-Unsubscribe headers). A mail server's error
    is logged, never raised: what the email tells of is saved and in the bell already."""
    token = unsubscribe_token(user=recipient, topic=topic)
    unsubscribe_url = settings.SITE_URL + reverse(
        "discussions:unsubscribe", kwargs={"token": token}
    )
    context = {**context, "recipient": recipient, "unsubscribe_url": unsubscribe_url}
    # One line whatever the name or title holds: a line break in a header makes Django refuse
    # to send the message at all (BadHeaderError).
    message = EmailMessage(
        subject=one_line(subject),
        body=render_to_string(template, context),
        to=[recipient.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    try:
        message.send()
    except Exception:
        logger.exception("Email (%s) to member %s failed", topic, recipient.pk)
