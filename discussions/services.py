"""Writes of the discussions app: comments, votes, reports, moderation, notifications, bookmarks.

Every service checks permissions itself (PermissionDenied) and validates its input
(ValidationError), so views, the admin and scripts share one set of rules. Counters move with F()
in the same transaction as the rows they count; locks are taken in one order everywhere
(comment, article, member, daily statistics) so concurrent writers never deadlock.
"""

import datetime
import hashlib
import logging
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from articles.caching import bump_content_generation
from articles.models import Article
from articles.services import add_daily_stats
from config import cache_keys
from config.text import one_line

from .models import (
    MAX_DEPTH,
    ArticleVote,
    Bookmark,
    Comment,
    CommentVote,
    ModerationLog,
    Notification,
    Report,
)
from .permissions import ban_message, can_ban, can_delete, can_edit, can_moderate
from .versions import bump_thread_version

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "discussions.unsubscribe"
UNSUBSCRIBE_FIELDS = {"replies": "notify_replies", "article_comments": "notify_article_comments"}


class DuplicateComment(ValidationError):
    """The same member posted the same text under the same article a moment ago."""

    def __init__(self, comment: Comment | None):
        super().__init__(_("Этот комментарий уже отправлен."), code="duplicate")
        self.comment = comment
        # The refusal points at the comment already there (config.http.refusal).
        self.back_url = comment.thread_url if comment else None
        self.extra_json = {"comment_url": self.back_url} if comment else {}


@dataclass(frozen=True)
class VoteResult:
    score: int
    value: int


def _require_member(user) -> None:
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied(_("Войдите, чтобы продолжить."))


def _require_not_banned(user) -> None:
    message = ban_message(user)
    if message:
        raise PermissionDenied(message)


def _require_open(article: Article) -> None:
    if not article.is_public:
        raise PermissionDenied(_("Статья не опубликована."))
    if article.discussion_closed:
        raise PermissionDenied(_("Обсуждение этой статьи закрыто."))


def _require_moderator(user) -> None:
    if not can_moderate(user):
        raise PermissionDenied(_("Это могут делать только модераторы."))


def _require_can_ban(user, member) -> None:
    if not can_ban(user, member):
        if member.is_staff and can_ban(user):
            raise PermissionDenied(
                _("Запретить комментировать сотруднику редакции может только администратор.")
            )
        raise PermissionDenied(_("Запрещать комментировать могут только модераторы."))


def clean_body(body: str) -> str:
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


# Comments.


def _claim_unique_body(*, author, article: Article, body: str) -> str:
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


def _count_comment(comment: Comment, delta: int) -> None:
    """Move the visible-comment counters of the article, the author and the day by delta."""
    Article.objects.filter(pk=comment.article_id).update(comments_count=F("comments_count") + delta)
    get_user_model().objects.filter(pk=comment.author_id).update(
        comments_count=F("comments_count") + delta
    )
    add_daily_stats(
        article_id=comment.article_id,
        date=timezone.localdate(comment.created_at),
        comments=delta,
    )


def create_comment(
    *,
    article: Article,
    author,
    body: str,
    parent: Comment | None = None,
    send_email: bool = True,
    created_at: datetime.datetime | None = None,
) -> Comment:
    """Post a comment or a reply; counts it, notifies the parent's and the article's authors."""
    _require_member(author)
    _require_not_banned(author)
    _require_open(article)
    body = clean_body(body)
    if parent is not None:
        if parent.article_id != article.pk:
            raise ValidationError(
                _("Ответить можно только на комментарий к этой же статье."), code="invalid_parent"
            )
        if not parent.is_visible:
            raise ValidationError(
                _("Комментарий, на который вы отвечаете, удалён или скрыт."),
                code="invalid_parent",
            )
    claim = _claim_unique_body(author=author, article=article, body=body)
    try:
        with transaction.atomic():
            comment = Comment(
                article=article,
                author=author,
                parent=parent,
                depth=min(parent.depth + 1, MAX_DEPTH) if parent else 0,
                body=body,
                created_at=created_at or timezone.now(),
            )
            comment.save()
            _count_comment(comment, +1)
            _notify_new_comment(comment, send_email=send_email)
            bump_thread_version(article.pk)
    except BaseException:
        cache.delete(claim)
        raise
    return comment


