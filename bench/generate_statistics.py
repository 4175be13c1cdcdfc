"""Statistics for bench/generate.py: the daily rows (views, and the comments and votes `Site`
counted per day), then every denormalised counter set with set-based SQL and checked by the
discussions app's own recount."""

import datetime
import io
import math
import re
from collections import defaultdict

from generate_common import Progress, Site, Timings, copy_rows


def make_daily_stats(cursor, rng, site: Site, now: float, tz, timings: Timings):
    """Views by day: a launch spike decaying over a few weeks, then occasional readers."""
    articles = len(site.article_published)
    today = datetime.datetime.fromtimestamp(now, tz).toordinal()
    dates: dict[int, datetime.date] = {}
    by_article = defaultdict(dict)
    for (article_id, day), pair in site.daily.items():
        by_article[article_id][day] = pair
    site.daily.clear()

    def date_of(ordinal: int) -> datetime.date:
        if ordinal not in dates:
            dates[ordinal] = datetime.date.fromordinal(ordinal)
        return dates[ordinal]

    def rows():
        for index in range(articles):
            article_id = index + 1
            weight = site.article_weight[index]
            first = datetime.datetime.fromtimestamp(site.article_published[index], tz).toordinal()
            peak = 40 * weight * rng.uniform(0.5, 1.5)
            tail_chance = min(0.9, 0.12 * math.sqrt(weight))
            extra = by_article.pop(article_id, {})
            for day in range(first, today + 1):
                age = day - first
                views = int(peak * 0.8**age)
                if views < 1 and rng.random() < tail_chance:
                    views = 1 + int(rng.expovariate(0.5))
                comments, votes = extra.get(day, (0, 0))
                if comments or votes:
                    # Whoever commented or voted that day had read the article that day.
                    views = max(views, 2 * comments + abs(votes) + 1)
                if views:
                    yield (article_id, date_of(day), views, comments, votes)

    estimate = int(articles * 55)
    progress = Progress("daily stats", estimate)
    columns = ["article_id", "date", "views", "comments", "votes"]
    written = copy_rows(cursor, "articles_articledailystats", columns, rows(), progress)
    timings.add("daily stats", progress.close())
    return written


COUNTERS_SQL = [
    (
        "articles",
        """
        UPDATE articles_article a SET
            views_count = COALESCE(s.views, 0),
            comments_count = COALESCE(c.visible, 0),
            participants_count = COALESCE(c.participants, 0),
            replies_count = COALESCE(c.replies, 0),
            score = COALESCE(v.score, 0)
        FROM articles_article a2
        LEFT JOIN (SELECT article_id, SUM(views) AS views FROM articles_articledailystats
                   GROUP BY article_id) s ON s.article_id = a2.id
        LEFT JOIN (SELECT article_id, COUNT(*) AS visible,
                          COUNT(DISTINCT author_id) AS participants,
                          COUNT(*) FILTER (WHERE answers_other) AS replies
                   FROM discussions_comment
                   WHERE status = 'visible' GROUP BY article_id) c ON c.article_id = a2.id
        LEFT JOIN (SELECT article_id, SUM(value) AS score FROM discussions_articlevote
                   GROUP BY article_id) v ON v.article_id = a2.id
        WHERE a.id = a2.id
        """,
    ),
    (
        "comments",
        """
        UPDATE discussions_comment c SET
            upvotes = v.up, downvotes = v.down, score = v.up - v.down
        FROM (SELECT comment_id, COUNT(*) FILTER (WHERE value = 1) AS up,
                     COUNT(*) FILTER (WHERE value = -1) AS down
              FROM discussions_commentvote GROUP BY comment_id) v
        WHERE c.id = v.comment_id
        """,
    ),
    (
        "members",
        """
        UPDATE accounts_user u SET
            comments_count = COALESCE(c.visible, 0),
            score = COALESCE(c.score, 0) + COALESCE(a.score, 0)
        FROM accounts_user u2
        LEFT JOIN (SELECT author_id, COUNT(*) FILTER (WHERE status = 'visible') AS visible,
                          SUM(score) AS score
                   FROM discussions_comment GROUP BY author_id) c ON c.author_id = u2.id
        LEFT JOIN (SELECT author_id, SUM(score) AS score FROM articles_article
                   GROUP BY author_id) a ON a.author_id = u2.id
        WHERE u.id = u2.id
          AND (COALESCE(c.visible, 0) <> 0 OR COALESCE(c.score, 0) <> 0
               OR COALESCE(a.score, 0) <> 0)
        """,
    ),
]


def set_counters(cursor, timings: Timings) -> None:
    for label, statement in COUNTERS_SQL:
        with timings.step(f"counters: {label}"):
            cursor.execute(statement)


def verify_counters(timings: Timings) -> str:
    """Let the discussions app's own recount judge the counters: it must find nothing to fix."""
    from django.core.management import call_command

    output = io.StringIO()
    with timings.step("verify: manage.py recount_counters"):
        call_command("recount_counters", stdout=output)
    report = output.getvalue().strip()
    # "Recounted. Rows that were wrong: 0 comments, 0 articles, 0 members."
    if any(int(n) for n in re.findall(r"\d+", report)):
        raise SystemExit(f"Counters disagree with recount_counters: {report}")
    return report
