import functools
import json
from types import SimpleNamespace

from django import template
from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import prefetch_related_objects
from django.template.base import TextNode, Variable
from django.template.defaulttags import CommentNode, URLNode
from django.template.loader import get_template
from django.templatetags.i18n import TranslateNode
from django.templatetags.static import StaticNode
from django.urls import get_script_prefix, get_urlconf, translate_url
from django.utils.formats import number_format
from django.utils.html import _json_script_escapes
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from articles import caching, markup
from articles.local_copies import RecentValues
from articles.models import Article, ChatBlock, Period, Ranking, RankingEntry, Rubric
from config import cache_keys
from images.html import img_tag

register = template.Library()

SIDEBAR_SIZE = 5
SIDEBAR_PERIOD = Period.WEEK


@register.filter
def compact_number(value) -> str:
    """Counts as people read them: 999, 1,2 тыс., 12 тыс., 3,4 млн."""
    try:
        n = int(value)
    except (TypeError, ValueError):
        return ""
    if abs(n) < 1000:
        return str(n)
    if abs(n) >= 1_000_000_000:
        size, label = 1_000_000_000, _("%(n)s млрд")
    elif abs(n) >= 1_000_000:
        size, label = 1_000_000, _("%(n)s млн")
    else:
        size, label = 1000, _("%(n)s тыс.")
    scaled = n / size
    if abs(scaled) < 10:
        shown = number_format(int(scaled * 10) / 10, decimal_pos=1, use_l10n=True)
        shown = shown.removesuffix(",0").removesuffix(".0")
    else:
        shown = str(int(scaled))
    return label % {"n": shown}


@register.filter
def reading_time(minutes) -> str:
    """'5 минут читать' with the Russian plural forms."""
    n = int(minutes or 1)
    return ngettext("%(count)s минута читать", "%(count)s минуты читать", n) % {"count": n}


@register.filter
def absolute(url: str) -> str:
    """A URL of this site made absolute with SITE_URL (one already absolute stays as it is)."""
    return url if "://" in url else f"{settings.SITE_URL}{url}"


# How wide a cover shows on a card (static/css/site.css: beside the text from 700 px on, above
# it on a phone, inside the card's padding).
CARD_COVER_SIZES = "(min-width: 700px) 200px, calc(100vw - 74px)"


@register.simple_tag
def cover_picture(article: Article, *, card: bool = False) -> str:
    """An article's cover as a responsive <img>: on a card a decoration (the title says it
    all) that loads lazily, on the article's page as wide as the text, at once."""
    if card:
        return img_tag(article.cover, alt="", sizes=CARD_COVER_SIZES)
    alt = article.cover_alt or article.cover.alt
    return img_tag(article.cover, alt=alt, sizes=markup.PROSE_SIZES, lazy=False)


@register.filter
def cut(text, limit) -> str:
    """Text cut at a word boundary, marked with '..'."""
    return markup.truncate_words(text, int(limit))


@register.inclusion_tag("includes/_sidebar.html", takes_context=True)
def sidebar(context):
    """The chat block and the two ranking tabs shown on every page."""
    tabs = []
    for ranking, url_name in (
        (Ranking.TRENDING, "articles:trending"),
        (Ranking.DISCUSSED, "articles:discussed"),
    ):
        entries = RankingEntry.objects.of(ranking, SIDEBAR_PERIOD).top_public(SIDEBAR_SIZE)
        tabs.append(
            {
                "ranking": ranking,
                "label": Ranking(ranking).label,
                "url_name": url_name,
                "period": SIDEBAR_PERIOD,
                "articles": [entry.article for entry in entries],
            }
        )
    return {
        "chat": shown_chat_block(),
        "tabs": tabs,
        "request": context.get("request"),
    }


def shown_chat_block() -> ChatBlock | None:
    """The chat block on show, from this worker's copy (caching.shared_copies), the cache
    (cache_keys.chat_block) or the database."""
    key = cache_keys.chat_block()

    def from_the_cache() -> tuple:
        cached = cache.get(key)
        if cached is None:
            cached = (ChatBlock.objects.filter(is_visible=True).first(),)
            cache.set(key, cached, cache_keys.CHAT_BLOCK_SECONDS)
        return cached

    return caching.shared_copies.get_or_put(key, from_the_cache)[0]


