"""A member's bookmarks: articles saved to read later."""

from __future__ import annotations

from typing import TYPE_CHECKING

from articles.models import Article
from discussions.models import Bookmark

from .permissions import require_member, require_public

if TYPE_CHECKING:
    from accounts.models import User


def set_bookmark(*, user: User, article: Article, saved: bool) -> bool:
    """Save an article to the member's bookmarks or remove it; repeating a request is harmless."""
    require_member(user)
    if saved:
        require_public(article)
        Bookmark.objects.bulk_create([Bookmark(user=user, article=article)], ignore_conflicts=True)
    else:
        Bookmark.objects.filter(user=user, article=article).delete()
    return saved
