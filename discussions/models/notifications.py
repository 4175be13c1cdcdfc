"""The bell's notifications and members' bookmarks."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from articles.models import Article

from .comments import Comment


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        """Notifications not yet marked read."""
        return self.filter(read_at__isnull=True)

    def for_list(self, user):
        """One member's notifications with everything the list shows, newest first."""
        return (
            self.filter(recipient=user)
            .select_related("actor", "article", "comment")
            .only(
                "id",
                "kind",
                "value",
                "created_at",
                "read_at",
                "actor__username",
                "actor__display_name",
                "article__title",
                "article__slug",
                "comment__id",
                "comment__body_html",
                "comment__status",
            )
            .order_by("-created_at", "-id")
        )


class Notification(models.Model):
    class Kind(models.TextChoices):
        REPLY = "reply", _("ответ на комментарий")
        VOTE = "vote", _("оценка комментария")
        ARTICLE_COMMENT = "article_comment", _("комментарий к статье")
        REPORT_HANDLED = "report_handled", _("жалоба рассмотрена")
        NEW_ARTICLE = "new_article", _("новая статья автора")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # Votes are anonymous to the comment's author: the actor is kept only to avoid repeats.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, related_name="+"
    )
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, null=True, related_name="+")
    value = models.SmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("уведомление")
        verbose_name_plural = _("уведомления")
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread_idx"),
            models.Index(fields=["recipient", "-created_at"], name="notification_list_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind__in=["reply", "vote", "article_comment", "report_handled", "new_article"]
                ),
                name="%(app_label)s_%(class)s_kind_valid",
            ),
            # A member hears of an author's new article once, however often the job runs.
            models.UniqueConstraint(
                fields=["recipient", "article"],
                condition=Q(kind="new_article"),
                name="%(app_label)s_%(class)s_one_per_new_article",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient_id}"


class BookmarkQuerySet(models.QuerySet):
    def articles_of(self, user):
        """The public articles a member saved, latest saved first, ready for cards."""
        return (
            Article.objects.published()
            .filter(bookmarks__user=user)
            .for_listing()
            .order_by("-bookmarks__created_at", "-id")
        )


class Bookmark(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bookmarks"
    )
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="bookmarks")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BookmarkQuerySet.as_manager()

    class Meta:
        verbose_name = _("закладка")
        verbose_name_plural = _("закладки")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "article"], name="%(app_label)s_%(class)s_one_per_article"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.article_id}"
