"""sitemap.xml: an index of sections, each at most SITEMAP_SECTION_SIZE addresses, that together
list every public article and every rubric, tag, series and author's page.

A section is a range of ids (section n holds the ids from n × size up to (n + 1) × size), so it
never holds more than `size` addresses, however many rows were deleted, and it is one index range
scan however deep: no OFFSET, no count. The index is one grouped query per kind of page, which
also gives each article section its lastmod (the latest change of an article in it).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, F, IntegerField, Max, QuerySet, Value
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from .caching import anonymous_page_cache
from .models import Article, Rubric, Series, Tag

# Ids are 64-bit: a section past that would only make the database refuse the number.
LARGEST_ID = 2**63 - 1
XML = '<?xml version="1.0" encoding="UTF-8"?>\n'
NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"
# What reverse() leaves unquoted in a path argument (django.urls.resolvers).
URL_SAFE = "!$&'()*+,;=/~:@"


def _authors() -> QuerySet:
    """Members with at least one public article: their profile is their author's page."""
    return get_user_model().objects.filter(
        is_active=True, id__in=Article.objects.published().values("author_id")
    )


@dataclass(frozen=True)
class Kind:
    """One kind of page in the sitemap: its rows, the URL name and argument of its address, how
    often it changes and the field that gives its lastmod."""

    rows: Callable[[], QuerySet]
    url_name: str
    argument: str
    changefreq: str
    lastmod: str | None = None

    def address(self) -> Callable[[str], str]:
        """A row's absolute address from its argument: reversed once, then filled in, because
        reversing 10,000 addresses one by one costs more than the whole query."""
        marker = "__argument__"
        prefix, suffix = reverse(self.url_name, kwargs={self.argument: marker}).split(marker)
        start = f"{settings.SITE_URL}{prefix}"
        return lambda value: f"{start}{quote(value, safe=URL_SAFE)}{suffix}"


KINDS = {
    "articles": Kind(
        Article.objects.published, "articles:detail", "slug", "weekly", lastmod="updated_at"
    ),
    "rubrics": Kind(Rubric.objects.all, "articles:rubric", "slug", "daily"),
    "tags": Kind(Tag.objects.all, "articles:tag", "slug", "daily"),
    "series": Kind(Series.objects.all, "articles:series", "slug", "weekly"),
    "authors": Kind(_authors, "accounts:profile", "username", "weekly"),
}


def _section_size() -> int:
    return settings.SITEMAP_SECTION_SIZE


def sections(kind: Kind) -> list[tuple[int, datetime | None]]:
    """The non-empty sections of one kind, each with its lastmod (None without one)."""
    section = F("id") / Value(_section_size(), output_field=IntegerField())
    latest = Max(kind.lastmod) if kind.lastmod else Count("id")
    rows = (
        kind.rows()
        .annotate(section=section)
        .values_list("section")
        .annotate(latest=latest)
        .order_by("section")
    )
    return [(number, latest if kind.lastmod else None) for number, latest in rows]


def section_rows(kind: Kind, number: int) -> QuerySet:
    """The rows of one section, in id order."""
    size = _section_size()
    start = number * size
    if start + size > LARGEST_ID:
        raise Http404(_("Такой страницы нет."))
    fields = (kind.argument, kind.lastmod) if kind.lastmod else (kind.argument, kind.argument)
    return (
        kind.rows().filter(id__gte=start, id__lt=start + size).order_by("id").values_list(*fields)
    )


def _xml(root: str, entries: Iterable[str]) -> HttpResponse:
    body = f'{XML}<{root} xmlns="{NAMESPACE}">\n{"".join(entries)}</{root}>\n'
    return HttpResponse(body, content_type="application/xml; charset=utf-8")


def _lastmod(moment: datetime | None) -> str:
    return f"<lastmod>{moment.isoformat(timespec='seconds')}</lastmod>" if moment else ""


@anonymous_page_cache()
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """The sitemap index: every non-empty section of every kind of page."""
    entries = []
    for name, kind in KINDS.items():
        for number, latest in sections(kind):
            location = reverse("sitemap_section", kwargs={"kind": name, "number": number})
            entries.append(
                f"<sitemap><loc>{settings.SITE_URL}{location}</loc>{_lastmod(latest)}</sitemap>\n"
            )
    return _xml("sitemapindex", entries)


@anonymous_page_cache()
@require_safe
def section(request: HttpRequest, kind: str, number: int) -> HttpResponse:
    """One section of the sitemap: the addresses of one kind of page in one range of ids."""
    if kind not in KINDS:
        raise Http404(_("Такой страницы нет."))
    chosen = KINDS[kind]
    rows = section_rows(chosen, number)
    if not rows:
        raise Http404(_("Такой страницы нет."))
    address, frequency = chosen.address(), f"<changefreq>{chosen.changefreq}</changefreq>"
    lastmod = _lastmod if chosen.lastmod else lambda _value: ""
    entries = (
        f"<url><loc>{escape(address(value))}</loc>{lastmod(latest)}{frequency}</url>\n"
        for value, latest in rows
    )
    return _xml("urlset", entries)
