"""The discussions' models by concern: comments and votes, moderation (reports and the log),
notifications and bookmarks; every name is importable from discussions.models."""

from .comments import (
    MAX_DEPTH,
    ArticleVote,
    Comment,
    CommentQuerySet,
    CommentVote,
    wilson_lower_bound,
)
from .moderation import ModerationLog, Report, ReportQuerySet
from .notifications import Bookmark, BookmarkQuerySet, Notification, NotificationQuerySet

__all__ = [
    "MAX_DEPTH",
    "ArticleVote",
    "Bookmark",
    "BookmarkQuerySet",
    "Comment",
    "CommentQuerySet",
    "CommentVote",
    "ModerationLog",
    "Notification",
    "NotificationQuerySet",
    "Report",
    "ReportQuerySet",
    "wilson_lower_bound",
]
