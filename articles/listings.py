"""The lists of article cards (home, a rubric, a tag, a series): a page of their cards' states in
one query written once per process (compiled.CompiledRows), however deep the page.

Deep in a list newest first, OFFSET would step over every row before the page. Instead each list
has a seek table: the sort key of every SEEK_STEP-th row, found once per search generation and
kept in the cache (cache_keys.seek_table). A page past SEEK_STEP starts from the nearest key
before it and steps over fewer than SEEK_STEP rows.

A seek table stays exact: every change that moves rows in a list (a publication, a withdrawal,
a deletion, an edit of an article's date, rubric or tags) replaces the search generation, and
the table is refused from the time its first scheduled article comes out. Nothing else adds a
row before a key or removes one.
"""

import datetime
import secrets
from collections.abc import Callable

from django.core.cache import cache
from django.db.models import F, IntegerField, Min, QuerySet, Window
from django.db.models.functions import Mod, RowNumber
from django.utils import timezone

from config import cache_keys

from .compiled import LIMIT, NOW, OFFSET, CompiledRows
from .models import Article, ArticleQuerySet

NEWEST = ("-published_at", "-id")
# Up to this many rows before a page, its cards' states are read with the rows skipped; past
# them, the page's ids come from an index-only scan in a subquery.
SHALLOW_ROWS = 200
# A seek table has the key of every SEEK_STEP-th row: a deep page skips fewer rows than this.
SEEK_STEP = 1000
# Stand-ins of a compiled list query (compiled.py): the rubric's or tag's id, and the key of
# the row a deep page starts from.
OWNER = -424_242_003
AFTER_ID = -424_242_005
AFTER_AT = datetime.datetime(1970, 1, 3, 4, 5, 6, 424_242, tzinfo=datetime.UTC)


def _by_ids(ids: QuerySet, order: tuple[str, ...]) -> QuerySet:
    """The card states of the articles whose ids the subquery finds, in the list's order."""
    return Article.objects.filter(id__in=ids).order_by(*order).card_states()


class ArticleList:
    """One kind of list of public articles: all of them, or those of one owner (a rubric, a tag,
    a series: `narrow(articles, owner id)` keeps them), in `order`. Lists newest first seek.
    Its queries are prepared (compiled.CompiledRows) unless `prepare` is False."""

    def __init__(
        self,
        name: str,
        narrow: Callable[[ArticleQuerySet, int], ArticleQuerySet] | None = None,
        *,
        order: tuple[str, ...] = NEWEST,
        prepare: bool = True,
    ) -> None:
        self.name, self._narrow, self._order = name, narrow, order
        self._seeks = order == NEWEST
        stand_ins = {"now": NOW, "offset": OFFSET, "limit": LIMIT}
        if narrow is not None:
            stand_ins["owner"] = OWNER

        def page(offset, limit, **of):
            return self.ordered(**of).card_states()[offset : offset + limit]

        def deep_page(offset, limit, **of):
            return _by_ids(self.ordered(**of).values("id")[offset : offset + limit], order)

        def page_after(offset, limit, at, last, **of):
            # The rows from the key (at, last) on; `at` bounds the index scan.
            rows = self.ordered(**of).filter(published_at__lte=at)
            rows = rows.exclude(published_at=at, id__gt=last)
            return _by_ids(rows.values("id")[offset : offset + limit], order)

        self._page = CompiledRows(page, prepare=prepare, **stand_ins)
        self._deep_page = CompiledRows(deep_page, prepare=prepare, **stand_ins)
        self._page_after = CompiledRows(
            page_after, prepare=prepare, at=AFTER_AT, last=AFTER_ID, **stand_ins
        )

    def ordered(self, *, now: datetime.datetime | None = None, owner: int | None = None):
        """The list's articles public at `now` (the time now unless given), in its order."""
        articles = Article.objects.published(now=now)
        if self._narrow is not None:
            articles = self._narrow(articles, owner)
        return articles.order_by(*self._order)

    def count(self, owner: int | None = None) -> int:
        """How many articles the list has now."""
        return self.ordered(owner=owner).count()

    def card_states(self, start: int, stop: int, owner: int | None = None) -> list[tuple]:
        """The card states (ArticleQuerySet.card_states rows) of the list's rows start to
        stop - 1, in one query (and one cache round trip past SEEK_STEP)."""
        now = timezone.now()
        of = {"now": now, "limit": stop - start}
        if self._narrow is not None:
            of["owner"] = owner
        if start < SHALLOW_ROWS:
            return self._page.rows(offset=start, **of)
        after = self._seek(start, now, owner) if self._seeks and start >= SEEK_STEP else None
        if after is None:
            return self._deep_page.rows(offset=start, **of)
        position, at, last = after
        return self._page_after.rows(offset=start - position, at=at, last=last, **of)

    def _seek(self, start: int, now: datetime.datetime, owner: int | None) -> tuple | None:
        """(position, published_at, id) of the seek table's row nearest before `start`, or
        None: the list is shorter than SEEK_STEP, or the cache does not answer."""
        generation_key = cache_keys.search_generation()
        key = cache_keys.seek_table(self.name, owner)
        found = cache.get_many([generation_key, key])
        generation, table = found.get(generation_key), found.get(key)
        if generation is None:
            # Lost, or the cache is down: this page steps over its rows, the next one may seek.
            cache.add(generation_key, secrets.token_hex(6), None)
            return None
        if table is None or not _current(table, generation, now):
            table = self._seek_table(generation, now, owner)
            cache.set(key, table, cache_keys.SEEK_TABLE_SECONDS)
        keys = table[4]
        steps = min(start // SEEK_STEP, len(keys))
        if not steps:
            return None
        return (steps * SEEK_STEP, *keys[steps - 1])

    def _seek_table(self, generation: str, now: datetime.datetime, owner: int | None) -> tuple:
        """(search generation, built at, the first scheduled article's time or None, step,
        the (published_at, id) of the rows at positions step, 2 x step...) of the list now."""
        numbered = self.ordered(now=now, owner=owner).annotate(
            row=Window(RowNumber(), order_by=[F("published_at").desc(), F("id").desc()])
        )
        stepped = numbered.annotate(step=Mod("row", SEEK_STEP, output_field=IntegerField()))
        rows = stepped.filter(row__gt=SEEK_STEP, step=1).values_list("published_at", "id")
        keys = tuple(rows)
        scheduled = Article.objects.filter(status=Article.Status.PUBLISHED, published_at__gt=now)
        if self._narrow is not None:
            scheduled = self._narrow(scheduled, owner)
        due = scheduled.aggregate(due=Min("published_at"))["due"]
        return (generation, now, due, SEEK_STEP, keys)


def _current(table: tuple, generation: str, now: datetime.datetime) -> bool:
    """Whether a seek table still has the keys of the list at `now`."""
    table_generation, built_at, due, step, _ = table
    return (
        table_generation == generation
        and step == SEEK_STEP
        and built_at <= now
        and (due is None or now < due)
    )


HOME = ArticleList("home")
RUBRIC = ArticleList("rubric", lambda articles, rubric: articles.filter(rubric_id=rubric))
# Not prepared: a rare tag's page is best found from the tag's rows, a common one's by walking
# the articles newest first; a generic plan would be one of them for both.
TAG = ArticleList("tag", lambda articles, tag: articles.filter(tags=tag), prepare=False)
SERIES = ArticleList(
    "series",
    lambda articles, series: articles.filter(series_id=series),
    order=("-series_number", "-id"),
)