def edit_comment(*, comment: Comment, user, body: str) -> Comment:
    """Change the text within the edit window; the comment then shows "изменено"."""
    _require_member(user)
    if comment.author_id != user.pk:
        raise PermissionDenied(_("Изменить комментарий может только его автор."))
    _require_not_banned(user)
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
    body = clean_body(body)
    if body != comment.body:
        comment.body = body
        comment.edited_at = timezone.now()
        comment.save(update_fields=["body", "body_html", "edited_at"])
        bump_thread_version(comment.article_id)
    return comment


def _change_status(comment: Comment, status: str, *, allowed_from: set[str]) -> bool:
    """Set the status under a row lock, moving the counters when visibility changes."""
    current = (
        Comment.objects.select_for_update(no_key=True)
        .filter(pk=comment.pk)
        .values_list("status", flat=True)
        .get()
    )
    if current == status or current not in allowed_from:
        comment.status = current
        return False
    Comment.objects.filter(pk=comment.pk).update(status=status)
    delta = int(status == Comment.Status.VISIBLE) - int(current == Comment.Status.VISIBLE)
    if delta:
        _count_comment(comment, delta)
    comment.status = status
    bump_thread_version(comment.article_id)
    # Hidden or deleted: off every cached page at once, counts included; restored likewise.
    bump_content_generation()
    return True


def delete_comment(*, comment: Comment, user, reason: str = "") -> bool:
    """The author (any time) or a moderator deletes a comment; replies stay under a placeholder.

    Returns False when it was already deleted.
    """
    _require_member(user)
    by_author = comment.author_id == user.pk
    if not can_delete(user, comment):
        raise PermissionDenied(_("Удалить комментарий может только его автор или модератор."))
    with transaction.atomic():
        changed = _change_status(
            comment,
            Comment.Status.DELETED,
            allowed_from={Comment.Status.VISIBLE, Comment.Status.HIDDEN},
        )
        if changed and not by_author:
            _log(user, ModerationLog.Action.DELETE, comment=comment, reason=reason)
    return changed


def hide_comment(*, comment: Comment, moderator, reason: str = "") -> bool:
    """A moderator hides a visible comment from readers; returns False if it was not visible."""
    _require_moderator(moderator)
    with transaction.atomic():
        changed = _change_status(
            comment, Comment.Status.HIDDEN, allowed_from={Comment.Status.VISIBLE}
        )
        if changed:
            _log(moderator, ModerationLog.Action.HIDE, comment=comment, reason=reason)
    return changed


def restore_comment(*, comment: Comment, moderator, reason: str = "") -> bool:
    """A moderator shows a hidden comment again; a comment its author deleted stays deleted."""
    _require_moderator(moderator)
    with transaction.atomic():
        changed = _change_status(
            comment, Comment.Status.VISIBLE, allowed_from={Comment.Status.HIDDEN}
        )
        if changed:
            _log(moderator, ModerationLog.Action.RESTORE, comment=comment, reason=reason)
    return changed


# Reports and moderation.


