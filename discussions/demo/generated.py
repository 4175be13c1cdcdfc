"""Discussions under the synthetic articles of `load_demo --articles N`, written in bulk.

Each generated article gets a few short threads from the phrases in members.toml, dated after
its publication, and a few votes; then the counters are set from the rows by recount_counters(),
and each comment counts in its day's statistics. Only generated articles (by slug prefix and demo
author) are touched, and each only once.
"""

import random
from collections import Counter

from django.db import transaction
from django.utils import timezone

from articles import demo as article_demo
from articles.demo.generated import GENERATED_PREFIX
from articles.models import Article, ArticleDailyStats

from .. import services
from ..markup import render_comment
from ..models import MAX_DEPTH, ArticleVote, Comment, CommentVote
from ..versions import bump_thread_version
from . import community, ensure_members, moments, planned_votes, undiscussed

BATCH_ARTICLES = 500
VOTE_SHARE = 0.25  # generated articles draw fewer votes than the hand-written ones
BULK_SIZE = 2000


def plan_thread(article: Article, members: list, rng: random.Random) -> list[Comment]:
    """Unsaved short threads under one article, openers and replies, in the order written."""
    phrases = community()["generated"]
    openers = rng.sample(phrases["openers"], rng.choice([0, 0, 0, 1, 1, 2, 3]))
    replies = rng.sample(phrases["replies"], len(phrases["replies"]))
    plan = []
    for opener in openers:
        last = None
        for body in [opener, *(replies.pop() for _ in range(rng.choice([0, 0, 1, 2])))]:
            # A reply answers the previous comment of its thread, by someone else.
            author = rng.choice([m for m in members if last is None or m != last.author])
            depth = 0 if last is None else min(last.depth + 1, MAX_DEPTH)
            last = Comment(
                article=article,
                author=author,
                parent=last,
                depth=depth,
                body=body,
                answers_other=last is not None,
            )
            plan.append(last)
    for comment, moment in zip(plan, moments(article.published_at, len(plan), rng), strict=True):
        comment.created_at = moment
    return plan


def _save(plan: list[Comment]) -> None:
    """Insert the comments level by level, so a parent has its id before its replies go in."""
    html = {}
    for comment in plan:
        if comment.body not in html:
            html[comment.body] = render_comment(comment.body)
        comment.body_html = html[comment.body]
    for depth in range(MAX_DEPTH + 1):
        level = [comment for comment in plan if comment.depth == depth]
        Comment.objects.bulk_create(level, batch_size=BULK_SIZE)


def _count_days(comments: list[Comment], article_votes: list[ArticleVote]) -> None:
    """Add the comments of each day and today's net votes to the daily statistics."""
    today = timezone.localdate()
    comments_on = Counter((c.article_id, timezone.localdate(c.created_at)) for c in comments)
    votes_on = Counter()
    for vote in article_votes:
        votes_on[(vote.article_id, today)] += vote.value
    rows = [
        ArticleDailyStats(
            article_id=article_id,
            date=date,
            comments=comments_on[(article_id, date)],
            votes=votes_on[(article_id, date)],
        )
        for article_id, date in comments_on.keys() | votes_on.keys()
    ]
    # These articles had no discussion yet, so the day's comments and votes were zero: setting
    # them is adding to them, and a day without a row gets one with no views.
    ArticleDailyStats.objects.bulk_create(
        rows,
        batch_size=BULK_SIZE,
        update_conflicts=True,
        unique_fields=["article", "date"],
        update_fields=["comments", "votes"],
    )


def _discuss_batch(articles: list[Article], members: list) -> dict[str, int]:
    """Comments and votes under a batch of generated articles; returns how many of each."""
    plan, article_votes, comment_votes = [], [], []
    for article in articles:
        rng = random.Random(article.slug)
        thread = plan_thread(article, members, rng)
        votes = planned_votes(
            article=article, comments=thread, members=members, rng=rng, share=VOTE_SHARE
        )
        plan.extend(thread)
        article_votes.extend(votes[0])
        comment_votes.extend(votes[1])
    _save(plan)
    # Each vote's comment has its id now; bulk_create takes it from the saved comment.
    ArticleVote.objects.bulk_create(article_votes, batch_size=BULK_SIZE)
    CommentVote.objects.bulk_create(comment_votes, batch_size=BULK_SIZE)
    _count_days(plan, article_votes)
    discussed = {c.article_id for c in plan} | {v.article_id for v in article_votes}
    for article_id in {comment.article_id for comment in plan}:
        bump_thread_version(article_id)
    return {
        "articles": len(discussed),
        "comments": len(plan),
        "votes": len(article_votes) + len(comment_votes),
    }


def load_generated_discussions() -> dict[str, int]:
    """Discussions under the generated articles that have none yet; returns what was added."""
    members = ensure_members()
    authors = [item["username"] for item in article_demo.site()["authors"]]
    generated = Article.objects.published().filter(
        slug__startswith=GENERATED_PREFIX, author__username__in=authors
    )
    pending = list(
        undiscussed(generated, members)
        .order_by("pk")
        .only("pk", "slug", "author_id", "published_at")
    )
    totals = Counter(articles=0, comments=0, votes=0)
    for start in range(0, len(pending), BATCH_ARTICLES):
        with transaction.atomic():
            totals.update(_discuss_batch(pending[start : start + BATCH_ARTICLES], members))
    if totals["votes"] or totals["comments"]:
        services.recount_counters()
    return dict(totals)
