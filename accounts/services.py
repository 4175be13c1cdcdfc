from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from .models import User


def update_profile(
    *,
    user: User,
    display_name: str,
    bio: str,
    notify_replies: bool,
    notify_article_comments: bool,
    notify_followed_articles: bool,
    avatar: UploadedFile | None = None,
    remove_avatar: bool = False,
) -> User:
    """Saves the member's public profile and email preferences; a new or removed avatar
    takes the old file off the disk once the change is committed."""
    old_avatar = user.avatar.name
    user.display_name = display_name
    user.bio = bio
    user.notify_replies = notify_replies
    user.notify_article_comments = notify_article_comments
    user.notify_followed_articles = notify_followed_articles
    fields = [
        "display_name",
        "bio",
        "notify_replies",
        "notify_article_comments",
        "notify_followed_articles",
    ]
    if avatar is not None:
        user.avatar.save(avatar.name, avatar, save=False)
        fields.append("avatar")
    elif remove_avatar:
        user.avatar = ""
        fields.append("avatar")
    with transaction.atomic():
        user.save(update_fields=fields)
        if old_avatar and "avatar" in fields:
            storage = user.avatar.storage
            transaction.on_commit(lambda: storage.delete(old_avatar))
    return user
