"""Deleting, hiding and restoring comments, members' reports and the queue that settles them,
bans and closed discussions.

Every change by a moderator leaves a ModerationLog row. A moderator's decision on a comment closes
all its open reports in the same transaction, under the comment's row lock: of two moderators
acting on one comment at once, the second finds nothing left to settle.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from articles.caching import bump_content_generation
from articles.models import Article
from discussions.models import Comment, ModerationLog, Report
from discussions.versions import bump_thread_version

from .counters import count_comment, count_report
from .notifications import notify_report_handled
from .permissions import can_delete, require_can_ban, require_member, require_moderator

if TYPE_CHECKING:
    from accounts.models import User

VISIBLE, HIDDEN, DELETED = Comment.Status.VISIBLE, Comment.Status.HIDDEN, Comment.Status.DELETED


def _log(
    moderator: User | None,
    action: str,
    *,
    comment: Comment | None = None,
    article: Article | None = None,
    member: User | None = None,
    reason: str = "",
) -> None:
    ModerationLog.objects.create(
        moderator=moderator,
        action=action,
        comment=comment,
        article=article or (comment.article if comment else None),
        member=member or (comment.author if comment else None),
        reason=reason[:300],
    )


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
    delta = int(status == VISIBLE) - int(current == VISIBLE)
    if delta:
        count_comment(comment=comment, delta=delta)
    comment.status = status
    bump_thread_version(comment.article_id)
    # Hidden or deleted: off every cached page at once, counts included; restored likewise.
    bump_content_generation()
    return True


def _close_reports(comment: Comment, moderator: User, resolution: str) -> list[int]:
    """Close the comment's open reports with this decision; returns their reporters' ids.

    Call it under the comment's row lock (_change_status or _lock takes it)."""
    still_open = Report.objects.open().filter(comment=comment)
    reporters = list(still_open.order_by("created_at").values_list("reporter_id", flat=True))
    if reporters:
        still_open.update(resolution=resolution, closed_at=timezone.now(), closed_by=moderator)
    return reporters


def _lock(comment: Comment) -> None:
    """Take the comment's row lock and refresh its status."""
    comment.status = (
        Comment.objects.select_for_update(no_key=True)
        .filter(pk=comment.pk)
        .values_list("status", flat=True)
        .get()
    )


def delete_comment(*, comment: Comment, user: User, reason: str = "") -> bool:
    """The author (any time) or a moderator deletes a comment; replies stay under a placeholder.

    Returns False when it was already deleted.
    """
    require_member(user)
    if not can_delete(user, comment):
        raise PermissionDenied(_("Удалить комментарий может только его автор или модератор."))
    with transaction.atomic():
        changed = _change_status(comment, DELETED, allowed_from={VISIBLE, HIDDEN})
        if changed and comment.author_id != user.pk:
            _log(user, ModerationLog.Action.DELETE, comment=comment, reason=reason)
            reporters = _close_reports(comment, user, Report.Resolution.HIDDEN)
            notify_report_handled(comment=comment, reporter_ids=reporters)
        elif changed:  # the author took it down: nothing left for moderators to judge
            _close_reports(comment, user, Report.Resolution.HIDDEN)
    return changed


def hide_comment(*, comment: Comment, moderator: User, reason: str = "") -> bool:
    """A moderator hides a comment from readers and closes its open reports, telling their
    authors in the bell; returns False when it was hidden already with no report open (another
    moderator got there first)."""
    require_moderator(moderator)
    with transaction.atomic():
        changed = _change_status(comment, HIDDEN, allowed_from={VISIBLE})
        reporters = _close_reports(comment, moderator, Report.Resolution.HIDDEN)
        if changed or reporters:
            _log(moderator, ModerationLog.Action.HIDE, comment=comment, reason=reason)
        notify_report_handled(comment=comment, reporter_ids=reporters)
    return bool(changed or reporters)


def hide_reported(*, comment: Comment, moderator: User, reason: str = "") -> bool:
    """From the queue: hide a reported comment and close its reports; False when none is open
    any more (another moderator decided first), and then nothing changes."""
    require_moderator(moderator)
    with transaction.atomic():
        _lock(comment)
        if not Report.objects.open().filter(comment=comment).exists():
            return False
        return hide_comment(comment=comment, moderator=moderator, reason=reason)