@register.inclusion_tag("includes/_chat_link.html")
def chat_link():
    """The article's "Обсудить в чате" link to the community chat, when one is on show."""
    return {"chat": shown_chat_block()}


@register.filter
def members(count) -> str:
    """'1755 участников' with the Russian plural forms."""
    n = int(count or 0)
    return ngettext("%(count)s участник", "%(count)s участника", n) % {"count": n}


@register.inclusion_tag("includes/_rubric_nav.html")
def rubric_nav():
    """The header's list of rubrics."""
    return {"rubrics": Rubric.objects.only("name", "slug")}


class FixedNode(template.Node):
    """What `{% fixed %}` encloses, rendered once per worker, language, script prefix, URLconf
    and STATIC_URL."""

    # Nothing inside is a block (fixed() lets in only text, addresses, static files and
    # translations): `{% extends %}`, which looks for blocks through the whole parent template
    # on every page, need not look in here.
    child_nodelists = ()

    def __init__(self, nodelist):
        self.nodelist = nodelist
        self.rendered: dict[tuple, str] = {}

    def render(self, context):
        where = (get_language(), get_script_prefix(), get_urlconf(), settings.STATIC_URL)
        html = self.rendered.get(where)
        if html is None:
            html = self.rendered[where] = self.nodelist.render(context)
        return html


def _is_fixed(node) -> bool:
    """Whether a node renders the same whatever the context, in one language: text, and
    addresses, static files and translations named by literals only."""
    if isinstance(node, TextNode | CommentNode):
        return True
    if isinstance(node, URLNode):
        return not node.args and not node.kwargs and node.asvar is None and _literal(node.view_name)
    if isinstance(node, StaticNode):
        return node.varname is None and _literal(node.path)
    if isinstance(node, TranslateNode):
        return (
            node.asvar is None and node.message_context is None and _literal(node.filter_expression)
        )
    return False


def _literal(expression) -> bool:
    """A quoted string without filters (the translate tag keeps one as a Variable of a literal)."""
    var = expression.var
    return not expression.filters and not (isinstance(var, Variable) and var.lookups is not None)


@register.tag
def fixed(parser, token):
    """{% fixed %}...{% endfixed %}: a part of a page that is the same on every page in one
    language (its links to other pages and to static files, its translated words), rendered once
    per worker instead of on each page. Anything else inside is refused when the template is
    loaded: a variable there would show the first page's value on all the others."""
    nodelist = parser.parse(("endfixed",))
    parser.delete_first_token()
    for node in nodelist:
        if not _is_fixed(node):
            raise template.TemplateSyntaxError(
                f"{{% fixed %}} takes only text, literal urls, static files and translations, "
                f"not {node.token.contents if node.token else type(node).__name__!r}"
            )
    return FixedNode(nodelist)


@register.simple_tag(takes_context=True)
def translated_url(context, language_code) -> str:
    """This page's address in another language."""
    path = context["request"].get_full_path()
    return _translated_url(path, language_code, get_language(), get_urlconf())


@functools.lru_cache(maxsize=1024)
def _translated_url(path: str, language_code: str, language: str, urlconf) -> str:
    """translate_url() for the pages this worker served last: it resolves the path and reverses
    it again, a tenth of a millisecond on each page."""
    return translate_url(path, language_code)


