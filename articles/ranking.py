"""The rankings ("Сейчас в тренде", "Обсуждаемое"): rebuilt into RankingEntry by the scheduler,
never by a reader's request; an article taken down leaves them at once."""

import datetime
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from .models import PERIOD_DAYS, Article, ArticleDailyStats, Period, Ranking, RankingEntry

# Trending weights: a comment says more than a view, a vote somewhat less than a comment.
COMMENT_WEIGHT = 5
VOTE_WEIGHT = 3
GRAVITY = 1.8
AGE_OFFSET_HOURS = 2
RANKINGS_ADVISORY_LOCK = 7_340_021
# Nobody pages through more than this; the all-time list still reaches page 1000 and beyond.
WINDOWED_RANKING_SIZE = 2_000
ALL_TIME_RANKING_SIZE = 25_000


def _age_hours_sql() -> str:
    if connection.vendor == "postgresql":
        # float, not numeric: PostgreSQL's numeric power() is a hundred times slower
        return "CAST(EXTRACT(EPOCH FROM (%(now)s - published_at)) AS DOUBLE PRECISION) / 3600.0"
    return "(julianday(%(now)s) - julianday(published_at)) * 24.0"


# (ranking, its rank as SQL, which rows of the source it ranks)
Orders = tuple[tuple[str, str, str], ...]


def _insert_ranked(
    cursor: CursorWrapper, *, period: str, source: str, orders: Orders, params: dict
) -> None:
    """Insert the best rows of source for each order into RankingEntry at positions 0, 1, 2..."""
    limit = ALL_TIME_RANKING_SIZE if period == Period.ALL else WINDOWED_RANKING_SIZE
    order = "rank DESC, published_at DESC, id DESC"
    table = RankingEntry._meta.db_table
    for ranking, rank, where in orders:
        cursor.execute(
            f"INSERT INTO {table} (ranking, period, position, article_id, rank) "  # noqa: S608
            f"SELECT %(ranking)s, %(period)s, ROW_NUMBER() OVER (ORDER BY {order}) - 1, id, rank "
            f"FROM (SELECT id, published_at, {rank} AS rank FROM {source} WHERE {where} "
            f"ORDER BY {order} LIMIT {limit}) ranked",
            {**params, "ranking": ranking, "period": period},
        )


def _lock_rankings(cursor: CursorWrapper) -> None:
    """One writer of the rankings at a time (PostgreSQL); released when the transaction ends."""
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RANKINGS_ADVISORY_LOCK])


def _public_sql() -> str:
    return "a.status = 'published' AND a.published_at <= %(now)s"


def _rank_windows(cursor: CursorWrapper, *, since: dict, params: dict) -> None:
    """Both rankings for the day, the week and the month, from one sum of the month's statistics."""
    windows = ", ".join(
        f"SUM(CASE WHEN s.date >= %(since_{p})s THEN s.{column} ELSE 0 END) AS {column}_{p}"
        for p in since
        for column in ("views", "comments", "votes")
    )
    present = ", ".join(
        f"MAX(CASE WHEN s.date >= %(since_{p})s THEN 1 ELSE 0 END) AS in_{p}" for p in since
    )
    gravity = f"POWER({_age_hours_sql()} + {AGE_OFFSET_HOURS}, {GRAVITY})"
    cursor.execute("DROP TABLE IF EXISTS ranking_window")
    cursor.execute(
        "CREATE TEMPORARY TABLE ranking_window AS SELECT a.id, a.published_at, w.* FROM "  # noqa: S608
        f"(SELECT s.article_id, {windows}, {present} "
        f"FROM {ArticleDailyStats._meta.db_table} s "
        "WHERE s.date >= %(since_month)s GROUP BY s.article_id) w "
        f"JOIN {Article._meta.db_table} a ON a.id = w.article_id WHERE {_public_sql()}",
        params,
    )
    for period in since:
        engagement = (
            f"CAST(views_{period} + {COMMENT_WEIGHT} * comments_{period} "
            f"+ {VOTE_WEIGHT} * votes_{period} AS DOUBLE PRECISION)"
        )
        trending = f"{engagement} / {gravity}"
        discussed = f"CAST(comments_{period} AS DOUBLE PRECISION)"
        orders = (
            (Ranking.TRENDING, trending, f"in_{period} = 1"),
            (Ranking.DISCUSSED, discussed, f"in_{period} = 1 AND comments_{period} > 0"),
        )
        _insert_ranked(cursor, period=period, source="ranking_window", orders=orders, params=params)
    cursor.execute("DROP TABLE ranking_window")


def _rank_all_time(cursor: CursorWrapper, *, params: dict) -> None:
    """Both all-time rankings, from one pass over the articles' own counters."""
    cursor.execute("DROP TABLE IF EXISTS ranking_all")
    cursor.execute(
        "CREATE TEMPORARY TABLE ranking_all AS SELECT id, published_at, comments_count, "  # noqa: S608
        f"CAST(views_count + {COMMENT_WEIGHT} * comments_count + {VOTE_WEIGHT} * score "
        f"AS DOUBLE PRECISION) AS engagement FROM {Article._meta.db_table} a "
        f"WHERE {_public_sql()}",
        params,
    )
    orders = (
        (Ranking.TRENDING, "engagement", "1 = 1"),
        (Ranking.DISCUSSED, "CAST(comments_count AS DOUBLE PRECISION)", "comments_count > 0"),
    )
    _insert_ranked(cursor, period=Period.ALL, source="ranking_all", orders=orders, params=params)
    cursor.execute("DROP TABLE ranking_all")


def rebuild_rankings() -> None:
    """Recompute every ranking and period into RankingEntry.

    Trending ranks an article by its engagement inside the period, E = views + 5 x comments +
    3 x votes (net), divided by (age in hours + 2) ^ 1.8, the gravity of Hacker News: a fresh
    article with a little engagement beats an old one with more. "All time" has no window and no
    gravity: it is the most engaging articles ever. Discussed ranks by comments inside the period.
    Ties go to the newer article, then the higher id, so the order is always the same.

    The daily statistics of the last month are summed once, for all three windows at the same
    time, into a temporary table; each ranking is then one INSERT ... SELECT of its best rows.
    """
    today = timezone.localdate()
    since = {
        period: today - datetime.timedelta(days=days - 1)
        for period, days in PERIOD_DAYS.items()
        if days is not None
    }
    params = {"now": timezone.now(), **{f"since_{period}": day for period, day in since.items()}}
    with transaction.atomic(), connection.cursor() as cursor:
        # One rebuild at a time; a second waits, then rebuilds from fresher data.
        _lock_rankings(cursor)
        if connection.vendor == "postgresql":
            # Compiling these short queries costs more than running them, and the month's
            # aggregate should sort in memory rather than spill to disk.
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '64MB'")
        RankingEntry.objects.all().delete()
        _rank_windows(cursor, since=since, params=params)
        _rank_all_time(cursor, params=params)


def withdraw(article_ids: Iterable[int]) -> None:
    """Take these articles off every ranking at once, inside the caller's transaction."""
    with connection.cursor() as cursor:
        # A rebuild running now would put them back from its older snapshot: wait for it, and
        # make the next one wait for this transaction.
        _lock_rankings(cursor)
    RankingEntry.objects.filter(article_id__in=article_ids).delete()
