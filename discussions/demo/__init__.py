"""Demo discussions: members, the hand-written threads under the hand-written demo articles, and
votes on them.

The data lives beside this module: `members.toml` (the members, and the phrases of the
discussions generated under synthetic articles, see `generated.py`) and `comments/<slug>.toml`,
the comments under one hand-written article in the order they were written. Each comment has an
`author` (a member's username) and a `body`; a reply names the `id` of the comment it answers in
`reply_to`; `reports` lists members' reports on it (`by`, `reason`, `details`), which the
moderation queue shows.

Comments go through the services, so counters, daily statistics and notifications stay exactly as
real use would leave them; votes are written in bulk and the counters then recounted from the rows.
Only the hand-written demo articles (by slug and demo author) get these threads: an article an
editor wrote is never touched. Safe to run again: an article that already has demo comments or
votes is left alone, and members are created only once.
"""

import datetime
import random
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from articles import demo as article_demo
from articles.models import Article, Rubric
from articles.services import add_daily_stats

from .. import services
from ..models import ArticleVote, Comment, CommentVote

DEMO_PASSWORD = "member-demo-123"
ARTICLE_VOTE_SHARE = 0.45  # of the members, on each article
COMMENT_VOTE_SHARE = 0.3  # of the members, on each comment


@dataclass(frozen=True)
class DemoComment:
    author: str
    body: str
    id: str | None = None
    reply_to: str | None = None
    # Members' reports on it, for the moderation queue: [{by, reason, details}].
    reports: tuple = ()


@cache
def community() -> dict:
    """members.toml as a dict: "members" and "generated" (the phrases of generated comments)."""
    return tomllib.loads(files(__name__).joinpath("members.toml").read_text(encoding="utf-8"))


MEMBERS = [(item["username"], item["display_name"]) for item in community()["members"]]


@cache
def threads() -> dict[str, tuple[DemoComment, ...]]:
    """The hand-written comments by article slug, in the order they were written."""
    folder = files(__name__).joinpath("comments")
    found = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".toml"):
            data = tomllib.loads(entry.read_text(encoding="utf-8"))
            found[entry.name.removesuffix(".toml")] = tuple(
                DemoComment(**item) for item in data["comments"]
            )
    return found


def ensure_members() -> list:
    """The demo members, created with verified emails when missing."""
    User = get_user_model()
    members = []
    for username, display_name in MEMBERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "email": f"{username}@example.com",
                "display_name": display_name,
                # Demo members write a lot; their inboxes are not real.
                "notify_replies": False,
                "notify_article_comments": False,
            },
        )
        if created:
            user.date_joined = timezone.now() - datetime.timedelta(days=90)
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password", "date_joined"])
            EmailAddress.objects.get_or_create(
                user=user, email=user.email, defaults={"verified": True, "primary": True}
            )
        members.append(user)
    return members


def undiscussed(articles, members: list):
    """Those of the articles without a comment or a vote by a demo member."""
    return articles.exclude(
        Exists(Comment.objects.filter(article=OuterRef("pk"), author__in=members))
    ).exclude(Exists(ArticleVote.objects.filter(article=OuterRef("pk"), user__in=members)))


def moments(start: datetime.datetime, count: int, rng: random.Random) -> list:
    """`count` increasing moments from `start` on, the last a few minutes before now at most."""
    span = max((timezone.now() - start).total_seconds() - 300, 0)
    # Most comments come in the first days after publication, as on a real blog.
    offsets = sorted(span * rng.random() ** 2.5 for _ in range(count))
    return [start + datetime.timedelta(seconds=offset) for offset in offsets]


def planned_votes(
    *, article: Article, comments: list[Comment], members: list, rng: random.Random, share: float
) -> tuple[list[ArticleVote], list[CommentVote]]:
    """Unsaved votes of the members on the article and its comments, never on their own."""
    article_votes, comment_votes = [], []
    for member in members:
        if member.pk != article.author_id and rng.random() < share * ARTICLE_VOTE_SHARE:
            value = 1 if rng.random() < 0.85 else -1
            article_votes.append(ArticleVote(user=member, article=article, value=value))
        for comment in comments:
            if comment.author_id != member.pk and rng.random() < share * COMMENT_VOTE_SHARE:
                value = 1 if rng.random() < 0.75 else -1
                comment_votes.append(
                    CommentVote(user=member, comment=comment, article=article, value=value)
                )
    return article_votes, comment_votes


def _discuss(article: Article, thread: tuple[DemoComment, ...], members: dict, rng) -> int:
    """Post the hand-written comments under the article; returns how many."""
    posted: dict[str, Comment] = {}
    for item, moment in zip(thread, moments(article.published_at, len(thread), rng), strict=True):
        comment = services.create_comment(
            article=article,
            author=members[item.author],
            body=item.body,
            parent=posted[item.reply_to] if item.reply_to else None,
            send_email=False,
            created_at=moment,
        )
        if item.id:
            posted[item.id] = comment
        for report in item.reports:
            services.report_comment(
                comment=comment,
                reporter=members[report["by"]],
                reason=report["reason"],
                details=report.get("details", ""),
            )
    return len(thread)


def _vote(article: Article, members: list, rng: random.Random) -> int:
    """Members' votes on the article and its comments, written in bulk; returns how many.

    A thousand votes through cast_vote() take seconds; the counters they would move are set from
    the rows by recount_counters() afterwards, which leaves them exactly as cast_vote() would.
    """
    comments = list(Comment.objects.filter(article=article).only("id", "author_id"))
    article_votes, comment_votes = planned_votes(
        article=article, comments=comments, members=members, rng=rng, share=1.0
    )
    ArticleVote.objects.bulk_create(article_votes)
    CommentVote.objects.bulk_create(comment_votes)
    add_daily_stats(
        article_id=article.pk,
        date=timezone.localdate(),
        votes=sum(vote.value for vote in article_votes),
    )
    return len(article_votes) + len(comment_votes)


def load_demo_discussions() -> dict[str, int]:
    """Add demo members, then threads and votes to the hand-written demo articles without them."""
    members = ensure_members()
    by_username = {member.username: member for member in members}
    totals = {"members": len(members), "articles": 0, "comments": 0, "votes": 0}
    authors = [item["username"] for item in article_demo.site()["authors"]]
    hand_written = Article.objects.published().filter(
        slug__in=list(threads()), author__username__in=authors
    )
    for article in undiscussed(hand_written, members).order_by("published_at"):
        rng = random.Random(article.slug)
        with transaction.atomic():
            totals["comments"] += _discuss(article, threads()[article.slug], by_username, rng)
            totals["votes"] += _vote(article, members, rng)
        totals["articles"] += 1
    if totals["votes"]:
        services.recount_counters()
    _demo_follows(authors)
    return totals


def _demo_follows(authors: list[str]) -> None:
    """The demo member follows the first rubric and the first demo author, so "Моя лента" has
    something to show; following again changes nothing."""
    member = get_user_model().objects.filter(username="member").first()
    author = get_user_model().objects.filter(username__in=authors[:1]).first()
    rubric = Rubric.objects.first()
    for target in (rubric, author):
        if member is not None and target is not None:
            services.set_follow(member=member, target=target, following=True)