@register.filter
def jsonld(data) -> str:
    """A dict as JSON safe to put inside a <script> element."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    return mark_safe(text.translate(_json_script_escapes))  # escaped above


@register.simple_tag
def cards(items) -> str:
    """Article cards, each rendered once and kept in the cache until the article or its counters
    change. Items are articles or their card_states(); whole articles are loaded only for the
    cards that are not in the cache."""
    items = list(items)
    html = card_html(items)
    # Rendered by the template engine, escaped there.
    return mark_safe("".join(html[item.id] for item in items if item.id in html))


# This worker's copies of the cards it showed last: the lists share most of them.
CARD_LOCAL_SECONDS = 10
recent_cards = RecentValues(entries=2048, seconds=CARD_LOCAL_SECONDS)


def card_html(items) -> dict[int, str]:
    """{id: the HTML of its card} for the items (see `cards`); an article gone meanwhile has
    none."""
    items = list(items)
    language = get_language()
    keys = {
        item.id: cache_keys.card(
            language=language,
            article_id=item.id,
            updated_at=item.updated_at.timestamp(),
            views=item.views_count,
            comments=item.comments_count,
            cover=item.cover_id,
        )
        for item in items
    }
    found = recent_cards.get_many(keys.values())
    if len(found) < len(keys):
        fetched = cache.get_many([key for key in keys.values() if key not in found])
        recent_cards.put_many(fetched)
        found.update(fetched)
    missing = [item for item in items if keys[item.id] not in found]
    if missing:
        loaded = [item for item in missing if isinstance(item, Article)]
        to_load = [item.id for item in missing if not isinstance(item, Article)]
        loaded += Article.objects.filter(id__in=to_load).for_listing() if to_load else []
        prefetch_related_objects(loaded, "tags", "cover__renditions")
        template = get_template("includes/_card.html")
        rendered = {keys[a.id]: template.render({"article": a}) for a in loaded}
        cache.set_many(rendered, cache_keys.CARD_SECONDS)
        recent_cards.put_many(rendered)
        found.update(rendered)
    return {item.id: found[keys[item.id]] for item in items if keys[item.id] in found}


# "1 … 4 5 6 … 500": the first and last page, and one on each side of the current one.
PAGES_ON_EACH_SIDE = 1
PAGES_ON_ENDS = 1


def _page_url(path: str, extra: str, number: int) -> str:
    query = "&".join(part for part in (extra, f"page={number}" if number > 1 else "") if part)
    return f"{path}?{query}" if query else path


@register.simple_tag(takes_context=True)
def page_links(context, page) -> dict:
    """A list's pagination: the previous and next pages' addresses and the numbered links, each
    a number with its address (None for the current page) or a gap. The first page is the list
    without `?page=`, as the page cache keys it; `extra_query` is the list's own parameters."""
    extra = context.get("extra_query") or ""
    path = context["request"].path
    numbers = []
    for number in page.paginator.get_elided_page_range(
        page.number, on_each_side=PAGES_ON_EACH_SIDE, on_ends=PAGES_ON_ENDS
    ):
        if number == page.paginator.ELLIPSIS:
            numbers.append({"gap": True})
        else:
            url = None if number == page.number else _page_url(path, extra, number)
            numbers.append({"number": number, "url": url})
    return {
        "previous": _page_url(path, extra, page.number - 1) if page.has_previous() else None,
        "next": _page_url(path, extra, page.number + 1) if page.has_next() else None,
        "numbers": numbers,
    }


@register.simple_tag(takes_context=True)
def pagination(context) -> str:
    """A list's pagination (includes/_pagination.html), rendered once per worker for each list
    address, page, number of pages and language: nothing else goes into it."""
    page = context["page_obj"]
    path, extra = context["request"].path, context.get("extra_query") or ""
    return _pagination(path, extra, page.number, page.paginator.num_pages, get_language())


@functools.lru_cache(maxsize=1024)
def _pagination(path: str, extra: str, number: int, pages: int, language: str) -> str:
    return pagination_html(path, extra, number, pages)


def pagination_html(path: str, extra: str, number: int, pages: int) -> str:
    """includes/_pagination.html for page `number` of `pages` of the list at `path`, whose own
    parameters are `extra` (a query string), in the current language."""
    page = Paginator(range(pages), 1).page(number)  # the same numbers, without the list
    where = SimpleNamespace(path=path)
    return get_template("includes/_pagination.html").render(
        {"page_obj": page, "extra_query": extra, "request": where}
    )


@register.simple_tag(takes_context=True)
def canonical_url(context) -> str:
    """This list page's address for search engines: the path, the list's own parameters
    (`extra_query`) and the page number from page 2 on."""
    page = context.get("page_obj")
    extra = context.get("extra_query") or ""
    number = f"page={page.number}" if page is not None and page.number > 1 else ""
    query = "&".join(part for part in (extra, number) if part)
    request = context.get("request")
    url = f"{settings.SITE_URL}{request.path if request else '/'}"
    return f"{url}?{query}" if query else url
