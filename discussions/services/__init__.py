"""Writes of the discussions app, by concern: comments, votes, moderation, notifications,
bookmarks, follows, counters; who may do what is permissions.py.

Every service checks permissions itself (PermissionDenied) and validates its input
(ValidationError), so views, the admin and scripts share one set of rules; callers read
`services.create_comment(...)` whichever module holds it.
"""

from . import permissions
from .bookmarks import set_bookmark
from .comments import DuplicateComment, clean_body, create_comment, edit_comment
from .counters import recount_counters
from .follows import notify_followers, set_follow
from .moderation import (
    ban_and_hide,
    ban_commenter,
    delete_comment,
    dismiss_reports,
    hide_comment,
    hide_reported,
    report_comment,
    restore_comment,
    set_discussion_closed,
    unban_commenter,
)
from .notifications import (
    mark_notifications_read,
    read_unsubscribe_token,
    send_notification_email,
    unsubscribe,
    unsubscribe_token,
)
from .votes import VoteResult, cast_vote

__all__ = [
    "DuplicateComment",
    "VoteResult",
    "ban_and_hide",
    "ban_commenter",
    "cast_vote",
    "clean_body",
    "create_comment",
    "delete_comment",
    "dismiss_reports",
    "edit_comment",
    "hide_comment",
    "hide_reported",
    "mark_notifications_read",
    "notify_followers",
    "permissions",
    "read_unsubscribe_token",
    "recount_counters",
    "report_comment",
    "restore_comment",
    "send_notification_email",
    "set_bookmark",
    "set_discussion_closed",
    "set_follow",
    "unban_commenter",
    "unsubscribe",
    "unsubscribe_token",
]
