"""Who may do what in the discussions: edit, delete, moderate, ban, comment.

The services check these before every write (PermissionDenied), the admin asks them to offer its
actions, the templates to show the controls. The roles themselves are groups made by
migrations/0003_roles.py: moderators and editors get the moderation permissions, superusers all.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from discussions.models import Comment

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User
    from articles.models import Article

    Visitor = User | AnonymousUser

MODERATE_PERMISSION = "discussions.change_comment"
BAN_PERMISSION = "discussions.ban_commenter"


def _is_staff(user: Visitor) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def can_moderate(user: Visitor) -> bool:
    """Moderators and editors: hide, restore and delete anyone's comments, close discussions."""
    return _is_staff(user) and user.has_perm(MODERATE_PERMISSION)


def can_ban(user: Visitor, member: User | None = None) -> bool:
    """Moderators and editors bar members from commenting; only a superuser bars staff."""
    if not (_is_staff(user) and user.has_perm(BAN_PERMISSION)):
        return False
    return member is None or user.is_superuser or not member.is_staff


def can_edit(user: Visitor, comment: Comment, *, now: datetime.datetime | None = None) -> bool:
    """The author, within the edit window, while the comment is visible and the discussion open."""
    return (
        user.is_authenticated
        and comment.author_id == user.pk
        and comment.is_visible
        and (now or timezone.now()) < comment.editable_until()
    )


def can_delete(user: Visitor, comment: Comment) -> bool:
    """The author (any time) or a moderator."""
    return user.is_authenticated and (comment.author_id == user.pk or can_moderate(user))


def commenting_ban(user: User) -> str | None:
    """Why a member may not comment now, or None when they may."""
    until = user.commenting_banned_until
    if until is not None and until > timezone.now():
        return user.commenting_banned_reason or _("нарушение правил сообщества")
    if until is None and user.commenting_banned_reason:
        return user.commenting_banned_reason
    return None


def ban_message(user: User) -> str | None:
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


# What the services call first: each refuses with the reason the member reads.


def require_member(user: Visitor) -> None:
    """PermissionDenied unless an active member is logged in."""
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied(_("Войдите, чтобы продолжить."))


def require_not_banned(user: User) -> None:
    """PermissionDenied for a member barred from commenting, with the reason."""
    message = ban_message(user)
    if message:
        raise PermissionDenied(message)


def require_public(article: Article) -> None:
    """PermissionDenied for a draft or an article not yet published."""
    if not article.is_public:
        raise PermissionDenied(_("Статья не опубликована."))


def require_open(article: Article) -> None:
    """PermissionDenied unless the article is public and its discussion open."""
    require_public(article)
    if article.discussion_closed:
        raise PermissionDenied(_("Обсуждение этой статьи закрыто."))


def require_moderator(user: Visitor) -> None:
    """PermissionDenied for everyone but moderators and editors."""
    if not can_moderate(user):
        raise PermissionDenied(_("Это могут делать только модераторы."))


def require_can_ban(user: Visitor, member: User) -> None:
    """PermissionDenied unless `user` may bar `member` from commenting."""
    if not can_ban(user, member):
        if member.is_staff and can_ban(user):
            raise PermissionDenied(
                _("Запретить комментировать сотруднику редакции может только администратор.")
            )
        raise PermissionDenied(_("Запрещать комментировать могут только модераторы."))
