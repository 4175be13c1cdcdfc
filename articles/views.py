from collections.abc import Callable
from functools import cache as cache_once
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from config import cache_keys
from config.client import address_key, client_ip
from config.http import page_or_404

from . import caching, compiled, listings, referrers, services
from .caching import (
    anonymous_page_cache,
    choice,
    content_generation,
    page_number,
    shared_member_page,
)
from .compiled import CompiledQuery, CompiledRows
from .middleware import visit_report
from .models import Article, Period, Ranking, RankingEntry, Rubric, Series, Tag
from .models.rankings import CardState

# The thread's orders (discussions.thread.SORTS, which a test keeps equal): an unknown one shows
# the default, so it is the same page.
COMMENT_SORTS = choice("best", "newest", "oldest", default="best", otherwise=None)
PERIODS = choice(*Period.values, default=Period.WEEK)


class CachedCountPaginator(Paginator):
    """Counts a list once a minute: on a big site the count costs more than the page itself.
    The view reads the page's rows itself; `count()` is asked only when the cache has no count."""

    def __init__(self, count: Callable[[], int], per_page: int, *, count_key: str) -> None:
        super().__init__((), per_page)
        self.count_key, self._count = count_key, count

    @cached_property
    def count(self) -> int:
        # This worker's copy first (caching.shared_copies): each list page is counted once per
        # LOCAL_SECONDS and worker from the cache, once a minute from the database.
        return caching.shared_copies.get_or_put(
            self.count_key,
            lambda: cache.get_or_set(self.count_key, self._count, cache_keys.LIST_COUNT_SECONDS),
        )


def _page(request: HttpRequest, count: Callable[[], int], *, count_key: str) -> Page:
    """The requested page of a list of `count()` items (its rows not yet read); a page that
    does not exist is a 404, not a 500."""
    key = cache_keys.list_count(count_key, generation=content_generation(request))
    return page_or_404(
        request, CachedCountPaginator(count, settings.ARTICLES_PER_PAGE, count_key=key)
    )


def _card_page(
    request: HttpRequest, articles: listings.ArticleList, owner: int | None = None
) -> Page:
    """A page of article cards in one query, as deep as it is (articles/listings.py). The
    `cards` tag loads whole articles only for the cards it has no cached copy of."""
    count_key = articles.name if owner is None else f"{articles.name}:{owner}"
    page = _page(request, lambda: articles.count(owner), count_key=count_key)
    # Slice by the page number, not the cached count: a new article must not push one out.
    start = (page.number - 1) * page.paginator.per_page
    page.object_list = articles.card_states(start, start + page.paginator.per_page, owner)
    return page


def _article_list(
    request: HttpRequest,
    articles: listings.ArticleList,
    owner: int,
    *,
    title: str,
    **context: Any,
) -> HttpResponse:
    page = _card_page(request, articles, owner)
    return render(
        request,
        "articles/article_list.html",
        {"page_obj": page, "articles": page.object_list, "title": title, **context},
    )


def _list_owner(model: type[Rubric] | type[Tag], slug: str) -> Rubric | Tag:
    """The rubric or tag a list page is of, from this worker's copy (caching.shared_copies:
    a rename or a deletion shows within LOCAL_SECONDS) or the database; 404 when there is none.
    The copy is shared by the worker's requests: nothing may change it."""
    key = cache_keys.list_owner(model._meta.label_lower, slug)
    return caching.shared_copies.get_or_put(key, lambda: get_object_or_404(model, slug=slug))


@anonymous_page_cache(page=page_number)
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    page = _card_page(request, listings.HOME)
    return render(request, "articles/home.html", {"page_obj": page, "articles": page.object_list})


@anonymous_page_cache(page=page_number)
@require_safe
def rubric(request: HttpRequest, slug: str) -> HttpResponse:
    rubric = _list_owner(Rubric, slug)
    return _article_list(
        request,
        listings.RUBRIC,
        rubric.pk,
        title=rubric.name,
        description=rubric.description,
        rubric=rubric,
        feed_url=reverse("articles:rubric_feed", kwargs={"slug": rubric.slug}),
    )


