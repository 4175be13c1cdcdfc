"""Posting and editing comments (deleting and hiding them is moderation.py's)."""

from __future__ import annotations

import datetime
import hashlib
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from articles.models import Article
from config import cache_keys
from discussions.models import MAX_DEPTH, Comment
from discussions.versions import bump_thread_version

from .counters import count_comment
from .notifications import notify_new_comment
from .permissions import can_edit, require_member, require_not_banned, require_open

if TYPE_CHECKING:
    from accounts.models import User


class DuplicateComment(ValidationError):
    """The same member posted the same text under the same article a moment ago."""

    def __init__(self, comment: Comment | None) -> None:
        super().__init__(_("Этот комментарий уже отправлен."), code="duplicate")
        self.comment = comment
        # The refusal points at the comment already there (config.http.refusal).
        self.back_url = comment.thread_url if comment else None
        self.extra_json = {"comment_url": self.back_url} if comment else {}


def clean_body(*, body: str) -> str:
    """The comment text as stored: line endings unified, outer blanks trimmed; refused if empty
    or too long."""
    text = (body or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise ValidationError(_("Напишите текст комментария."), code="empty")
    limit = settings.COMMENT_MAX_LENGTH
    if len(text) > limit:
        raise ValidationError(
            ngettext(
                "Комментарий длиннее %(limit)s символа: сейчас %(length)s. Сократите его.",
                "Комментарий длиннее %(limit)s символов: сейчас %(length)s. Сократите его.",
                limit,
            )
            % {"limit": limit, "length": len(text)},
            code="too_long",
        )
    return text


def _claim_unique_body(*, author: User, article: Article, body: str) -> str:
    """Refuse a repeat of the author's last few seconds; returns the claim's cache key."""
    digest = hashlib.blake2b(body.encode(), digest_size=12).hexdigest()
    key = cache_keys.comment_posted(author_id=author.pk, article_id=article.pk, digest=digest)
    seconds = settings.COMMENT_DUPLICATE_SECONDS
    recent = Comment.objects.filter(
        author=author,
        article=article,
        body=body,
        created_at__gte=timezone.now() - datetime.timedelta(seconds=seconds),
    ).order_by("-id")
    # The cache claim stops two simultaneous posts; the database check, posts a moment apart
    # that reached different processes.
    if not cache.add(key, 1, seconds) or recent.exists():
        raise DuplicateComment(recent.first())
    return key


def _check_parent(parent: Comment, article: Article) -> None:
    """A reply answers a visible comment under the same article."""
    if parent.article_id != article.pk:
        raise ValidationError(
            _("Ответить можно только на комментарий к этой же статье."), code="invalid_parent"
        )
    if not parent.is_visible:
        raise ValidationError(
            _("Комментарий, на который вы отвечаете, удалён или скрыт."), code="invalid_parent"
        )


def create_comment(
    *,
    article: Article,
    author: User,
    body: str,
    parent: Comment | None = None,
    send_email: bool = True,
    created_at: datetime.datetime | None = None,
) -> Comment:
    """Post a comment or a reply; counts it, notifies the parent's and the article's authors."""
    require_member(author)
    require_not_banned(author)
    require_open(article)
    body = clean_body(body=body)
    if parent is not None:
        _check_parent(parent, article)
    claim = _claim_unique_body(author=author, article=article, body=body)
    try:
        with transaction.atomic():
            comment = Comment(
                article=article,
                author=author,
                parent=parent,
                depth=min(parent.depth + 1, MAX_DEPTH) if parent else 0,
                answers_other=parent is not None and parent.author_id != author.pk,
                body=body,
                created_at=created_at or timezone.now(),
            )
            comment.save()
            count_comment(comment=comment, delta=+1)
            notify_new_comment(comment=comment, send_email=send_email)
            bump_thread_version(article.pk)
    except BaseException:
        cache.delete(claim)
        raise
    return comment


def _require_editable(user: User, comment: Comment) -> None:
    """PermissionDenied, with the reason, unless the author may still change this comment."""
    if comment.author_id != user.pk:
        raise PermissionDenied(_("Изменить комментарий может только его автор."))
    require_not_banned(user)
    if not comment.is_visible:
        raise PermissionDenied(_("Удалённый или скрытый комментарий изменить нельзя."))
    if comment.article.discussion_closed:
        raise PermissionDenied(_("Обсуждение этой статьи закрыто."))
    if not can_edit(user, comment):
        minutes = int(settings.COMMENT_EDIT_WINDOW.total_seconds() // 60)
        raise PermissionDenied(
            ngettext(
                "Изменить комментарий можно только в первую %(count)s минуту.",
                "Изменить комментарий можно только в первые %(count)s минут.",
                minutes,
            )
            % {"count": minutes}
        )


def edit_comment(*, comment: Comment, user: User, body: str) -> Comment:
    """Change the text within the edit window; the comment then shows "изменено"."""
    require_member(user)
    _require_editable(user, comment)
    body = clean_body(body=body)
    if body != comment.body:
        comment.body = body
        comment.edited_at = timezone.now()
        comment.save(update_fields=["body", "body_html", "edited_at"])
        bump_thread_version(comment.article_id)
    return comment
