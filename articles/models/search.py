"""Full-text search: finding and ranking articles (a mixin of ArticleQuerySet) and the words a
mistyped query is compared with.

PostgreSQL searches `Article.search_document`, a tsvector in the Russian configuration written
by articles/search_index.py in the same transaction as the article and its tags: title (weight
A), tags (B), lead (C), body (D); relevance ranks `search_summary`, the same without the body.
SQLite, the embedded default, has no stemming: there a query matches articles whose title, lead
or a tag contains each of its words.
"""

import datetime
import re

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
)
from django.db import connection, models
from django.db.models import Exists, F, Func, OuterRef, Q, Value
from django.db.models.functions import Concat, Left
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

SEARCH_CONFIG = "russian"
# ts_headline marks the words it found with these (private-use characters), so that the view can
# escape everything else: an article's own text never reaches the page as HTML.
MARK_START, MARK_STOP = "\ue000", "\ue001"
HEADLINE_OPTIONS = {"max_words": 24, "min_words": 10, "max_fragments": 2}
FRAGMENT_DELIMITER = " … "
# ts_headline reads the text it is given again: the passages come from the first this many
# characters (a word found only later leaves the card its excerpt).
HEADLINE_TEXT_MAX = 6000
WORD_RE = re.compile(r"\w+")
# The lead and body are Markdown: its marks (and any HTML in it) are taken out of the text the
# passages are cut from, so that a reader sees the words, not "## ", "**" or "[...](https://...)",
# and ts_headline counts words only. (pattern, replacement, flags) for PostgreSQL's
# regexp_replace, in this order; "n": ^ is the start of every line.
MARKDOWN_MARKS = (
    (r"</?[A-Za-z][^<>]*>", " ", "g"),  # HTML tags (a lone "<" is prose)
    (r"!?\[([^]\n]*)\]\([^)\n]*\)", r"\1", "g"),  # links and images: their text
    (r"^[ \t]*(?:(?:#{1,6}|[-*+]|[0-9]+[.)])[ \t]+|>[ \t]*)", "", "gn"),  # headings, lists, quotes
    (r"[*_#`>\[\]|~]+|-{2,}", " ", "g"),  # emphasis, code, tables' rules, what is left of a link
)


def full_text() -> bool:
    """Whether this database searches by stems and ranks (PostgreSQL), or by substrings."""
    return connection.vendor == "postgresql"


def _tsquery(query: str) -> SearchQuery:
    """The query as people type it in search engines: "a phrase", -excluded, or."""
    return SearchQuery(query, config=SEARCH_CONFIG, search_type="websearch")


class ArticleSearchMixin:
    """The search half of ArticleQuerySet."""

    def matching(self, query: str):
        """Articles that match the query: by stems on PostgreSQL, by substrings elsewhere."""
        if full_text():
            return self.filter(search_document=_tsquery(query))
        return self.filter(_substrings(query))

    def relevant_ids(self, query: str, start: int, stop: int) -> list[int]:
        """The ids at positions start to stop - 1 of the articles that match, best first: those
        whose summary (title, tags, lead) matches, by ts_rank (a title above tags above a lead),
        then those that match only in the body, newest first. One query, which ranks only
        summaries: ranking whole documents would read every matching body, seconds for a
        common word on 100,000 articles. Newest first on databases that do not rank."""
        if not full_text():
            return list(
                self.matching(query).newest_first().values_list("id", flat=True)[start:stop]
            )
        tsquery = _tsquery(query)
        columns = ("id", "part", "rank", "published_at")
        in_summary = (
            self.filter(search_summary=tsquery)
            .annotate(part=Value(1), rank=SearchRank(F("search_summary"), tsquery))
            .order_by("-rank", "-published_at", "-id")
            .values_list(*columns)[:stop]
        )
        in_body = (
            self.filter(search_document=tsquery)
            .exclude(search_summary=tsquery)
            .annotate(part=Value(2), rank=Value(0.0, output_field=models.FloatField()))
            .order_by("-published_at", "-id")
            .values_list(*columns)[:stop]
        )
        best = in_summary.union(in_body, all=True).order_by("part", "-rank", "-published_at", "-id")
        return [row[0] for row in best[start:stop]]

    def published_since(self, days: int | None):
        """Articles published in the last `days` days (all of them with None)."""
        if days is None:
            return self
        return self.filter(published_at__gte=timezone.now() - datetime.timedelta(days=days))

    def passages(self, query: str):
        """(id, passage) rows: the passages of the lead and body around the words found, each
        word between MARK_START and MARK_STOP. None on SQLite, which cannot say."""
        if not full_text():
            return self.none()
        text = Left(
            Concat(F("lead"), Value("\n"), F("body"), output_field=models.TextField()),
            HEADLINE_TEXT_MAX,
        )
        for pattern, replacement, flags in MARKDOWN_MARKS:
            text = Func(
                text,
                Value(pattern),
                Value(replacement),
                Value(flags),
                function="regexp_replace",
                output_field=models.TextField(),
            )
        passage = SearchHeadline(
            text,
            _tsquery(query),
            config=SEARCH_CONFIG,
            start_sel=MARK_START,
            stop_sel=MARK_STOP,
            fragment_delimiter=FRAGMENT_DELIMITER,
            **HEADLINE_OPTIONS,
        )
        return self.annotate(passage=passage).values_list("id", "passage")


