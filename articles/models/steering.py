"""Editors steering the rankings: an article pinned to a place, boosted by a factor or buried,
each until a date and for a reason, and the audit log of every such decision."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .article import Article
from .rankings import Period, Ranking


class SteeringQuerySet(models.QuerySet):
    def open(self):
        """Decisions nobody ended: in force until their date (the database's idea of "active")."""
        return self.filter(ended_at__isnull=True)

    def active(self, now=None):
        """Decisions in force now: not ended and not expired; what the rebuild applies."""
        return self.open().filter(until__gt=now or timezone.now())

    def for_list(self):
        """With the article's title and the editor's name, for the admin's lists."""
        return self.select_related("article", "created_by").order_by("ranking", "position", "id")

    def expired(self, now=None):
        """Open decisions whose date has passed: ended by close_expired()."""
        return self.open().filter(until__lte=now or timezone.now())


class Steering(models.Model):
    """One editor's decision about one article in one ranking and period."""

    class Kind(models.TextChoices):
        PIN = "pin", _("закрепить на месте")
        BOOST = "boost", _("поднять (множитель)")
        BURY = "bury", _("убрать из рейтинга")

    ranking = models.CharField(_("рейтинг"), max_length=10, choices=Ranking.choices)
    period = models.CharField(_("период"), max_length=5, choices=Period.choices)
    article = models.ForeignKey(
        Article, verbose_name=_("статья"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("что сделать"), max_length=5, choices=Kind.choices)
    # As editors count: the first place is 1.
    position = models.PositiveIntegerField(_("место"), null=True, blank=True)
    factor = models.FloatField(_("множитель"), null=True, blank=True)
    until = models.DateTimeField(_("действует до"))
    reason = models.TextField(_("причина"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("кто решил"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("когда"), default=timezone.now)
    # Set when an editor ends it early, or (with ended_by empty) when its date passed.
    ended_at = models.DateTimeField(_("снято"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("кто снял"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    objects = SteeringQuerySet.as_manager()

    class Meta:
        verbose_name = _("решение редактора о рейтинге")
        verbose_name_plural = _("решения редакторов о рейтингах")
        ordering = ["-created_at", "-id"]
        permissions = [("end_steering", _("Может досрочно снимать решения о рейтингах"))]
        constraints = [
            models.UniqueConstraint(
                fields=["ranking", "period", "position"],
                condition=Q(kind="pin", ended_at__isnull=True),
                name="%(app_label)s_%(class)s_one_pin_per_place",
            ),
            models.UniqueConstraint(
                fields=["ranking", "period", "article"],
                condition=Q(ended_at__isnull=True),
                name="%(app_label)s_%(class)s_one_decision_per_article",
            ),
            models.CheckConstraint(
                # NULL compares to nothing (and would pass): each required field says so.
                condition=Q(
                    kind="pin", position__isnull=False, position__gte=1, factor__isnull=True
                )
                | Q(kind="boost", position__isnull=True, factor__isnull=False, factor__gt=0)
                | Q(kind="bury", position__isnull=True, factor__isnull=True),
                name="%(app_label)s_%(class)s_kind_fields",
            ),
            models.CheckConstraint(
                condition=~Q(reason=""), name="%(app_label)s_%(class)s_reason_given"
            ),
            models.CheckConstraint(
                condition=Q(until__gt=models.F("created_at")),
                name="%(app_label)s_%(class)s_ends_after_it_starts",
            ),
        ]
        indexes = [models.Index(fields=["ended_at", "until"], name="steering_open_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.article_id} ({self.ranking}/{self.period})"


class SteeringLog(models.Model):
    """Who decided what about a ranking, when and why; written by articles.steering only and
    never changed (the admin shows it read-only)."""

    class Action(models.TextChoices):
        CREATED = "created", _("принято")
        ENDED = "ended", _("снято досрочно")

    at = models.DateTimeField(_("когда"), default=timezone.now)
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("кто"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("действие"), max_length=10, choices=Action.choices)
    # Kept when the article (and with it the decision) is deleted: `what` still says it.
    steering = models.ForeignKey(
        Steering,
        verbose_name=_("решение"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="log",
    )
    what = models.TextField(_("что"))
    reason = models.TextField(_("почему"))

    class Meta:
        verbose_name = _("запись журнала решений о рейтингах")
        verbose_name_plural = _("журнал решений о рейтингах")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason=""), name="%(app_label)s_%(class)s_reason_given"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()}: {self.what}"