@anonymous_page_cache(page=page_number)
@require_safe
def tag(request: HttpRequest, slug: str) -> HttpResponse:
    tag = _list_owner(Tag, slug)
    return _article_list(request, listings.TAG, tag.pk, title=f"#{tag.name}", tag=tag)


@require_safe
def author(request: HttpRequest, username: str) -> HttpResponse:
    """The old author page: the member's profile lists their articles now."""
    author = get_object_or_404(get_user_model(), username=username, is_active=True)
    return redirect(author, permanent=True)


@anonymous_page_cache(page=page_number)
@require_safe
def series(request: HttpRequest, slug: str) -> HttpResponse:
    series = get_object_or_404(Series, slug=slug)
    return _article_list(
        request,
        listings.SERIES,
        series.pk,
        title=series.title,
        description=series.description,
    )


# A page of a ranking in a query written once per process (compiled.py).
_ranked_states = CompiledRows(
    lambda ranking, period, start, stop, now: RankingEntry.objects.of(ranking, period).card_states(
        start, stop, now=now
    ),
    row=CardState,
    ranking="\x00ranking",
    period="\x00period",
    start=424_242_011,
    stop=424_242_013,
    now=compiled.NOW,
)


def _ranking_page(request: HttpRequest, ranking: str, period: str) -> Page:
    """A page of one ranking for one period, its cards' states in the order of the ranking.
    Positions are contiguous, so a page is a range of them: no OFFSET however deep the page."""
    page = _page(
        request,
        lambda: RankingEntry.objects.of(ranking, period).count(),
        count_key=f"{ranking}:{period}",
    )
    start = page.start_index() - 1 if page.paginator.count else 0
    page.object_list = _ranked_states.rows(
        ranking=ranking, period=period, start=start, stop=page.end_index(), now=timezone.now()
    )
    return page


@anonymous_page_cache(period=PERIODS, page=page_number)
@require_safe
def ranking_list(request: HttpRequest, ranking: str) -> HttpResponse:
    """'Смотреть все' behind a sidebar tab: the whole precomputed ranking for a period."""
    period = request.GET.get("period", Period.WEEK)
    if period not in Period.values:
        raise Http404(_("Неизвестный период."))
    page = _ranking_page(request, ranking, period)
    return render(
        request,
        "articles/ranking_list.html",
        {
            "page_obj": page,
            "articles": page.object_list,
            "title": Ranking(ranking).label,
            "ranking": ranking,
            "period": period,
            "periods": Period.choices,
        },
    )


def _render_article(
    request: HttpRequest, article: Article, *, preview: bool = False
) -> HttpResponse:
    # Callables, so that the template's cached fragments skip these queries on a hit (and the
    # building of their querysets, a tenth of a millisecond).
    published = cache_once(Article.objects.published)
    tags = cache_once(lambda: list(article.tags.all()))
    return render(
        request,
        "articles/article_detail.html",
        {
            "article": article,
            "tags": tags,
            "related": cache_once(lambda: published().related_to(article)),
            "previous_issue": cache_once(
                lambda: published().next_in_series(article, previous=True)
            ),
            "next_issue": cache_once(lambda: published().next_in_series(article)),
            "preview": preview,
            "json_ld": cache_once(lambda: _json_ld(request, article, tags())),
        },
    )


def _json_ld(request: HttpRequest, article: Article, tags: list[Tag]) -> dict:
    """schema.org Article metadata for search engines."""
    absolute = request.build_absolute_uri
    data = {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": article.title,
        "description": article.excerpt,
        "datePublished": article.published_at,
        "dateModified": article.content_updated_at or article.published_at,
        "url": absolute(article.get_absolute_url()),
        "mainEntityOfPage": absolute(article.get_absolute_url()),
        "articleSection": article.rubric.name,
        "keywords": [tag.name for tag in tags],
        "author": {
            "@type": "Person",
            "name": article.author.public_name,
            "url": absolute(article.author.get_absolute_url()),
        },
        "publisher": {"@type": "Organization", "name": "Sales Label"},
    }
    if article.cover:
        data["image"] = absolute(article.cover.file.url)
    return data


def _article_queryset() -> QuerySet:
    return Article.objects.select_related("rubric", "author", "series", "cover")


# The public article by its slug, in one query written once per process (compiled.py).
_published_article = CompiledQuery(
    lambda slug, now: _article_queryset().published(now=now).filter(slug=slug),
    slug="\x00slug",
    now=compiled.NOW,
)