def _substrings(query: str) -> Q:
    """Every word of the query in the title, the lead or a tag's name (SQLite's LIKE folds the
    case of Latin letters only, so a word is also tried lower-cased and capitalised)."""
    from .catalogue import TaggedArticle

    condition = Q()
    for word in WORD_RE.findall(query)[:10]:
        forms = {word, word.lower(), word.capitalize()}
        either = Q()
        for form in forms:
            tagged = TaggedArticle.objects.filter(
                content_object=OuterRef("pk"), tag__name__contains=form
            )
            either |= Q(title__contains=form) | Q(lead__contains=form) | Q(Exists(tagged))
        condition &= either
    return condition if condition else Q(pk__in=[])


class SearchTerm(models.Model):
    """A word of the published titles and of the tags, with how many of them have it: what a
    mistyped word is compared with (trigram similarity, its GIN index made by the migration).
    Rebuilt by `manage.py refresh_search_terms`."""

    word = models.CharField(_("слово"), max_length=60, unique=True)
    documents = models.PositiveIntegerField(_("документов"), default=0)

    class Meta:
        verbose_name = _("слово для подсказок")
        verbose_name_plural = _("слова для подсказок")

    def __str__(self) -> str:
        return self.word


# Words shorter than this are left as they are: three letters have too few trigrams to compare.
CORRECTED_WORD_MIN_LENGTH = 4
CORRECTED_WORDS_MAX = 8
NAMES_SHOWN = 5
# Names are compared from three characters on: the trigram indexes on the names (UPPER(...), as
# icontains compares them) serve no shorter text.
NAME_MIN_LENGTH = 3

CORRECTIONS_SQL = """
    SELECT typed.word, best.word
    FROM unnest(%s::text[]) AS typed(word)
    CROSS JOIN LATERAL (
        SELECT term.word FROM articles_searchterm AS term
        WHERE term.word %% typed.word
        ORDER BY similarity(term.word, typed.word) DESC, term.documents DESC, term.word
        LIMIT 1
    ) AS best
    WHERE best.word <> typed.word
      AND NOT EXISTS (SELECT 1 FROM articles_searchterm AS known WHERE known.word = typed.word)
"""


def query_words(query: str) -> list[str]:
    """The words of a query a person typed, without its operators and excluded words."""
    words = []
    for chunk in query.replace('"', " ").split():
        if not chunk.startswith("-"):
            words += WORD_RE.findall(chunk)
    return words


def corrected_query(query: str) -> str | None:
    """The query with each word that is not a word of the titles and tags replaced by the most
    similar one that is (pg_trgm's similarity, over SearchTerm's trigram index); None when there
    is nothing to correct, or on SQLite. One query however many words."""
    typed = {
        word.lower()
        for word in query_words(query)
        if len(word) >= CORRECTED_WORD_MIN_LENGTH and word.isalpha()
    }
    if not typed or not full_text():
        return None
    with connection.cursor() as cursor:
        cursor.execute(CORRECTIONS_SQL, [sorted(typed)[:CORRECTED_WORDS_MAX]])
        corrections = dict(cursor.fetchall())
    if not corrections:
        return None
    return WORD_RE.sub(lambda match: corrections.get(match[0].lower(), match[0]), query)


def name_filter(query: str) -> str:
    """What names are compared with: the query's words as typed, without operators."""
    return " ".join(query_words(query))


def matching_tags(query: str):
    """The tags whose names contain the query's words (shortest names first)."""
    from django.db.models.functions import Length

    from .catalogue import Tag

    text = name_filter(query)
    if len(text) < NAME_MIN_LENGTH:
        return Tag.objects.none()
    return (
        Tag.objects.filter(name__icontains=text)
        .annotate(name_length=Length("name"))
        .order_by("name_length", "name")
        .only("name", "slug")[:NAMES_SHOWN]
    )


def matching_authors(query: str):
    """Active members with a published article whose name or username contains the query's
    words."""
    from django.contrib.auth import get_user_model

    from .article import Article

    text = name_filter(query)
    if len(text) < NAME_MIN_LENGTH:
        return get_user_model().objects.none()
    wrote = Article.objects.published().filter(author=OuterRef("pk"))
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(display_name__icontains=text) | Q(username__icontains=text))
        .filter(Exists(wrote))
        .only("username", "display_name", "avatar")
        .order_by("username")[:NAMES_SHOWN]
    )
