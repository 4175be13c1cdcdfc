"""Members' reports on comments and the log of moderators' decisions."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from articles.models import Article

from .comments import Comment


class ReportQuerySet(models.QuerySet):
    def open(self):
        """Reports no moderator has acted on yet."""
        return self.filter(closed_at__isnull=True)


class Report(models.Model):
    class Reason(models.TextChoices):
        SPAM = "spam", _("спам или реклама")
        RUDE = "rude", _("оскорбления")
        OFFTOPIC = "offtopic", _("не по теме")
        OTHER = "other", _("другое")

    class Resolution(models.TextChoices):
        HIDDEN = "hidden", _("комментарий скрыт")
        DISMISSED = "dismissed", _("отклонена")

    comment = models.ForeignKey(
        Comment, verbose_name=_("комментарий"), on_delete=models.CASCADE, related_name="reports"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("автор жалобы"),
        on_delete=models.CASCADE,
        related_name="comment_reports",
    )
    reason = models.CharField(_("причина"), max_length=10, choices=Reason.choices)
    details = models.CharField(_("подробности"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("подана"), auto_now_add=True)
    # Open while resolution is empty; a moderator's decision closes every open report of the
    # comment at once (discussions.services.moderation).
    resolution = models.CharField(
        _("решение"), max_length=10, choices=Resolution.choices, blank=True, default=""
    )
    closed_at = models.DateTimeField(_("закрыта"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("закрыл(а)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("жалоба")
        verbose_name_plural = _("жалобы")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "reporter"], name="%(app_label)s_%(class)s_one_per_reporter"
            ),
            models.CheckConstraint(
                condition=Q(reason__in=["spam", "rude", "offtopic", "other"]),
                name="%(app_label)s_%(class)s_reason_valid",
            ),
            models.CheckConstraint(
                condition=Q(resolution="", closed_at__isnull=True, closed_by__isnull=True)
                | Q(resolution__in=["hidden", "dismissed"], closed_at__isnull=False),
                name="%(app_label)s_%(class)s_closed_with_a_decision",
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(closed_at__isnull=True),
                name="report_open_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: #{self.comment_id}"


class ModerationLog(models.Model):
    """One moderation decision: who did what to which comment, member or article, and why."""

    class Action(models.TextChoices):
        HIDE = "hide", _("скрыт комментарий")
        AUTO_HIDE = "auto_hide", _("скрыт по жалобам")
        RESTORE = "restore", _("восстановлен комментарий")
        DELETE = "delete", _("удалён комментарий")
        BAN = "ban", _("запрет комментировать")
        UNBAN = "unban", _("снят запрет комментировать")
        CLOSE = "close", _("обсуждение закрыто")
        OPEN = "open", _("обсуждение открыто")
        DISMISS = "dismiss", _("жалобы отклонены")

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("модератор"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Пусто: решение принял сайт (например, по жалобам)."),
    )
    action = models.CharField(_("действие"), max_length=10, choices=Action.choices)
    comment = models.ForeignKey(
        Comment, verbose_name=_("комментарий"), on_delete=models.SET_NULL, null=True, blank=True
    )
    article = models.ForeignKey(
        Article, verbose_name=_("статья"), on_delete=models.SET_NULL, null=True, blank=True
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("участник"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="moderation_records",
    )
    reason = models.CharField(_("причина"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("когда"), auto_now_add=True)

    class Meta:
        verbose_name = _("запись модерации")
        verbose_name_plural = _("журнал модерации")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.get_action_display()
