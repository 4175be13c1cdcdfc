"""Votes on articles and on comments: one path for both, with what differs in a VoteKind."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from articles.models import Article
from articles.services import add_daily_stats
from discussions.models import ArticleVote, Comment, CommentVote
from discussions.versions import bump_thread_version

from .counters import count_vote
from .notifications import notify_vote
from .permissions import require_member, require_open, require_public

if TYPE_CHECKING:
    from accounts.models import User


@dataclass(frozen=True)
class VoteResult:
    score: int
    value: int


@dataclass(frozen=True)
class VoteKind:
    """What differs between a vote on an article and a vote on a comment."""

    vote_model: type[ArticleVote | CommentVote]
    field: str  # the vote's key to what it is for
    own: Promise  # why the author may not vote on their own
    # A comment's vote is part of its discussion: refused once it is closed or the comment hidden.
    in_discussion: bool
    counts_up_and_down: bool
    # What a changed vote sets off: (target, voter, value, previous).
    after: Callable[[Article | Comment, User, int, int], None]


def _after_article_vote(article: Article, voter: User, value: int, previous: int) -> None:
    # Only article votes feed the trending rank, as Article.score does for "all time".
    add_daily_stats(article_id=article.pk, date=timezone.localdate(), votes=value - previous)


def _after_comment_vote(comment: Comment, voter: User, value: int, previous: int) -> None:
    bump_thread_version(comment.article_id)
    if previous == 0:
        notify_vote(comment=comment, voter=voter, value=value)


ARTICLE_VOTES = VoteKind(
    vote_model=ArticleVote,
    field="article",
    own=gettext_lazy("За свою статью голосовать нельзя."),
    in_discussion=False,
    counts_up_and_down=False,
    after=_after_article_vote,
)
COMMENT_VOTES = VoteKind(
    vote_model=CommentVote,
    field="comment",
    own=gettext_lazy("За свой комментарий голосовать нельзя."),
    in_discussion=True,
    counts_up_and_down=True,
    after=_after_comment_vote,
)


def _check(kind: VoteKind, user: User, target: Article | Comment) -> None:
    """Refuse a vote on one's own work, under an unpublished article or a closed discussion."""
    if target.author_id == user.pk:
        raise PermissionDenied(str(kind.own))
    if kind.in_discussion:
        require_open(target.article)
    else:
        require_public(target)


def _lock(kind: VoteKind, target: Article | Comment) -> None:
    """Lock the target's row, so every vote on one item runs one after another."""
    status = (
        type(target)
        .objects.select_for_update(no_key=True)
        .filter(pk=target.pk)
        .values_list("status", flat=True)
        .get()
    )
    if kind.in_discussion and status != Comment.Status.VISIBLE:
        raise ValidationError(
            _("За скрытый или удалённый комментарий голосовать нельзя."), code="not_visible"
        )


def _store(kind: VoteKind, user: User, target: Article | Comment, value: int) -> int:
    """Create, change or delete the member's vote row; returns the previous value (0: none)."""
    vote = kind.vote_model.objects.filter(user=user, **{kind.field: target}).first()
    previous = vote.value if vote else 0
    if previous == value:
        return previous
    if value == 0:
        vote.delete()
    elif vote is not None:
        vote.value = value
        vote.save(update_fields=["value"])
    else:
        kind.vote_model.objects.create(user=user, value=value, **{kind.field: target})
    return previous


def cast_vote(*, user: User, target: Article | Comment, value: int) -> VoteResult:
    """Vote +1 or -1 on an article or a comment, change the vote, or take it back with 0.

    The target's row is locked first, so every vote on one item runs one after another: a double
    click can neither create two votes nor count one twice.
    """
    if value not in (-1, 0, 1):
        raise ValidationError(_("Голос может быть только +1 или −1."), code="invalid_value")
    require_member(user)
    kind = COMMENT_VOTES if isinstance(target, Comment) else ARTICLE_VOTES
    _check(kind, user, target)
    try:
        with transaction.atomic():
            _lock(kind, target)
            previous = _store(kind, user, target, value)
            if previous != value:
                count_vote(
                    target=target,
                    previous=previous,
                    value=value,
                    up_and_down=kind.counts_up_and_down,
                )
                kind.after(target, user, value, previous)
            score = type(target).objects.filter(pk=target.pk).values_list("score", flat=True).get()
    except IntegrityError as error:
        # Only reachable if the row lock is bypassed; still an answer the member can act on.
        raise ValidationError(_("Голос не учтён: попробуйте ещё раз."), code="duplicate") from error
    target.score = score
    return VoteResult(score=score, value=value)
