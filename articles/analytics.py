"""The admin's analytics, as read: the site's totals with their change, the top articles of a
period and one article's days and sources. A fixed number of queries whatever the site's size:
the site-wide numbers come from the rollups of articles.rollups, one article's from its own rows.
"""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from config import cache_keys

from .charts import Chart, Series, line_chart
from .models import (
    ANALYTICS_PERIODS,
    METRICS,
    AnalyticsBuild,
    Article,
    ArticleDailyStats,
    ArticlePeriodStats,
    ArticleReferrerDaily,
    ReferrerKind,
    SiteDailyStats,
)

# Who reads the analytics: the editors' group holds it
# (articles/migrations/0015_editors_read_analytics.py).
ANALYTICS_PERMISSION = "articles.view_articledailystats"
TOP_SIZE = 25
HOSTS_PER_KIND = 10
METRIC_LABELS = {
    "views": gettext_lazy("Просмотры"),
    "engaged_reads": gettext_lazy("Дочитывания"),
    "comments": gettext_lazy("Комментарии"),
    "votes": gettext_lazy("Голоса"),
    "new_members": gettext_lazy("Новые участники"),
}


def can_view_analytics(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Editors and superusers; not moderators, not members."""
    return bool(user.is_active and user.is_staff and user.has_perm(ANALYTICS_PERMISSION))


def _authors() -> list[tuple[int, str]]:
    writers = (
        get_user_model()
        .objects.filter(pk__in=Article.objects.values("author_id"))
        .only("username", "display_name")
    )
    return sorted(((user.pk, user.public_name) for user in writers), key=lambda row: row[1])


def author_choices() -> list[tuple[int, str]]:
    """(id, name) of everyone who wrote an article, by name (cached: the query reads every
    article)."""
    return cache.get_or_set(
        cache_keys.analytics_authors(), _authors, cache_keys.ANALYTICS_AUTHORS_SECONDS
    )


def period_label(days: int) -> str:
    return ngettext("за %(days)d день", "за %(days)d дней", days) % {"days": days}


@dataclass(frozen=True)
class Period:
    days: int
    first: datetime.date
    last: datetime.date

    @property
    def label(self) -> str:
        return period_label(self.days)


@dataclass(frozen=True)
class Cell:
    value: int
    before: int

    @property
    def change(self) -> int | None:
        """Percent against the period before; None when there was nothing to compare with."""
        if not self.before:
            return None
        return round(100 * (self.value - self.before) / abs(self.before))

    @property
    def fall(self) -> int:
        """How many percent less, for "▼ 12 %"."""
        return -(self.change or 0)


@dataclass(frozen=True)
class TotalsRow:
    label: str
    cells: list[Cell]


@dataclass(frozen=True)
class SiteReport:
    built_for: datetime.date | None
    periods: list[Period]
    totals: list[TotalsRow]
    top: list[ArticlePeriodStats] = field(default_factory=list)

    @property
    def stale(self) -> bool:
        """True when today's build is missing: the numbers are of an earlier day."""
        return self.built_for != timezone.localdate()


def periods_ending(end: datetime.date) -> list[Period]:
    """The periods of the page: complete days before `end`."""
    last = end - datetime.timedelta(days=1)
    return [Period(days, end - datetime.timedelta(days=days), last) for days in ANALYTICS_PERIODS]


def site_report(
    *, days: int, order: str, rubric_id: int | None = None, author_id: int | None = None
) -> SiteReport:
    """The totals of every period against the one before, and the top of one period (3 queries)."""
    build = AnalyticsBuild.objects.order_by("-built_for").first()
    if build is None:
        return SiteReport(built_for=None, periods=[], totals=[])
    end = build.built_for
    sums = SiteDailyStats.objects.totals(end=end)
    totals = [
        TotalsRow(
            str(METRIC_LABELS[metric]),
            [
                Cell(sums[f"{metric}_{period}"], sums[f"{metric}_{period}_before"])
                for period in ANALYTICS_PERIODS
            ],
        )
        for metric in (*METRICS, "new_members")
    ]
    top = ArticlePeriodStats.objects.top(
        days=days, order=order, rubric_id=rubric_id, author_id=author_id
    )
    return SiteReport(end, periods_ending(end), totals, list(top[:TOP_SIZE]))


@dataclass(frozen=True)
class Source:
    kind: str
    label: str
    visits: int
    share: float
    hosts: list[tuple[str, int]]
    more_hosts: int


@dataclass(frozen=True)
class ArticleReport:
    first: datetime.date
    last: datetime.date
    totals: dict[str, int]
    charts: list[Chart]
    sources: list[Source]


def _sources(rows: list[dict]) -> list[Source]:
    """The referrer rows grouped by kind, the biggest kind first."""
    by_kind: dict[str, list[tuple[str, int]]] = {}
    for row in rows:
        by_kind.setdefault(row["kind"], []).append((row["host"], row["visits"]))
    everything = sum(visits for hosts in by_kind.values() for _, visits in hosts) or 1
    sources = []
    for kind, hosts in by_kind.items():
        visits = sum(count for _, count in hosts)
        named = [(host, count) for host, count in hosts if host]
        sources.append(
            Source(
                kind,
                ReferrerKind(kind).label,
                visits,
                round(100 * visits / everything, 1),
                named[:HOSTS_PER_KIND],
                max(0, len(named) - HOSTS_PER_KIND),
            )
        )
    return sorted(sources, key=lambda source: (-source.visits, source.kind))


def article_report(article: Article, *, days: int) -> ArticleReport:
    """One article's last `days` days up to today, drawn, and where its readers came from (2
    queries)."""
    last = timezone.localdate()
    first = last - datetime.timedelta(days=days - 1)
    dates = [first + datetime.timedelta(days=n) for n in range(days)]
    rows = {
        row.date: row
        for row in ArticleDailyStats.objects.of_article(article.pk, first=first, last=last)
    }

    def values(metric: str) -> list[int]:
        return [getattr(rows[day], metric) if day in rows else 0 for day in dates]

    series = {
        metric: Series(str(METRIC_LABELS[metric]), values(metric), metric) for metric in METRICS
    }
    charts = [
        line_chart(
            chart_id="reads",
            title=_("Просмотры и дочитывания по дням"),
            days=dates,
            series=[series["views"], series["engaged_reads"]],
        ),
        line_chart(
            chart_id="reactions",
            title=_("Комментарии и голоса по дням"),
            days=dates,
            series=[series["comments"], series["votes"]],
        ),
    ]
    sources = ArticleReferrerDaily.objects.sources(article.pk, first=first, last=last)
    totals = {metric: sum(one.values) for metric, one in series.items()}
    return ArticleReport(first, last, totals, charts, _sources(list(sources)))
