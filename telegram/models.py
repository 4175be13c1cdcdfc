"""An article's announcement in the Telegram channel: one row per article, claimed atomically."""

from datetime import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from articles.models import Article


class AnnouncementQuerySet(models.QuerySet):
    def due(self, now: datetime):
        """Waiting or failed announcements of articles public by `now`, whose retry time has
        come; oldest article first."""
        return (
            self.filter(state__in=Announcement.SENDABLE, article__status=Article.Status.PUBLISHED)
            .filter(article__published_at__lte=now)
            .filter(Q(retry_at__isnull=True) | Q(retry_at__lte=now))
            .order_by("article__published_at", "pk")
        )

    def stale_claims(self, before: datetime):
        """Announcements a run claimed before `before` and never finished (it died sending)."""
        return self.filter(state=Announcement.State.SENDING, claimed_at__lt=before)


class Announcement(models.Model):
    class State(models.TextChoices):
        WAITING = "waiting", _("ждёт публикации")
        SENDING = "sending", _("отправляется")
        SENT = "sent", _("отправлен")
        FAILED = "failed", _("не отправлен, повторим")
        OFF = "off", _("выключен")

    SENDABLE = (State.WAITING, State.FAILED)

    article = models.OneToOneField(
        Article,
        verbose_name=_("статья"),
        on_delete=models.CASCADE,
        related_name="telegram_announcement",
    )
    state = models.CharField(
        _("анонс в канале"), max_length=10, choices=State.choices, default=State.WAITING
    )
    reason = models.CharField(_("причина"), max_length=300, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(_("попыток"), default=0, editable=False)
    retry_at = models.DateTimeField(_("следующая попытка"), null=True, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("отправлен"), null=True, blank=True, editable=False)
    message_id = models.BigIntegerField(null=True, blank=True, editable=False)

    objects = AnnouncementQuerySet.as_manager()

    class Meta:
        verbose_name = _("анонс в Telegram")
        verbose_name_plural = _("анонсы в Telegram")
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["waiting", "sending", "sent", "failed", "off"]),
                name="%(app_label)s_%(class)s_known_state",
            ),
            models.CheckConstraint(
                condition=~Q(state="sent") | Q(sent_at__isnull=False),
                name="%(app_label)s_%(class)s_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return str(self.article)