def report_comment(*, comment: Comment, reporter, reason: str, details: str = "") -> Report:
    """Record a member's report; enough distinct reports hide the comment until an editor looks."""
    _require_member(reporter)
    if comment.author_id == reporter.pk:
        raise PermissionDenied(_("На свой комментарий пожаловаться нельзя."))
    if not comment.is_visible:
        raise ValidationError(_("Этот комментарий уже скрыт или удалён."), code="not_visible")
    if reason not in Report.Reason.values:
        raise ValidationError(_("Выберите причину жалобы."), code="invalid_reason")
    with transaction.atomic():
        try:
            with transaction.atomic():
                report = Report.objects.create(
                    comment=comment, reporter=reporter, reason=reason, details=details.strip()[:300]
                )
        except IntegrityError as error:
            raise ValidationError(
                _("Вы уже пожаловались на этот комментарий."), code="duplicate"
            ) from error
        Comment.objects.filter(pk=comment.pk).update(reports_count=F("reports_count") + 1)
        reports = (
            Comment.objects.filter(pk=comment.pk).values_list("reports_count", flat=True).get()
        )
        comment.reports_count = reports
        bump_thread_version(comment.article_id)  # staff see the count of reports
        # Only the report that reaches the threshold hides: after an editor restores the comment,
        # further reports do not hide it again behind their back.
        if reports == settings.COMMENT_HIDE_AFTER_REPORTS and _change_status(
            comment, Comment.Status.HIDDEN, allowed_from={Comment.Status.VISIBLE}
        ):
            _log(
                None,
                ModerationLog.Action.AUTO_HIDE,
                comment=comment,
                reason=ngettext("%(count)s жалоба", "%(count)s жалобы", reports)
                % {"count": reports},
            )
    return report


def ban_commenter(
    *, member, moderator, reason: str, until: datetime.datetime | None = None
) -> None:
    """Bar a member from commenting, until a time or for good; they see the reason."""
    _require_can_ban(moderator, member)
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Укажите причину: участник её увидит."), code="empty")
    with transaction.atomic():
        get_user_model().objects.filter(pk=member.pk).update(
            commenting_banned_reason=reason[:300], commenting_banned_until=until
        )
        member.commenting_banned_reason, member.commenting_banned_until = reason[:300], until
        _log(moderator, ModerationLog.Action.BAN, member=member, reason=reason)


def unban_commenter(*, member, moderator, reason: str = "") -> None:
    """Let a barred member comment again."""
    _require_can_ban(moderator, member)
    with transaction.atomic():
        get_user_model().objects.filter(pk=member.pk).update(
            commenting_banned_reason="", commenting_banned_until=None
        )
        member.commenting_banned_reason, member.commenting_banned_until = "", None
        _log(moderator, ModerationLog.Action.UNBAN, member=member, reason=reason)


def set_discussion_closed(*, article: Article, moderator, closed: bool, reason: str = "") -> bool:
    """Close or reopen an article's discussion; returns False when nothing changed."""
    _require_moderator(moderator)
    with transaction.atomic():
        changed = (
            Article.objects.filter(pk=article.pk)
            .exclude(discussion_closed=closed)
            .update(discussion_closed=closed)
        )
        article.discussion_closed = closed
        if changed:
            bump_thread_version(article.pk)
            action = ModerationLog.Action.CLOSE if closed else ModerationLog.Action.OPEN
            _log(moderator, action, article=article, reason=reason)
    return bool(changed)


def _log(moderator, action: str, *, comment=None, article=None, member=None, reason="") -> None:
    ModerationLog.objects.create(
        moderator=moderator,
        action=action,
        comment=comment,
        article=article or (comment.article if comment else None),
        member=member or (comment.author if comment else None),
        reason=reason[:300],
    )


# Votes.


