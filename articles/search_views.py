"""The search page and the OpenSearch description that lets browsers offer it.

Nothing here logs or stores a query: the page is not page-cached (every query would be an entry
of its own and push the site's real pages out of the cache), and no query is written anywhere,
with or without the member who asked it.
"""

from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from config.http import page_or_404

from .caching import anonymous_page_cache
from .models import Article, Rubric
from .models.search import corrected_query, matching_authors, matching_tags

QUERY_MAX_LENGTH = 200
# Relevance past a thousand results means nothing, and counting more costs more than the page.
RESULTS_MAX = 1000
# Fewer results than this on the first page, and the page offers a corrected query.
FEW_RESULTS = 3
RELEVANCE, NEWEST = "", "new"
PERIOD_DAYS = {"": None, "week": 7, "month": 30, "year": 365}


def _rubric_choices() -> list[tuple[str, str]]:
    return [("", _("Все рубрики")), *Rubric.objects.values_list("slug", "name")]


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
    """The page numbers of a search: counts the matches (unordered, so nothing is ranked for
    it) up to RESULTS_MAX; the view fetches the page's ids itself."""

    def __init__(self, matches: QuerySet) -> None:
        super().__init__(matches, settings.ARTICLES_PER_PAGE)

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by().values("id")[:RESULTS_MAX].count()


def _results(request: HttpRequest, query: str, data: dict) -> dict:
    """The page of results the form asks for, as the template shows it."""
    articles = Article.objects.published().published_since(PERIOD_DAYS[data["period"]])
    if data["rubric"]:
        articles = articles.filter(rubric__slug=data["rubric"])
    matches = articles.matching(query)
    page = page_or_404(request, ResultsPaginator(matches))
    start = (page.number - 1) * page.paginator.per_page
    stop = start + page.paginator.per_page
    if data["sort"] == NEWEST:
        page_ids = list(matches.newest_first().values_list("id", flat=True)[start:stop])
    else:
        page_ids = articles.relevant_ids(query, start, stop)
    rows = {row.id: row for row in Article.objects.filter(id__in=page_ids).found_cards(query)}
    page.object_list = [rows[pk] for pk in page_ids if pk in rows]
    return {"page_obj": page, "results": page.object_list}


def _filters_query(data: dict, query: str) -> str:
    """The query string of this search without its page, for the pagination's links."""
    params = {"q": query, "rubric": data["rubric"]}
    params |= {"period": data["period"], "sort": data["sort"]}
    return urlencode({name: value for name, value in params.items() if value})


def _around_results(query: str, data: dict, page) -> dict:
    """The tags and authors whose names match, and a corrected query when little was found."""
    around = {
        "extra_query": _filters_query(data, query),
        "tags": list(matching_tags(query)) if page.number == 1 else [],
        "authors": list(matching_authors(query)) if page.number == 1 else [],
    }
    if page.number == 1 and page.paginator.count < FEW_RESULTS:
        corrected = corrected_query(query)
        if corrected and corrected.lower() != query.lower():
            around["suggestion"] = corrected
            around["suggestion_query"] = _filters_query(data, corrected)
    return around


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    """Articles that match `?q=`, filtered by rubric and period, by relevance or newest first."""
    form = SearchForm(request.GET)
    if not form.is_valid():
        response = render(request, "articles/search.html", {"form": form}, status=400)
    else:
        data = form.cleaned_data
        query = data["q"].strip()
        context = {"form": form, "query": query, "search_query": query}
        if query:
            context |= _results(request, query, data)
            context |= _around_results(query, data, context["page_obj"])
        response = render(request, "articles/search.html", context)
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