# ?page= is the part of the discussion; ?reply= changes only members' pages.
@anonymous_page_cache(sort=COMMENT_SORTS, page=page_number)
@shared_member_page
@require_safe
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    found = _published_article.objects(slug=slug, now=timezone.now())
    if not found:
        raise Http404(_("Такой статьи нет."))
    return _render_article(request, found[0])


@staff_member_required
@require_safe
def preview(request: HttpRequest, slug: str) -> HttpResponse:
    """Editors see drafts and scheduled articles exactly as readers will."""
    article = get_object_or_404(_article_queryset(), slug=slug)
    response = _render_article(request, article, preview=True)
    response["X-Robots-Tag"] = "noindex"
    return response


def _same_site(request: HttpRequest) -> bool:
    """False for a POST another site's page made: its Origin is not ours, or the browser says
    (Sec-Fetch-Site) it came from elsewhere. Requests without either header pass."""
    # The environment's names: request.headers would parse every header of the site's most
    # frequent POST first.
    fetch_site = request.META.get("HTTP_SEC_FETCH_SITE")
    if fetch_site is not None and fetch_site not in {"same-origin", "none"}:
        return False
    origin = request.META.get("HTTP_ORIGIN")
    if origin is None:
        return True
    ours = {f"{request.scheme}://{request.get_host()}", settings.SITE_URL}
    return origin in ours or origin in settings.CSRF_TRUSTED_ORIGINS


def _visit_report(request: HttpRequest, article: Article, *, engaged: bool) -> dict[str, Any]:
    """What a view or engaged-read report gets back: whether it counted, or else a new visitor id
    to report with."""
    address = address_key(client_ip(request))
    visitor = services.verified_visitor(request.POST.get("visitor", ""))
    if visitor is None:
        return {"counted": False, "visitor": services.issue_visitor_id(address=address)}
    reader = {
        "article": article,
        "visitor": visitor,
        "address": address,
        "user": request.user,
        "user_agent": request.META.get("HTTP_USER_AGENT", ""),
    }
    if engaged:
        return {"counted": services.record_engaged_read(**reader)}
    own_hosts = {request.get_host(), urlsplit(settings.SITE_URL).hostname or ""}
    referrer = referrers.classify(request.POST.get("referrer", ""), own_hosts=own_hosts)
    return {"counted": services.record_view(**reader, referrer=referrer)}


def _reported_article(request: HttpRequest, pk: int) -> Article:
    """The public article a report is about; 404 for any other."""
    article = services.view_target(pk)
    if article is None or not article.is_public:
        raise Http404(_("Такой статьи нет."))
    return article


@visit_report
@csrf_exempt  # carries no one's authority: the checks below bound what a forged report can do
@require_POST
def record_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The article page's script reports that a reader saw it, and the page it came from (kept as
    a kind of source and a host); answers with the current count.

    A view counts only with a visitor id this site signed. Pages are cached for everyone, so the id
    cannot be in the page: a report without a valid one gets a fresh id back instead of a count,
    and the script reports again with it (ids per address and hour are capped too).
    """
    article = _reported_article(request, pk)
    if not _same_site(request):
        return JsonResponse({"counted": False}, status=403)
    answer = _visit_report(request, article, engaged=False)
    if settings.VIEW_BUFFER:  # the count of a minute ago, as on the cached pages, and this view
        answer["views"] = article.views_count + answer["counted"]
    else:  # written at once: the database has the exact count
        answer["views"] = Article.objects.filter(pk=pk).values_list("views_count", flat=True).get()
    return JsonResponse(answer)


@visit_report
@csrf_exempt  # as record_view: a forged report is bound by the same checks
@require_POST
def record_engaged_read(request: HttpRequest, pk: int) -> HttpResponse:
    """The article page's script reports an engaged read: the page stayed visible 30 s and the
    reader got past 3/4 of the text. Counted once per visitor and half hour, capped like views."""
    article = _reported_article(request, pk)
    if not _same_site(request):
        return JsonResponse({"counted": False}, status=403)
    return JsonResponse(_visit_report(request, article, engaged=True))


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /accounts/",
        "Disallow: /en/accounts/",
        f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")
