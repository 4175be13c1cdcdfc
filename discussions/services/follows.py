"""Follows and what comes of them: members follow rubrics, tags and authors, and hear (the bell,
and email when they opted in) of each new article of an author they follow, once."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from articles.models import Article, Rubric, Tag
from discussions.models import Follow, FollowersNotified, Notification

from .notifications import send_member_email
from .permissions import require_member

if TYPE_CHECKING:
    from accounts.models import User


# Articles published this long ago or less are announced to followers; older ones never (so a
# first run, or a job that was down for a while, does not flood the bell with old news).
NOTIFY_WITHIN = timedelta(days=2)
NOTIFY_BATCH = 200


def _target_field(target: Rubric | Tag | User) -> str:
    if isinstance(target, Rubric):
        return "rubric"
    if isinstance(target, Tag):
        return "tag"
    return "author"


def set_follow(*, member: User, target: Rubric | Tag | User, following: bool) -> bool:
    """Follow a rubric, a tag or an author, or stop; repeating a request is harmless."""
    require_member(member)
    field = _target_field(target)
    if field == "author" and (target.pk == member.pk or not target.is_active):
        raise ValidationError(_("На себя подписаться нельзя."), code="invalid_target")
    if following:
        Follow.objects.bulk_create(
            [Follow(member=member, **{field: target})], ignore_conflicts=True
        )
    else:
        Follow.objects.filter(member=member, **{field: target}).delete()
    return following


def notify_followers(*, now: datetime | None = None) -> int:
    """Tell the followers of each author about their articles that became public lately and were
    not announced yet (scheduled ones included, once their time came); returns how many members
    were told. Safe to run twice at once: each article is claimed by one run."""
    now = now or timezone.now()
    pending = (
        Article.objects.published()
        .filter(published_at__gte=now - NOTIFY_WITHIN)
        .exclude(pk__in=FollowersNotified.objects.values("article_id"))
        .select_related("author")
        .only("id", "title", "slug", "excerpt", "author__username", "author__display_name")
        .order_by("published_at", "id")
    )
    return sum(_notify_followers_of(article) for article in pending[:NOTIFY_BATCH])


def _notify_followers_of(article: Article) -> int:
    with transaction.atomic():
        _, claimed = FollowersNotified.objects.get_or_create(article=article)
        if not claimed:  # another run has it (it waited here for that run's commit)
            return 0
        followers = list(
            get_user_model()
            .objects.filter(is_active=True, follows__author_id=article.author_id)
            .only("id", "email", "username", "display_name", "notify_followed_articles")
        )
        Notification.objects.bulk_create(
            [
                Notification(
                    recipient=follower,
                    kind=Notification.Kind.NEW_ARTICLE,
                    actor_id=article.author_id,
                    article=article,
                )
                for follower in followers
            ],
            ignore_conflicts=True,  # the constraint: once per member and article, whatever ran
        )
        for follower in followers:
            if follower.notify_followed_articles and follower.email:
                transaction.on_commit(
                    partial(send_new_article_email, recipient=follower, article=article)
                )
    return len(followers)


def send_new_article_email(*, recipient: User, article: Article) -> None:
    """One email about a followed author's new article, with a one-click unsubscribe link."""
    subject = _("%(name)s: новая статья «%(title)s»") % {
        "name": article.author.public_name,
        "title": article.title,
    }
    send_member_email(
        recipient=recipient,
        topic="followed_articles",
        subject=subject,
        template="discussions/email/new_article.txt",
        context={
            "article": article,
            "author": article.author,
            "article_url": settings.SITE_URL + article.get_absolute_url(),
        },
    )