def cast_vote(*, user, target: Article | Comment, value: int) -> VoteResult:
    """Vote +1 or -1 on an article or a comment, change the vote, or take it back with 0.

    The target's row is locked first, so every vote on one item runs one after another: a double
    click can neither create two votes nor count one twice.
    """
    if value not in (-1, 0, 1):
        raise ValidationError(_("Голос может быть только +1 или −1."), code="invalid_value")
    _require_member(user)
    is_comment = isinstance(target, Comment)
    if target.author_id == user.pk:
        raise PermissionDenied(
            _("За свой комментарий голосовать нельзя.")
            if is_comment
            else _("За свою статью голосовать нельзя.")
        )
    article = target.article if is_comment else target
    if not article.is_public:
        raise PermissionDenied(_("Статья не опубликована."))
    if is_comment and article.discussion_closed:
        raise PermissionDenied(_("Обсуждение этой статьи закрыто."))
    model, vote_model, field = (
        (Comment, CommentVote, "comment") if is_comment else (Article, ArticleVote, "article")
    )
    with transaction.atomic():
        status = (
            model.objects.select_for_update(no_key=True)
            .filter(pk=target.pk)
            .values_list("status", flat=True)
            .get()
        )
        if is_comment and status != Comment.Status.VISIBLE:
            raise ValidationError(
                _("За скрытый или удалённый комментарий голосовать нельзя."), code="not_visible"
            )
        vote = vote_model.objects.filter(user=user, **{field: target}).first()
        previous = vote.value if vote else 0
        if previous != value:
            if value == 0:
                vote.delete()
            elif vote is not None:
                vote.value = value
                vote.save(update_fields=["value"])
            else:
                vote_model.objects.create(user=user, value=value, **{field: target})
            delta = value - previous
            changes = {"score": F("score") + delta}
            if is_comment:
                changes["upvotes"] = F("upvotes") + int(value == 1) - int(previous == 1)
                changes["downvotes"] = F("downvotes") + int(value == -1) - int(previous == -1)
            model.objects.filter(pk=target.pk).update(**changes)
            get_user_model().objects.filter(pk=target.author_id).update(score=F("score") + delta)
            if is_comment:
                bump_thread_version(target.article_id)
                if previous == 0:
                    _notify_vote(target, voter=user, value=value)
            else:
                # Only article votes feed the trending rank, as Article.score does for "all time".
                add_daily_stats(article_id=target.pk, date=timezone.localdate(), votes=delta)
        score = model.objects.filter(pk=target.pk).values_list("score", flat=True).get()
    target.score = score
    return VoteResult(score=score, value=value)


# Bookmarks and notifications.


def set_bookmark(*, user, article: Article, saved: bool) -> bool:
    """Save an article to the member's bookmarks or remove it; repeating a request is harmless."""
    _require_member(user)
    if saved:
        if not article.is_public:
            raise PermissionDenied(_("Статья не опубликована."))
        Bookmark.objects.bulk_create([Bookmark(user=user, article=article)], ignore_conflicts=True)
    else:
        Bookmark.objects.filter(user=user, article=article).delete()
    return saved


def mark_notifications_read(*, user, ids: list[int] | None = None) -> int:
    """Mark the member's unread notifications (all, or those ids) read; returns how many."""
    _require_member(user)
    unread = Notification.objects.filter(recipient=user).unread()
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


def _notify_new_comment(comment: Comment, *, send_email: bool) -> None:
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


def _notification(comment: Comment, recipient, kind: str) -> Notification:
    return Notification(
        recipient=recipient,
        kind=kind,
        actor_id=comment.author_id,
        article_id=comment.article_id,
        comment=comment,
    )


def _notify_vote(comment: Comment, *, voter, value: int) -> None:
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


