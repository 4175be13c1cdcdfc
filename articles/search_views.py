"""The search page and the OpenSearch description that lets browsers offer it.

Nothing here logs a query or keeps it with anyone's identity. The page is not page-cached (every
query would be an entry of its own and push the site's real pages out of the cache). What a search
found (Found: the count, the page's ids and passages, the names that match, a suggestion) is the
same for whoever asks, and is kept for a few minutes (SEARCH_CACHE_SECONDS) in a short-lived entry
keyed by a hash of the query, its filters and its page (config/cache_keys.py search_results):
neither the member nor the address is in it, and a change to the articles makes it a miss at once.
The page below the site's header (the form, the names, the cards, the page links) is the same for
whoever asks too: it is rendered without the request, and each worker keeps the ones it showed
last SEARCH_PAGE_SECONDS in its own memory (cache_keys.search_page, under the search and content
generations), so asking again costs a round trip for the generation and the layout around it.
The query is written nowhere else.
"""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from config import cache_keys
from config.http import page_or_404

from . import caching
from .caching import anonymous_page_cache, store_search, stored_search
from .local_copies import RecentValues
from .models import Article, Rubric
from .models.search import MARK_START, corrected_query, matching_authors, matching_tags
from .templatetags.articles_tags import pagination_html
from .templatetags.search_tags import highlighted

QUERY_MAX_LENGTH = 200
# Relevance past a thousand results means nothing, and counting more costs more than the page.
RESULTS_MAX = 1000
# Fewer results than this on the first page, and the page offers a corrected query.
FEW_RESULTS = 3
RELEVANCE, NEWEST = "", "new"
PERIOD_DAYS = {"": None, "week": 7, "month": 30, "year": 365}
# The search pages a worker keeps (SEARCH_PAGE_SECONDS): 20 to 100 kB each.
SHOWN_ENTRIES = 128


