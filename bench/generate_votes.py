"""Votes for bench/generate.py: on articles by popularity, on comments by a long-tailed share
(busy threads and the bench article's more), never by the item's own author."""

import datetime
import random
from array import array

from generate_common import Progress, Site, Timings, allocate, copy_rows, delay_after

ARTICLE_VOTE_SHARE = 0.3
MAX_COMMENT_VOTES = 400


def voters(rng: random.Random, members: int, k: int, exclude: int) -> list[int]:
    """k distinct members (one vote per member and item), never the item's own author."""
    chosen = rng.sample(range(1, members + 1), k=min(k + 1, members))
    return [user for user in chosen if user != exclude][:k]


def make_article_votes(cursor, rng, site: Site, total: int, now: float, tz, timings: Timings):
    """`total` article votes, the popular articles' more; `site` learns each day's net votes."""
    per_article = allocate(total, [w**1.2 for w in site.article_weight], site.members // 2, rng)

    def rows():
        for index, count in enumerate(per_article):
            article_id = index + 1
            liking = 0.75 + 0.2 * rng.random()
            for user in voters(rng, site.members, count, site.article_author[index]):
                value = 1 if rng.random() < liking else -1
                created = delay_after(rng, site.article_published[index], now, 2.0)
                when = datetime.datetime.fromtimestamp(created, tz)
                site.daily[(article_id, when.toordinal())][1] += value
                yield (value, when, article_id, user)

    progress = Progress("article votes", total)
    columns = ["value", "created_at", "article_id", "user_id"]
    copy_rows(cursor, "discussions_articlevote", columns, rows(), progress)
    timings.add("article votes", progress.close())


def comment_vote_counts(rng: random.Random, site: Site, total: int) -> list[int]:
    """Votes per comment: most get none or a few, some get dozens; busy threads more."""
    if not site.comment_created:
        return []
    weights = array("d")
    for index, size in enumerate(site.comment_count):
        boost = 4.0 if index == site.bench_article_id - 1 else 1.0
        for _ in range(size):
            weights.append(rng.paretovariate(1.3) * boost)
    return allocate(total, weights, MAX_COMMENT_VOTES, rng)


def make_comment_votes(cursor, rng, site: Site, total: int, now: float, tz, timings: Timings):
    """`total` comment votes, each a little after its comment."""
    per_comment = comment_vote_counts(rng, site, total)

    def rows():
        for index, count in enumerate(per_comment):
            if not count:
                continue
            created = site.comment_created[index]
            liking = 0.7 + 0.25 * rng.random()
            for user in voters(rng, site.members, count, site.comment_author[index]):
                value = 1 if rng.random() < liking else -1
                when = datetime.datetime.fromtimestamp(delay_after(rng, created, now, 0.5), tz)
                yield (value, when, index + 1, site.comment_article[index], user)

    progress = Progress("comment votes", total)
    columns = ["value", "created_at", "comment_id", "article_id", "user_id"]
    copy_rows(cursor, "discussions_commentvote", columns, rows(), progress)
    timings.add("comment votes", progress.close())


def make_votes(cursor, rng, site: Site, votes: int, now: float, tz, timings: Timings):
    """`votes` votes in all, ARTICLE_VOTE_SHARE of them on articles."""
    article_votes = int(votes * ARTICLE_VOTE_SHARE)
    make_article_votes(cursor, rng, site, article_votes, now, tz, timings)
    make_comment_votes(cursor, rng, site, votes - article_votes, now, tz, timings)
