"""The denormalised counters: moved with F() in the transaction of the change they count, and
recounted from the rows by `recount_counters` (the management command of the same name).

Locks are taken in one order everywhere (comment, article, member, daily statistics), so
concurrent writers never deadlock.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from articles.models import Article
from articles.services import add_daily_stats
from discussions.models import ArticleVote, Comment, CommentVote, Report
from discussions.versions import bump_thread_version


def count_comment(*, comment: Comment, delta: int) -> None:
    """Move the visible-comment counters of the article, the author and the day by delta, and
    count the article's participants and replies again."""
    article = Article.objects.filter(pk=comment.article_id)
    article.update(comments_count=F("comments_count") + delta)
    # A second statement, once the first holds the article's row lock: PostgreSQL gives it a new
    # snapshot, so it sees the comments of whoever changed this thread and committed before us.
    article.update(**_talk_counts())
    get_user_model().objects.filter(pk=comment.author_id).update(
        comments_count=F("comments_count") + delta
    )
    add_daily_stats(
        article_id=comment.article_id,
        date=timezone.localdate(comment.created_at),
        comments=delta,
    )


def count_vote(*, target: Article | Comment, previous: int, value: int, up_and_down: bool) -> None:
    """Move the target's score (and its up and down counts, when it keeps them) and its
    author's score from the previous vote to the new one."""
    delta = value - previous
    changes = {"score": F("score") + delta}
    if up_and_down:
        changes["upvotes"] = F("upvotes") + int(value == 1) - int(previous == 1)
        changes["downvotes"] = F("downvotes") + int(value == -1) - int(previous == -1)
    type(target).objects.filter(pk=target.pk).update(**changes)
    get_user_model().objects.filter(pk=target.author_id).update(score=F("score") + delta)


def count_report(*, comment: Comment) -> int:
    """Count one more report on the comment; returns how many it has now."""
    reports = Comment.objects.filter(pk=comment.pk)
    reports.update(reports_count=F("reports_count") + 1)
    comment.reports_count = reports.values_list("reports_count", flat=True).get()
    return comment.reports_count


def _count_of(queryset: models.QuerySet, field: str, *, distinct: str = "") -> Coalesce:
    counted = Count(distinct, distinct=True) if distinct else Count("pk")
    return Coalesce(
        Subquery(
            queryset.filter(**{field: OuterRef("pk")})
            .order_by()
            .values(field)
            .annotate(n=counted)
            .values("n"),
            output_field=IntegerField(),
        ),
        Value(0),
    )


def _sum_of(queryset: models.QuerySet, field: str, column: str) -> Coalesce:
    return Coalesce(
        Subquery(
            queryset.filter(**{field: OuterRef("pk")})
            .order_by()
            .values(field)
            .annotate(total=Sum(column))
            .values("total"),
            output_field=IntegerField(),
        ),
        Value(0),
    )


def _talk_counts() -> dict[str, Coalesce]:
    """An article's participants (distinct members with a visible comment) and replies (visible
    comments answering another member's comment, whatever became of it), from its comments."""
    visible = Comment.objects.filter(status=Comment.Status.VISIBLE)
    return {
        "participants_count": _count_of(visible, "article", distinct="author"),
        "replies_count": _count_of(visible.filter(answers_other=True), "article"),
    }


def _real_counts() -> list[tuple[str, type[models.Model], dict[str, Coalesce]]]:
    """For each table with counters: its label, model and each counter computed from the rows."""
    visible = Comment.objects.filter(status=Comment.Status.VISIBLE)
    comments = {
        "score": _sum_of(CommentVote.objects, "comment", "value"),
        "upvotes": _count_of(CommentVote.objects.filter(value=1), "comment"),
        "downvotes": _count_of(CommentVote.objects.filter(value=-1), "comment"),
        "reports_count": _count_of(Report.objects, "comment"),
    }
    articles = {
        "comments_count": _count_of(visible, "article"),
        **_talk_counts(),
        "score": _sum_of(ArticleVote.objects, "article", "value"),
    }
    users = {
        "comments_count": _count_of(visible, "author"),
        "score": _sum_of(Comment.objects, "author", "score")
        + _sum_of(Article.objects, "author", "score"),
    }
    return [
        ("comments", Comment, comments),
        ("articles", Article, articles),
        ("users", get_user_model(), users),
    ]


def _fix(model: type[models.Model], real: dict[str, Coalesce]) -> list[int]:
    """Set the counters that differ from the rows' count; returns the ids of the rows fixed."""
    annotated = model.objects.annotate(**{f"real_{name}": expr for name, expr in real.items()})
    wrong = Q()
    for name in real:
        wrong |= ~Q(**{name: F(f"real_{name}")})
    ids = list(annotated.filter(wrong).values_list("pk", flat=True))
    if ids:
        model.objects.filter(pk__in=ids).update(**real)
    return ids


def recount_counters() -> dict[str, int]:
    """Recompute every denormalised counter from the rows; returns how many rows were wrong."""
    fixed = {}
    with transaction.atomic():
        for label, model, real in _real_counts():
            ids = _fix(model, real)
            fixed[label] = len(ids)
            if model is Comment:
                article_ids = Comment.objects.filter(pk__in=ids).values_list(
                    "article_id", flat=True
                )
                for article_id in set(article_ids):
                    bump_thread_version(article_id)
    return fixed
