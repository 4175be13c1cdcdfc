"""The discussions' models by concern: comments and votes, moderation (reports and the log),
notifications and bookmarks, follows; every name is importable from discussions.models."""

from .comments import (
    MAX_DEPTH,
    ArticleVote,
    Comment,
    CommentQuerySet,
    CommentVote,
    wilson_lower_bound,
)
from .follows import TARGETS, Follow, FollowersNotified, FollowQuerySet
from .moderation import ModerationLog, Report, ReportQuerySet
from .notifications import Bookmark, BookmarkQuerySet, Notification, NotificationQuerySet

__all__ = [
    "MAX_DEPTH",
    "TARGETS",
    "ArticleVote",
    "Bookmark",
    "BookmarkQuerySet",
    "Comment",
    "CommentQuerySet",
    "CommentVote",
    "Follow",
    "FollowQuerySet",
    "FollowersNotified",
    "ModerationLog",
    "Notification",
    "NotificationQuerySet",
    "Report",
    "ReportQuerySet",
    "wilson_lower_bound",
]
