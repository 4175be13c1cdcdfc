"""The rankings ("Сейчас в тренде", "Обсуждаемое") as stored by articles.ranking."""

import datetime
from typing import NamedTuple

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .article import Article


class Ranking(models.TextChoices):
    TRENDING = "trending", _("Сейчас в тренде")
    DISCUSSED = "discussed", _("Обсуждаемое")


class Period(models.TextChoices):
    DAY = "day", _("за день")
    WEEK = "week", _("за неделю")
    MONTH = "month", _("за месяц")
    ALL = "all", _("за всё время")


PERIOD_DAYS = {Period.DAY: 1, Period.WEEK: 7, Period.MONTH: 30, Period.ALL: None}


# What a sidebar link shows of a ranked article.
SIDEBAR_LINK_FIELDS = (
    "position article__title article__slug article__excerpt article__series_number "
    "article__series__title article__views_count article__comments_count article__rubric__name "
    "article__rubric__slug"
).split()


# What "Почему в тренде" shows of an entry.
TERM_FIELDS = (
    "ranking period position article rank decay adjustment pinned views engaged_reads comments "
    "votes participants replies"
).split()


class CardState(NamedTuple):
    """What the `cards` tag needs to find an article's cached card."""

    id: int
    updated_at: datetime.datetime
    views_count: int
    comments_count: int
    cover_id: int | None


class RankingEntryQuerySet(models.QuerySet):
    def of(self, ranking: str, period: str):
        """One ranking for one period, best first."""
        return self.filter(ranking=ranking, period=period).order_by("position")

    def card_states(self, start: int, stop: int, *, now=None):
        """The card states (CardState rows once named) of the public articles at positions
        start to stop - 1, best first, by `now` (the time now unless a compiled query gives its
        stand-in)."""
        return self.filter(
            position__gte=start,
            position__lt=stop,
            article__status=Article.Status.PUBLISHED,
            article__published_at__lte=now or timezone.now(),
        ).values_list(
            "article_id",
            "article__updated_at",
            "article__views_count",
            "article__comments_count",
            "article__cover_id",
        )

    def explained(self, size: int):
        """The first `size` places with their articles' titles, for "Почему в тренде"."""
        return (
            self.filter(position__lt=size)
            .select_related("article")
            .only(*TERM_FIELDS, "article__title", "article__slug")
        )

    def top_public(self, size: int):
        """The first `size` places whose articles are public now, with what a sidebar link shows:
        whatever the last rebuild saw, a link never leads to a 404."""
        return (
            self.filter(
                position__lt=size,
                article__status=Article.Status.PUBLISHED,
                article__published_at__lte=timezone.now(),
            )
            .select_related("article__rubric", "article__series")
            .only(*SIDEBAR_LINK_FIELDS)
        )


class RankingEntry(models.Model):
    """One position of a precomputed ranking for one period; rebuilt by
    ranking.rebuild_rankings()."""

    ranking = models.CharField(max_length=10, choices=Ranking.choices)
    period = models.CharField(max_length=5, choices=Period.choices)
    position = models.PositiveIntegerField()
    # No database constraint: the table is rebuilt whole every few minutes, and checking 50,000
    # keys on each rebuild costs more than the rest of it. Deleting an article still cascades.
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    rank = models.FloatField()
    # What the rank is made of (articles.ranking.rebuild_rankings), for "Почему в тренде": the
    # period's figures, then the decay the score was multiplied by.
    decay = models.FloatField(default=1.0, db_default=1.0)
    views = models.IntegerField(default=0, db_default=0)
    engaged_reads = models.IntegerField(default=0, db_default=0)
    comments = models.IntegerField(default=0, db_default=0)
    votes = models.IntegerField(default=0, db_default=0)
    participants = models.IntegerField(default=0, db_default=0)
    replies = models.IntegerField(default=0, db_default=0)
    # The editors' say (articles.steering): the factor the rank was multiplied by, and whether
    # the entry stands at its place because it is pinned there.
    adjustment = models.FloatField(default=1.0, db_default=1.0)
    pinned = models.BooleanField(default=False, db_default=False)

    objects = RankingEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("место в рейтинге")
        verbose_name_plural = _("места в рейтингах")
        constraints = [
            models.UniqueConstraint(
                fields=["ranking", "period", "position"],
                name="%(app_label)s_%(class)s_one_position",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ranking}/{self.period} #{self.position}"

    @property
    def score(self) -> float:
        """The period's figures weighed, before the decay and the editors' factor."""
        return self.rank / (self.decay * self.adjustment) if self.decay else 0.0

    @property
    def decay_divisor(self) -> float | None:
        """What the score was divided by for its age (None: not at all)."""
        return 1 / self.decay if self.decay and self.decay != 1.0 else None
