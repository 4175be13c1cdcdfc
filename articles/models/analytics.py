"""What the admin's analytics page reads: the daily statistics summed ahead of time by
articles.rollups.rebuild_analytics() once a day, so the page costs the same on any site."""

import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .article import Article

# The periods of the analytics page, in complete days ending the day before the build's date.
ANALYTICS_PERIODS = (1, 7, 30)
METRICS = ("views", "engaged_reads", "comments", "votes")


class AnalyticsBuild(models.Model):
    """One rollup of the analytics, for the complete days before `built_for`."""

    built_for = models.DateField(_("сводка до"), unique=True)
    built_at = models.DateTimeField(_("собрана"), auto_now_add=True)

    class Meta:
        verbose_name = _("сборка аналитики")
        verbose_name_plural = _("сборки аналитики")

    def __str__(self) -> str:
        return str(self.built_for)


class SiteDailyStatsQuerySet(models.QuerySet):
    def totals(self, *, end: datetime.date) -> dict[str, int]:
        """The site's sums for every period of ANALYTICS_PERIODS ending the day before `end` and
        the same span before it: keys like "views_7" and "views_7_before". One query of at most
        twice the longest period's rows (one a day), summed here: thirty filtered sums cost more
        to build and compile than these rows to add."""
        metrics = (*METRICS, "new_members")
        earliest = end - datetime.timedelta(days=2 * max(ANALYTICS_PERIODS))
        rows = self.filter(date__gte=earliest, date__lt=end).values_list("date", *metrics)
        sums = {}
        for days in ANALYTICS_PERIODS:
            for metric in metrics:
                sums[f"{metric}_{days}"] = sums[f"{metric}_{days}_before"] = 0
        for date, *values in rows:
            ago = (end - date).days  # 1 for the day before `end`
            for days in ANALYTICS_PERIODS:
                if ago <= 2 * days:
                    suffix = "" if ago <= days else "_before"
                    for metric, value in zip(metrics, values, strict=True):
                        sums[f"{metric}_{days}{suffix}"] += value
        return sums


class SiteDailyStats(models.Model):
    """The whole site's day: its articles' daily statistics summed, and the members who joined."""

    date = models.DateField(_("день"), unique=True)
    views = models.PositiveIntegerField(_("просмотры"), default=0)
    engaged_reads = models.PositiveIntegerField(_("дочитывания"), default=0)
    comments = models.IntegerField(_("комментарии"), default=0)
    votes = models.IntegerField(_("голоса"), default=0)
    new_members = models.PositiveIntegerField(_("новые участники"), default=0)

    objects = SiteDailyStatsQuerySet.as_manager()

    class Meta:
        verbose_name = _("статистика сайта за день")
        verbose_name_plural = _("статистика сайта по дням")

    def __str__(self) -> str:
        return str(self.date)


class ArticlePeriodStatsQuerySet(models.QuerySet):
    def top(
        self, *, days: int, order: str, rubric_id: int | None = None, author_id: int | None = None
    ):
        """The period's articles, best first by `order` (one of METRICS), with their rubric and
        author; filtered to a rubric and an author when given."""
        rows = self.filter(days=days)
        if rubric_id is not None:
            rows = rows.filter(article__rubric_id=rubric_id)
        if author_id is not None:
            rows = rows.filter(article__author_id=author_id)
        # what the table shows of the article: not its text, the bulk of its row
        shown = ("article__title", "article__rubric__name", "article__author__display_name")
        return (
            rows.select_related("article__rubric", "article__author")
            .only(*METRICS, "days", "article_id", *shown, "article__author__username")
            .order_by(f"-{order}", "article_id")
        )


class ArticlePeriodStats(models.Model):
    """One article's sums over one period of ANALYTICS_PERIODS (complete days before the build's
    date); rebuilt whole once a day. Only articles with something in the period have a row."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    days = models.PositiveSmallIntegerField(_("дней"))
    views = models.PositiveIntegerField(_("просмотры"), default=0)
    engaged_reads = models.PositiveIntegerField(_("дочитывания"), default=0)
    comments = models.IntegerField(_("комментарии"), default=0)
    votes = models.IntegerField(_("голоса"), default=0)

    objects = ArticlePeriodStatsQuerySet.as_manager()

    class Meta:
        verbose_name = _("статистика статьи за период")
        verbose_name_plural = _("статистика статей за периоды")
        constraints = [
            models.UniqueConstraint(
                fields=["days", "article"], name="%(app_label)s_%(class)s_one_row_per_period"
            ),
            models.CheckConstraint(
                condition=Q(days__in=ANALYTICS_PERIODS),
                name="%(app_label)s_%(class)s_days_valid",
            ),
        ]
        # The top of a period by each metric is an index walk, filtered or not.
        indexes = [
            models.Index(fields=["days", f"-{metric}", "article"], name=f"period_{metric}_idx")
            for metric in METRICS
        ]

    def __str__(self) -> str:
        return f"{self.article_id} / {self.days}"

    def per_100_views(self, count: int) -> float | None:
        return round(100 * count / self.views, 1) if self.views else None

    @property
    def engaged_per_100(self) -> float | None:
        return self.per_100_views(self.engaged_reads)

    @property
    def comments_per_100(self) -> float | None:
        return self.per_100_views(self.comments)

    @property
    def votes_per_100(self) -> float | None:
        return self.per_100_views(self.votes)
