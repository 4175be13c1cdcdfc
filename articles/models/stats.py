"""What happened to articles per day: views, engaged reads and where readers came from."""

import datetime

from django.db import models
from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _

from .article import Article


class ArticleDailyStatsQuerySet(models.QuerySet):
    def of_article(self, article_id: int, *, first: datetime.date, last: datetime.date):
        """One article's days from `first` to `last`, oldest first (days without a row are
        missing)."""
        return self.filter(article_id=article_id, date__gte=first, date__lte=last).order_by("date")


class ArticleDailyStats(models.Model):
    """What happened to one article on one day: the source of the windowed rankings."""

    # No index of its own: the unique (article, date) below serves every look-up by article.
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="daily_stats", db_index=False
    )
    date = models.DateField(_("день"))
    views = models.PositiveIntegerField(_("просмотры"), default=0)
    # Reads where the page stayed visible 30 s and the reader scrolled past 3/4 of the body:
    # counted like views (signed visitor, de-duplicated, capped), harder to fake than a view.
    # A database default too, so bulk writers that name only the older columns keep working.
    engaged_reads = models.PositiveIntegerField(_("дочитывания"), default=0, db_default=0)
    comments = models.IntegerField(_("комментарии"), default=0)
    votes = models.IntegerField(_("голоса"), default=0)

    objects = ArticleDailyStatsQuerySet.as_manager()

    class Meta:
        verbose_name = _("статистика за день")
        verbose_name_plural = _("статистика по дням")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "date"], name="%(app_label)s_%(class)s_one_row_per_day"
            )
        ]
        # A range of days: the analytics' builds and the rankings' month. Covering on PostgreSQL,
        # so a range of settled days can be read from the index alone; for the month the planner
        # mostly prefers a parallel scan of the table (today's rows are not all-visible).
        indexes = [
            models.Index(
                fields=["date", "article"],
                include=["views", "engaged_reads", "comments", "votes"],
                name="stats_date_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.article_id} @ {self.date}"


class ReferrerKind(models.TextChoices):
    SEARCH = "search", _("поисковые системы")
    TELEGRAM = "telegram", _("Telegram")
    DIRECT = "direct", _("прямые заходы и переходы по сайту")
    OTHER = "other", _("другие сайты")


class ArticleReferrerDailyQuerySet(models.QuerySet):
    def sources(self, article_id: int, *, first: datetime.date, last: datetime.date):
        """(kind, host, visits) of one article from `first` to `last`, by kind, most visits
        first."""
        return (
            self.filter(article_id=article_id, date__gte=first, date__lte=last)
            .values("kind", "host")
            .annotate(visits=Sum("count"))
            .order_by("kind", "-visits", "host")
        )


class ArticleReferrerDaily(models.Model):
    """Where one article's counted views came from on one day: only the kind of source and the
    referring page's host (lowercased, no path, nothing about the reader), with a count."""

    HOST_MAX_LENGTH = 100

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="referrers")
    date = models.DateField(_("день"))
    kind = models.CharField(_("источник"), max_length=10, choices=ReferrerKind.choices)
    # Empty for direct visits; a host longer than this is cut (a real one rarely is).
    host = models.CharField(_("сайт"), max_length=HOST_MAX_LENGTH, blank=True)
    count = models.PositiveIntegerField(_("переходы"), default=0)

    objects = ArticleReferrerDailyQuerySet.as_manager()

    class Meta:
        verbose_name = _("источник переходов за день")
        verbose_name_plural = _("источники переходов по дням")
        constraints = [
            # Also the index the per-article page reads a range of days from.
            models.UniqueConstraint(
                fields=["article", "date", "kind", "host"],
                name="%(app_label)s_%(class)s_one_row_per_host",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["search", "telegram", "direct", "other"]),
                name="%(app_label)s_%(class)s_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article_id} @ {self.date}: {self.kind} {self.host}"
