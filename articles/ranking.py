"""The rankings ("Сейчас в тренде", "Обсуждаемое"): rebuilt into RankingEntry by the scheduler,
never by a reader's request; an article taken down leaves them at once.

Who talked to whom is in the comments, which belong to the discussions app, and `articles` never
imports `discussions`. So discussions registers the SQL of its figures here
(`register_discussion_figures`, called from its AppConfig.ready(), the way apps register with the
admin): the rebuild stays one transaction under one lock over one snapshot, and distinct
participants are counted over the whole period from the comment rows (a per-day count of distinct
members cannot be summed into a week's). All time reads the counters discussions keeps on the
article row instead (Article.participants_count and replies_count): a pass over every comment
would cost more than the rest of the rebuild. Without the discussions app, "Обсуждаемое" is empty.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from .models import (
    PERIOD_DAYS,
    Article,
    ArticleDailyStats,
    Period,
    Ranking,
    RankingEntry,
    Steering,
)

# Trending weights: an engaged read (30 s visible, 3/4 scrolled) adds 3 to the view it already
# counted, so such a reader weighs four plain views; a comment says more, a vote somewhat less.
ENGAGED_READ_WEIGHT = 3
COMMENT_WEIGHT = 5
VOTE_WEIGHT = 3
GRAVITY = 1.8
AGE_OFFSET_HOURS = 2
# Discussed: a reply to another member counts twice as much as one more participant; the decay is
# by the hours since the period's last comment, milder than trending's: size matters more there.
REPLY_WEIGHT = 2
DISCUSSION_GRAVITY = 0.8
RANKINGS_ADVISORY_LOCK = 7_340_021
# Nobody pages through more than this; the all-time list still reaches page 1000 and beyond.
WINDOWED_RANKING_SIZE = 2_000
ALL_TIME_RANKING_SIZE = 25_000

# Builds a SELECT of one row per article with participants_<w>, replies_<w> and last_comment_<w>
# for each window w of `windows` (w -> an SQL expression of its start), over the comments written
# since `since` (an SQL expression).
DiscussionFigures = Callable[[Mapping[str, str], str], str]
_discussion_figures: list[DiscussionFigures] = []

# The terms an entry keeps beside its rank (RankingEntry), for "Почему в тренде".
TERMS = ("views", "engaged_reads", "comments", "votes", "participants", "replies")


def register_discussion_figures(figures: DiscussionFigures) -> None:
    """Use figures for "Обсуждаемое" (the discussions app registers its own at start-up)."""
    _discussion_figures[:] = [figures]


def _hours_since_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        # float, not numeric: PostgreSQL's numeric power() is a hundred times slower
        return f"CAST(EXTRACT(EPOCH FROM (%(now)s - {column})) AS DOUBLE PRECISION) / 3600.0"
    return f"(julianday(%(now)s) - julianday({column})) * 24.0"


def _float(sql: str) -> str:
    return f"CAST({sql} AS DOUBLE PRECISION)"


# (ranking, its score before decay as SQL, its decay as SQL, which rows of the source it ranks)
Orders = tuple[tuple[str, str, str, str], ...]
# (ranking, period) -> [(place as editors count it, article id)] of the pins in force
Pins = dict[tuple[str, str], list[tuple[int, int]]]
# Far above any position: a block of positions moves there and back without two rows meeting.
_SHIFT = 10_000_000


def _steering_table(cursor: CursorWrapper, *, now: datetime.datetime) -> Pins:
    """The editors' decisions in force (expired ones are ignored) as a temporary table of
    factors and articles kept out of the natural order (buried and pinned ones); returns the
    pins, which are placed after it."""
    cursor.execute("DROP TABLE IF EXISTS ranking_steer")
    cursor.execute(
        "CREATE TEMPORARY TABLE ranking_steer (ranking VARCHAR(10), period VARCHAR(5), "
        "article_id BIGINT, factor DOUBLE PRECISION, kept_out INTEGER)"
    )
    pins: Pins = defaultdict(list)
    rows = []
    for steering in Steering.objects.active(now).order_by("position"):
        boost = steering.kind == Steering.Kind.BOOST
        key = (steering.ranking, steering.period)
        rows.append((*key, steering.article_id, steering.factor if boost else 1.0, int(not boost)))
        if steering.kind == Steering.Kind.PIN:
            pins[key].append((steering.position, steering.article_id))
    if rows:
        cursor.executemany("INSERT INTO ranking_steer VALUES (%s, %s, %s, %s, %s)", rows)
    return pins


def _insert_ranked(
    cursor: CursorWrapper, *, period: str, source: str, orders: Orders, params: dict, pins: Pins
) -> None:
    """Insert the best rows of source for each order into RankingEntry at positions 0, 1, 2...,
    each with its rank (score x decay x the editors' factor), its decay and its terms; buried
    and pinned articles are left out, then the pinned ones put in their places."""
    limit = ALL_TIME_RANKING_SIZE if period == Period.ALL else WINDOWED_RANKING_SIZE
    order = "rank DESC, published_at DESC, id DESC"
    table = RankingEntry._meta.db_table
    terms = ", ".join(TERMS)
    suffix = "" if period == Period.ALL else f"_{period}"
    source_terms = ", ".join(f"{term}{suffix} AS {term}" for term in TERMS)
    for ranking, score, decay, where in orders:
        cursor.execute(
            f"INSERT INTO {table} (ranking, period, position, article_id, rank, decay, "  # noqa: S608
            f"adjustment, pinned, {terms}) "
            f"SELECT %(ranking)s, %(period)s, ROW_NUMBER() OVER (ORDER BY {order}) - 1, id, rank, "
            f"decay, adjustment, %(false)s, {terms} FROM (SELECT id, published_at, "
            f"{score} * {decay} * COALESCE(st.factor, 1.0) AS rank, {decay} AS decay, "
            f"COALESCE(st.factor, 1.0) AS adjustment, {source_terms} FROM {source} "
            "LEFT JOIN ranking_steer st ON st.article_id = id AND st.ranking = %(ranking)s "
            f"AND st.period = %(period)s WHERE ({where}) AND COALESCE(st.kept_out, 0) = 0 "
            f"ORDER BY {order} LIMIT {limit}) ranked",
            {**params, "ranking": ranking, "period": period, "false": False},
        )
        for place, article_id in pins.get((ranking, period), []):
            pin = {"ranking": ranking, "period": period, "article": article_id, "place": place}
            _place_pin(cursor, **pin, select=(score, decay, source_terms, source), params=params)


def _place_pin(
    cursor: CursorWrapper,
    *,
    ranking: str,
    period: str,
    article: int,
    place: int,
    select: tuple[str, str, str, str],
    params: dict,
) -> None:
    """Put a pinned article at its place (or at the end of a shorter list), moving the entries
    from there one down; its terms are the period's, zero when it had none. Pins are placed from
    the first place down, so each keeps its own."""
    score, decay, source_terms, source = select
    table = RankingEntry._meta.db_table
    ours = {**params, "ranking": ranking, "period": period, "article": article}
    cursor.execute(
        f"SELECT COUNT(*) FROM {table} WHERE ranking = %(ranking)s AND period = %(period)s",  # noqa: S608
        ours,
    )
    position = min(place - 1, cursor.fetchone()[0])
    here = "ranking = %(ranking)s AND period = %(period)s"
    ours["position"] = position
    cursor.execute(
        f"UPDATE {table} SET position = position + {_SHIFT} "  # noqa: S608
        f"WHERE {here} AND position >= %(position)s",
        ours,
    )
    cursor.execute(
        f"UPDATE {table} SET position = position - {_SHIFT - 1} "  # noqa: S608
        f"WHERE {here} AND position >= {_SHIFT}",
        ours,
    )
    terms = ", ".join(TERMS)
    found = ", ".join(f"COALESCE({term}, 0)" for term in TERMS)
    cursor.execute(
        f"INSERT INTO {table} (ranking, period, position, article_id, rank, decay, adjustment, "  # noqa: S608
        f"pinned, {terms}) SELECT %(ranking)s, %(period)s, %(position)s, pinned_id, "
        f"COALESCE(rank, 0), COALESCE(decay, 1.0), 1.0, %(true)s, {found} FROM "
        f"(SELECT a.id AS pinned_id FROM {Article._meta.db_table} a "
        f"WHERE a.id = %(article)s AND {_public_sql()}) p "
        f"LEFT JOIN (SELECT id, {score} * {decay} AS rank, {decay} AS decay, {source_terms} "
        f"FROM {source}) s ON s.id = p.pinned_id",
        {**ours, "true": True},
    )


def _lock_rankings(cursor: CursorWrapper) -> None:
    """One writer of the rankings at a time (PostgreSQL); released when the transaction ends."""
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RANKINGS_ADVISORY_LOCK])


def _public_sql() -> str:
    return "a.status = 'published' AND a.published_at <= %(now)s"


def _discussion_table(
    cursor: CursorWrapper, *, name: str, windows: dict, since: str, params: dict
) -> None:
    """A temporary table of the discussion figures per article (empty without discussions)."""
    cursor.execute(f"DROP TABLE IF EXISTS {name}")
    if _discussion_figures:
        select = _discussion_figures[0](windows, since)
    else:
        columns = ", ".join(
            f"0 AS participants_{w}, 0 AS replies_{w}, published_at AS last_comment_{w}"
            for w in windows
        )
        select = f"SELECT id AS article_id, {columns} FROM {Article._meta.db_table} WHERE 1 = 0"  # noqa: S608
    cursor.execute(f"CREATE TEMPORARY TABLE {name} AS {select}", params)


def _discussed_sql(suffix: str, *, decayed: bool) -> tuple[str, str]:
    """Discussed's score and decay for one window's columns."""
    score = _float(f"participants{suffix} + {REPLY_WEIGHT} * replies{suffix}")
    if not decayed:
        return score, "1.0"
    hours = _hours_since_sql(f"last_comment{suffix}")
    return score, f"1.0 / POWER({hours} + {AGE_OFFSET_HOURS}, {DISCUSSION_GRAVITY})"


def _rank_windows(cursor: CursorWrapper, *, since: dict, params: dict, pins: Pins) -> None:
    """Both rankings for each window of `since` (the day, the week, the month), from one sum of
    the statistics of the longest and one pass over its comments."""
    longest = max(since, key=lambda period: PERIOD_DAYS[period])
    columns = (("views", "views"), ("engaged_reads", "engaged_reads"))
    columns += (("comments", "comments"), ("votes", "votes"))
    windows = ", ".join(
        f"SUM(CASE WHEN s.date >= %(since_{p})s THEN s.{column} ELSE 0 END) AS {term}_{p}"
        for p in since
        for term, column in columns
    )
    present = ", ".join(
        f"MAX(CASE WHEN s.date >= %(since_{p})s THEN 1 ELSE 0 END) AS in_{p}" for p in since
    )
    talk = ", ".join(
        f"COALESCE(t.participants_{p}, 0) AS participants_{p}, "
        f"COALESCE(t.replies_{p}, 0) AS replies_{p}, t.last_comment_{p}"
        for p in since
    )
    starts = {p: f"%(start_{p})s" for p in since}
    _discussion_table(
        cursor, name="ranking_talk", windows=starts, since=f"%(start_{longest})s", params=params
    )
    cursor.execute("DROP TABLE IF EXISTS ranking_window")
    cursor.execute(
        f"CREATE TEMPORARY TABLE ranking_window AS SELECT a.id, a.published_at, w.*, {talk} FROM "  # noqa: S608
        f"(SELECT s.article_id, {windows}, {present} "
        f"FROM {ArticleDailyStats._meta.db_table} s "
        f"WHERE s.date >= %(since_{longest})s GROUP BY s.article_id) w "
        f"JOIN {Article._meta.db_table} a ON a.id = w.article_id "
        "LEFT JOIN ranking_talk t ON t.article_id = w.article_id "
        f"WHERE {_public_sql()}",
        params,
    )
    age = _hours_since_sql("published_at")
    for p in since:
        engagement = _float(
            f"views_{p} + {ENGAGED_READ_WEIGHT} * engaged_reads_{p} + {COMMENT_WEIGHT} * "
            f"comments_{p} + {VOTE_WEIGHT} * votes_{p}"
        )
        gravity = f"1.0 / POWER({age} + {AGE_OFFSET_HOURS}, {GRAVITY})"
        discussed, discussed_decay = _discussed_sql(f"_{p}", decayed=True)
        orders = (
            (Ranking.TRENDING, engagement, gravity, f"in_{p} = 1"),
            (Ranking.DISCUSSED, discussed, discussed_decay, f"participants_{p} > 0"),
        )
        _insert_ranked(
            cursor, period=p, source="ranking_window", orders=orders, params=params, pins=pins
        )
    cursor.execute("DROP TABLE ranking_window")
    cursor.execute("DROP TABLE ranking_talk")


def _rank_all_time(cursor: CursorWrapper, *, params: dict, pins: Pins) -> None:
    """Both all-time rankings, from the articles' own counters."""
    cursor.execute("DROP TABLE IF EXISTS ranking_all")
    cursor.execute(
        "CREATE TEMPORARY TABLE ranking_all AS SELECT a.id, a.published_at, "  # noqa: S608
        "a.views_count AS views, 0 AS engaged_reads, a.comments_count AS comments, "
        "a.score AS votes, a.participants_count AS participants, "
        f"a.replies_count AS replies FROM {Article._meta.db_table} a "
        f"WHERE {_public_sql()}",
        params,
    )
    engagement = _float(f"views + {COMMENT_WEIGHT} * comments + {VOTE_WEIGHT} * votes")
    discussed, decay = _discussed_sql("", decayed=False)
    orders = (
        (Ranking.TRENDING, engagement, "1.0", "1 = 1"),
        (Ranking.DISCUSSED, discussed, decay, "participants > 0"),
    )
    _insert_ranked(
        cursor, period=Period.ALL, source="ranking_all", orders=orders, params=params, pins=pins
    )
    cursor.execute("DROP TABLE ranking_all")


def _window_params(now: datetime.datetime) -> dict:
    """The first day of each window (for the daily statistics) and its first moment (for the
    comments), in the site's time zone."""
    today = timezone.localdate(now)
    # As the database compares them with its columns: SQLite compares text, so a moment must be
    # written in UTC as its columns are (the local midnight as "...+03:00" came after every
    # comment of the three hours before it).
    moment = connection.ops.adapt_datetimefield_value
    params: dict = {"now": moment(now)}
    for period, days in PERIOD_DAYS.items():
        if days is None:
            continue
        day = today - datetime.timedelta(days=days - 1)
        params[f"since_{period}"] = day
        params[f"start_{period}"] = moment(
            timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
        )
    return params


def rebuild_rankings(periods: Collection[str] | None = None) -> None:
    """Recompute both rankings of every period (or of just these) into RankingEntry, each entry
    with its terms.

    Trending ranks an article by its engagement inside the period, E = views + 3 x engaged reads
    + 5 x comments + 3 x votes (net), times the decay 1 / (age in hours + 2) ^ 1.8, the gravity of
    Hacker News: a fresh article with a little engagement beats an old one with more. "All time"
    has no window and no decay: views + 5 x comments + 3 x votes from the article's counters.

    Discussed ranks by D = participants + 2 x replies inside the period, where participants are
    the distinct members with a visible comment in it and replies the visible comments in it that
    answer another member's comment (answering oneself is a monologue: not counted), times the
    decay 1 / (hours since the period's last comment + 2) ^ 0.8; "all time" undecayed.
    Ties go to the newer article, then the higher id, so the order is always the same.

    Then the editors' decisions in force (articles.steering): a boosted article's rank is
    multiplied by its factor, buried and pinned ones leave the natural order, and each pinned
    one is put at its place. Expired decisions are simply not read.

    The daily statistics and the comments of the last month are each read once for all three
    windows into temporary tables; each ranking is then one INSERT ... SELECT of its best rows.
    An editor's decision rebuilds just its period: a day's takes a fraction of the whole.
    """
    now = timezone.now()
    params = _window_params(now)
    periods = set(periods or Period.values)
    since = {p: params[f"since_{p}"] for p, days in PERIOD_DAYS.items() if days and p in periods}
    with transaction.atomic(), connection.cursor() as cursor:
        # One rebuild at a time; a second waits, then rebuilds from fresher data.
        _lock_rankings(cursor)
        if connection.vendor == "postgresql":
            # Compiling these short queries costs more than running them, and the month's
            # aggregate should sort in memory rather than spill to disk.
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '64MB'")
        RankingEntry.objects.filter(period__in=periods).delete()
        pins = _steering_table(cursor, now=now)
        if since:
            _rank_windows(cursor, since=since, params=params, pins=pins)
        if Period.ALL in periods:
            _rank_all_time(cursor, params=params, pins=pins)
        cursor.execute("DROP TABLE ranking_steer")


def withdraw(article_ids: Iterable[int]) -> None:
    """Take these articles off every ranking at once, inside the caller's transaction."""
    with connection.cursor() as cursor:
        # A rebuild running now would put them back from its older snapshot: wait for it, and
        # make the next one wait for this transaction.
        _lock_rankings(cursor)
    RankingEntry.objects.filter(article_id__in=article_ids).delete()