def dismiss_reports(*, comment: Comment, moderator: User, reason: str = "") -> int:
    """A moderator finds nothing wrong: the comment stays (shown again if the reports hid it)
    and its open reports close; returns how many closed (0: another moderator was first)."""
    require_moderator(moderator)
    with transaction.atomic():
        _lock(comment)
        reporters = _close_reports(comment, moderator, Report.Resolution.DISMISSED)
        if not reporters:
            return 0
        if comment.status == HIDDEN:  # open reports on a hidden comment: the reports hid it
            _change_status(comment, VISIBLE, allowed_from={HIDDEN})
        _log(moderator, ModerationLog.Action.DISMISS, comment=comment, reason=reason)
    return len(reporters)


def ban_and_hide(
    *,
    comment: Comment,
    moderator: User,
    reason: str,
    until: datetime.datetime | None = None,
) -> None:
    """Bar the comment's author from commenting and hide the comment, closing its reports."""
    with transaction.atomic():
        ban_commenter(member=comment.author, moderator=moderator, reason=reason, until=until)
        hide_comment(comment=comment, moderator=moderator, reason=reason)


def restore_comment(*, comment: Comment, moderator: User, reason: str = "") -> bool:
    """A moderator shows a hidden comment again; a comment its author deleted stays deleted."""
    require_moderator(moderator)
    with transaction.atomic():
        changed = _change_status(comment, VISIBLE, allowed_from={HIDDEN})
        if changed:
            _log(moderator, ModerationLog.Action.RESTORE, comment=comment, reason=reason)
            _close_reports(comment, moderator, Report.Resolution.DISMISSED)
    return changed


def _check_report(comment: Comment, reporter: User, reason: str) -> None:
    require_member(reporter)
    if comment.author_id == reporter.pk:
        raise PermissionDenied(_("На свой комментарий пожаловаться нельзя."))
    if not comment.is_visible:
        raise ValidationError(_("Этот комментарий уже скрыт или удалён."), code="not_visible")
    if reason not in Report.Reason.values:
        raise ValidationError(_("Выберите причину жалобы."), code="invalid_reason")


def report_comment(*, comment: Comment, reporter: User, reason: str, details: str = "") -> Report:
    """Record a member's report; enough distinct reports hide the comment until an editor looks."""
    _check_report(comment, reporter, reason)
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
        reports = count_report(comment=comment)
        bump_thread_version(comment.article_id)  # staff see the count of reports
        # Only the report that reaches the threshold hides: after an editor restores the comment,
        # further reports do not hide it again behind their back.
        if reports == settings.COMMENT_HIDE_AFTER_REPORTS and _change_status(
            comment, HIDDEN, allowed_from={VISIBLE}
        ):
            why = ngettext("%(count)s жалоба", "%(count)s жалобы", reports) % {"count": reports}
            _log(None, ModerationLog.Action.AUTO_HIDE, comment=comment, reason=why)
    return report


def ban_commenter(
    *, member: User, moderator: User, reason: str, until: datetime.datetime | None = None
) -> None:
    """Bar a member from commenting, until a time or for good; they see the reason."""
    require_can_ban(moderator, member)
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Укажите причину: участник её увидит."), code="empty")
    with transaction.atomic():
        get_user_model().objects.filter(pk=member.pk).update(
            commenting_banned_reason=reason[:300], commenting_banned_until=until
        )
        member.commenting_banned_reason, member.commenting_banned_until = reason[:300], until
        _log(moderator, ModerationLog.Action.BAN, member=member, reason=reason)


def unban_commenter(*, member: User, moderator: User, reason: str = "") -> None:
    """Let a barred member comment again."""
    require_can_ban(moderator, member)
    with transaction.atomic():
        get_user_model().objects.filter(pk=member.pk).update(
            commenting_banned_reason="", commenting_banned_until=None
        )
        member.commenting_banned_reason, member.commenting_banned_until = "", None
        _log(moderator, ModerationLog.Action.UNBAN, member=member, reason=reason)


def set_discussion_closed(
    *, article: Article, moderator: User, closed: bool, reason: str = ""
) -> bool:
    """Close or reopen an article's discussion; returns False when nothing changed."""
    require_moderator(moderator)
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
