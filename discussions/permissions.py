"""Who may do what in the discussions.

The services check these before every write (PermissionDenied), the admin asks them to offer its
actions, the templates to show the controls. The roles themselves are groups made by
migrations/0003_roles.py: moderators and editors get the moderation permissions, superusers all.
"""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Comment

MODERATE_PERMISSION = "discussions.change_comment"
BAN_PERMISSION = "discussions.ban_commenter"


def _is_staff(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def can_moderate(user) -> bool:
    """Moderators and editors: hide, restore and delete anyone's comments, close discussions."""
    return _is_staff(user) and user.has_perm(MODERATE_PERMISSION)


def can_ban(user, member=None) -> bool:
    """Moderators and editors bar members from commenting; only a superuser bars staff."""
    if not (_is_staff(user) and user.has_perm(BAN_PERMISSION)):
        return False
    return member is None or user.is_superuser or not member.is_staff


def can_edit(user, comment: Comment, *, now: datetime.datetime | None = None) -> bool:
    """The author, within the edit window, while the comment is visible and the discussion open."""
    return (
        user.is_authenticated
        and comment.author_id == user.pk
        and comment.is_visible
        and (now or timezone.now()) < comment.editable_until()
    )


def can_delete(user, comment: Comment) -> bool:
    """The author (any time) or a moderator."""
    return user.is_authenticated and (comment.author_id == user.pk or can_moderate(user))


def commenting_ban(user) -> str | None:
    """Why a member may not comment now, or None when they may."""
    until = user.commenting_banned_until
    if until is not None and until > timezone.now():
        return user.commenting_banned_reason or _("нарушение правил сообщества")
    if until is None and user.commenting_banned_reason:
        return user.commenting_banned_reason
    return None


def ban_message(user) -> str | None:
    """What a barred member reads instead of the comment form, or None when they may comment."""
    reason = commenting_ban(user)
    if reason is None:
        return None
    if user.commenting_banned_until:
        until = timezone.localtime(user.commenting_banned_until).strftime("%d.%m.%Y %H:%M")
        return _("Вам запрещено комментировать до %(until)s. Причина: %(reason)s") % {
            "until": until,
            "reason": reason,
        }
    return _("Вам запрещено комментировать. Причина: %(reason)s") % {"reason": reason}