def unsubscribe_token(user, topic: str) -> str:
    """A signed token that switches one kind of email off for one member, without logging in."""
    return signing.dumps({"user": user.pk, "topic": topic}, salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str) -> tuple[int, str]:
    """The member id and topic of a token; raises ValidationError for a forged or broken one."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        user_id, topic = int(data["user"]), data["topic"]
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise ValidationError(_("Ссылка для отписки повреждена."), code="bad_token") from error
    if topic not in UNSUBSCRIBE_FIELDS:
        raise ValidationError(_("Ссылка для отписки повреждена."), code="bad_token")
    return user_id, topic


def unsubscribe(*, token: str) -> tuple:
    """Switch off the emails a token names; returns the member and the topic."""
    user_id, topic = read_unsubscribe_token(token)
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        raise ValidationError(_("Ссылка для отписки повреждена."), code="bad_token")
    get_user_model().objects.filter(pk=user_id).update(**{UNSUBSCRIBE_FIELDS[topic]: False})
    setattr(user, UNSUBSCRIBE_FIELDS[topic], False)
    return user, topic


def _email_after_commit(recipient, topic: str, comment: Comment) -> None:
    transaction.on_commit(
        partial(send_notification_email, recipient=recipient, topic=topic, comment=comment)
    )


def send_notification_email(*, recipient, topic: str, comment: Comment) -> None:
    """One email about a reply or a new comment, with a one-click unsubscribe link."""
    unsubscribe_url = settings.SITE_URL + reverse(
        "discussions:unsubscribe", kwargs={"token": unsubscribe_token(recipient, topic)}
    )
    context = {
        "recipient": recipient,
        "comment": comment,
        "article": comment.article,
        "actor": comment.author,
        "topic": topic,
        "comment_url": settings.SITE_URL + comment.get_absolute_url(),
        "unsubscribe_url": unsubscribe_url,
    }
    # One line whatever the name or title holds: a line break in a header makes Django refuse
    # to send the message at all (BadHeaderError).
    if topic == "replies":
        subject = _("%(name)s ответил(а) на ваш комментарий") % {"name": comment.author}
    else:
        subject = _("Новый комментарий к статье «%(title)s»") % {"title": comment.article.title}
    message = EmailMessage(
        subject=one_line(subject),
        body=render_to_string("discussions/email/notification.txt", context),
        to=[recipient.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    try:
        message.send()
    except Exception:
        # The comment is saved; a mail server hiccup must not turn into an error page.
        logger.exception("Notification email to member %s failed", recipient.pk)


# Counters.


def _count_of(queryset, field: str):
    return Coalesce(
        Subquery(
            queryset.filter(**{field: OuterRef("pk")})
            .order_by()
            .values(field)
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        Value(0),
    )


def _sum_of(queryset, field: str, column: str):
    return Coalesce(
        Subquery(
            queryset.filter(**{field: OuterRef("pk")})
            .order_by()
            .values(field)
            .annotate(total=Sum(column))
            .values("total"),
            output_field=IntegerField(),
        ),
        Value(0),
    )


def recount_counters() -> dict[str, int]:
    """Recompute every denormalised counter from the rows; returns how many rows were wrong."""
    visible = Comment.objects.filter(status=Comment.Status.VISIBLE)
    comment_real = {
        "score": _sum_of(CommentVote.objects, "comment", "value"),
        "upvotes": _count_of(CommentVote.objects.filter(value=1), "comment"),
        "downvotes": _count_of(CommentVote.objects.filter(value=-1), "comment"),
        "reports_count": _count_of(Report.objects, "comment"),
    }
    article_real = {
        "comments_count": _count_of(visible, "article"),
        "score": _sum_of(ArticleVote.objects, "article", "value"),
    }
    user_real = {
        "comments_count": _count_of(visible, "author"),
        "score": _sum_of(Comment.objects, "author", "score")
        + _sum_of(Article.objects, "author", "score"),
    }
    fixed = {}
    with transaction.atomic():
        for label, model, real in (
            ("comments", Comment, comment_real),
            ("articles", Article, article_real),
            ("users", get_user_model(), user_real),
        ):
            annotated = model.objects.annotate(**{f"real_{k}": expr for k, expr in real.items()})
            wrong = Q()
            for name in real:
                wrong |= ~Q(**{name: F(f"real_{name}")})
            ids = list(annotated.filter(wrong).values_list("pk", flat=True))
            fixed[label] = len(ids)
            if ids:
                model.objects.filter(pk__in=ids).update(**real)
            if ids and model is Comment:
                for article_id in set(
                    Comment.objects.filter(pk__in=ids).values_list("article_id", flat=True)
                ):
                    bump_thread_version(article_id)
    return fixed