def _rubric_choices() -> list[tuple[str, str]]:
    """The form's rubrics, from this worker's copy (caching.shared_copies) or the database."""
    rubrics = caching.shared_copies.get_or_put(
        cache_keys.rubric_choices(), lambda: tuple(Rubric.objects.values_list("slug", "name"))
    )
    return [("", _("Все рубрики")), *rubrics]


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Что искать"),
        max_length=QUERY_MAX_LENGTH,
        required=False,
        error_messages={"max_length": _("Запрос длиннее %(limit_value)d символов: сократите его.")},
    )
    # The rubrics' slugs and names, read once for both the check and the select (a model
    # choice field reads them through a server-side cursor, a round trip more on PostgreSQL).
    rubric = forms.ChoiceField(
        label=_("Рубрика"),
        required=False,
        error_messages={"invalid_choice": _("Такой рубрики нет.")},
    )
    period = forms.ChoiceField(
        label=_("Когда"),
        choices=[
            ("", _("за всё время")),
            ("week", _("за неделю")),
            ("month", _("за месяц")),
            ("year", _("за год")),
        ],
        required=False,
        error_messages={"invalid_choice": _("Такого периода нет.")},
    )
    sort = forms.ChoiceField(
        label=_("Порядок"),
        choices=[(RELEVANCE, _("по релевантности")), (NEWEST, _("сначала новые"))],
        required=False,
        error_messages={"invalid_choice": _("Такого порядка нет.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rubric"].choices = _rubric_choices()


class ResultsPaginator(Paginator):
    """The page numbers of a search whose matches were counted (up to RESULTS_MAX); the view
    fetches the page's ids itself."""

    def __init__(self, count: int) -> None:
        super().__init__([], settings.ARTICLES_PER_PAGE)
        self.found = count

    @property
    def count(self) -> int:
        return self.found


@dataclass(frozen=True)
class Found:
    """What one page of a search found, the same for whoever asks: what the cache keeps."""

    count: int
    ids: list[int]
    passages: dict[int, str]  # highlighted, as HTML: every character of the article escaped
    tags: list
    authors: list
    suggestion: str | None


def _search(request: HttpRequest, query: str, data: dict) -> Found:
    """Search the database for the page the request asks for (a page past the end is a 404)."""
    articles = Article.objects.published().published_since(PERIOD_DAYS[data["period"]])
    if data["rubric"]:
        articles = articles.filter(rubric__slug=data["rubric"])
    matches = articles.matching(query)
    # Unordered, so nothing is ranked for it.
    count = matches.order_by().values("id")[:RESULTS_MAX].count()
    page = page_or_404(request, ResultsPaginator(count))
    start = (page.number - 1) * page.paginator.per_page
    stop = start + page.paginator.per_page
    if not count:
        ids = []
    elif data["sort"] == NEWEST:
        ids = list(matches.newest_first().values_list("id", flat=True)[start:stop])
    else:
        ids = articles.relevant_ids(query, start, stop)
    first = page.number == 1
    suggestion = None
    if first and count < FEW_RESULTS:
        corrected = corrected_query(query)
        if corrected and corrected.lower() != query.lower():
            suggestion = corrected
    return Found(
        count=count,
        ids=ids,
        passages={
            pk: highlighted(passage)
            for pk, passage in Article.objects.filter(id__in=ids).passages(query)
            if MARK_START in passage
        },
        tags=list(matching_tags(query)) if first else [],
        authors=list(matching_authors(query)) if first else [],
        suggestion=suggestion,
    )


def _results_key(request: HttpRequest, query: str, data: dict) -> str:
    return cache_keys.search_results(
        query=query,
        rubric=data["rubric"],
        period=data["period"],
        sort=data["sort"],
        page=request.GET.get("page") or "1",
    )


def _found(request: HttpRequest, query: str, data: dict) -> Found:
    """The search's results from the cache, or searched and stored there."""
    if settings.SEARCH_CACHE_SECONDS <= 0:
        return _search(request, query, data)
    key = _results_key(request, query, data)
    generation, found = stored_search(key)
    if found is None:
        found = _search(request, query, data)
        store_search(key, generation, found)
    return found


def _results(request: HttpRequest, query: str, data: dict) -> dict:
    """The page of results the form asks for, as the template shows it: the cards' states (their
    counters and covers as they are now) in the order found."""
    found = _found(request, query, data)
    page = page_or_404(request, ResultsPaginator(found.count))
    states = {
        state.id: state
        for state in Article.objects.published().filter(id__in=found.ids).card_states()
    }
    page.object_list = [states[pk] for pk in found.ids if pk in states]
    extra_query = _filters_query(data, query)
    context = {
        "page_obj": page,
        "results": page.object_list,
        "passages": found.passages,
        "pagination": pagination_html(
            request.path, extra_query, page.number, page.paginator.num_pages
        ),
        "tags": found.tags,
        "authors": found.authors,
    }
    if found.suggestion:
        context["suggestion"] = found.suggestion
        context["suggestion_query"] = _filters_query(data, found.suggestion)
    return context


def _filters_query(data: dict, query: str) -> str:
    """The query string of this search without its page, for the pagination's links."""
    params = {"q": query, "rubric": data["rubric"]}
    params |= {"period": data["period"], "sort": data["sort"]}
    return urlencode({name: value for name, value in params.items() if value})


@dataclass(frozen=True)
class Shown:
    """A search page below the site's header, the same for whoever asks: what a worker keeps."""

    html: str
    number: int  # the page's number, for the title


shown_pages = RecentValues(entries=SHOWN_ENTRIES, seconds=cache_keys.SEARCH_PAGE_SECONDS)


def _main(context: dict) -> str:
    """The page below the header, rendered without the request: nothing of the reader is in it."""
    return render_to_string("includes/_search.html", context)


def _shown(request: HttpRequest, form: SearchForm, query: str) -> Shown:
    """The page of results the form asks for, from this worker's copy or rendered from what the
    search found."""
    data = form.cleaned_data

    def rendered() -> Shown:
        context = {"form": form, "query": query} | _results(request, query, data)
        return Shown(_main(context), context["page_obj"].number)

    if settings.SEARCH_CACHE_SECONDS <= 0:
        return rendered()
    # Both generations before the page is rendered: a change meanwhile makes the copy a miss.
    generations = (caching.search_generation(), caching.content_generation(request))
    key = cache_keys.search_page(
        results=_results_key(request, query, data),
        language=get_language(),
        generations=generations,
    )
    return shown_pages.get_or_put(key, rendered)


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    """Articles that match `?q=`, filtered by rubric and period, by relevance or newest first."""
    form = SearchForm(request.GET)
    valid = form.is_valid()
    query = " ".join(form.cleaned_data["q"].split()) if valid else ""
    if query:
        shown = _shown(request, form, query)
    else:
        shown = Shown(_main({"form": form}), 1)
    context = {
        "query": query,
        "search_query": query,
        "main": mark_safe(shown.html),  # rendered by the template engine, escaped there
        "page_number": shown.number,
    }
    response = render(request, "articles/search.html", context, status=200 if valid else 400)
    response["X-Robots-Tag"] = "noindex"
    return response


@anonymous_page_cache()
@require_safe
def opensearch(request: HttpRequest) -> HttpResponse:
    """The OpenSearch description: browsers offer the site's search in their address bar."""
    return render(
        request,
        "articles/opensearch.xml",
        {"description": _("Поиск по статьям Sales Label")},
        content_type="application/opensearchdescription+xml; charset=utf-8",
    )
