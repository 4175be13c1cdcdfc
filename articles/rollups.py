"""The analytics page's sums, built ahead of time by the scheduler (`manage.py rebuild_analytics`).

The page speaks of complete days (the last 1, 7 and 30 before today, against the same span before
them), so its numbers change once a day: one build after midnight sums the daily statistics into
SiteDailyStats (the site's days) and ArticlePeriodStats (each article's periods), and the page
reads a few dozen rows whatever the size of the site. A reader's request never builds.
"""

import datetime

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from .models import (
    ANALYTICS_PERIODS,
    METRICS,
    AnalyticsBuild,
    ArticleDailyStats,
    ArticlePeriodStats,
    SiteDailyStats,
)

ANALYTICS_ADVISORY_LOCK = 7_340_022
# The page compares each period with the one before it: twice the longest period of site days.
SITE_DAYS = 2 * max(ANALYTICS_PERIODS)


def _lock(cursor) -> None:
    """One builder at a time (PostgreSQL); released when the transaction ends. SQLite has one
    writer anyway."""
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ANALYTICS_ADVISORY_LOCK])


def _site_days(first: datetime.date, end: datetime.date) -> list[SiteDailyStats]:
    """Every day from `first` to the day before `end` that had anything, summed."""
    days: dict[datetime.date, SiteDailyStats] = {}
    sums = {metric: Sum(metric) for metric in METRICS}
    for row in (
        ArticleDailyStats.objects.filter(date__gte=first, date__lt=end)
        .values("date")
        .annotate(**sums)
        .order_by()
    ):
        days[row["date"]] = SiteDailyStats(**row)
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(first, datetime.time(), zone)
    stop = datetime.datetime.combine(end, datetime.time(), zone)
    joined = (
        get_user_model()
        .objects.filter(date_joined__gte=start, date_joined__lt=stop)
        .annotate(day=TruncDate("date_joined", tzinfo=zone))
        .values("day")
        .annotate(members=Count("id"))
        .order_by()
    )
    for row in joined:
        days.setdefault(row["day"], SiteDailyStats(date=row["day"])).new_members = row["members"]
    return list(days.values())


def _insert_periods(cursor, end: datetime.date) -> None:
    """Each article's sums over every period, straight from the daily statistics."""
    target = ArticlePeriodStats._meta.db_table
    source = ArticleDailyStats._meta.db_table
    columns = ", ".join(METRICS)
    sums = ", ".join(f"SUM({metric})" for metric in METRICS)
    for days in ANALYTICS_PERIODS:
        cursor.execute(
            f"INSERT INTO {target} (article_id, days, {columns}) "  # noqa: S608
            f"SELECT article_id, %s, {sums} FROM {source} "
            "WHERE date >= %s AND date < %s GROUP BY article_id",
            [days, end - datetime.timedelta(days=days), end],
        )


def rebuild_analytics(*, today: datetime.date | None = None, force: bool = False) -> bool:
    """Sum the complete days before `today` (the site's today by default) for the analytics page,
    unless a build for that day exists (or `force`); True when it built. Two at once take turns,
    and the second finds the first one's build."""
    end = today or timezone.localdate()
    with transaction.atomic(), connection.cursor() as cursor:
        _lock(cursor)
        if not force and AnalyticsBuild.objects.filter(built_for=end).exists():
            return False
        SiteDailyStats.objects.all().delete()
        SiteDailyStats.objects.bulk_create(_site_days(end - datetime.timedelta(SITE_DAYS), end))
        ArticlePeriodStats.objects.all().delete()
        _insert_periods(cursor, end)
        AnalyticsBuild.objects.filter(built_for__lt=end - datetime.timedelta(days=7)).delete()
        AnalyticsBuild.objects.update_or_create(
            built_for=end, defaults={"built_at": timezone.now()}
        )
    return True
