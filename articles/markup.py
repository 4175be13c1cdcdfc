"""Markdown to safe HTML, and the plain-text facts derived from it (excerpt, reading time)."""

import html
import math
import re
from dataclasses import dataclass

import nh3
from django.conf import settings
from markdown_it import MarkdownIt

from images.html import img_tag
from images.models import REFERENCE_RE, Image

ALLOWED_TAGS = set(
    (
        "p br hr h2 h3 h4 h5 h6 strong em del s blockquote ul ol li a img code pre table thead "
        "tbody tr th td figure figcaption"
    ).split()
)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height", "srcset", "sizes"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}
# Attributes with a fixed set of values (nh3 drops any other value).
ATTRIBUTE_VALUES = {"img": {"loading": {"lazy"}, "decoding": {"async"}}}
URL_SCHEMES = {"http", "https", "mailto"}
# How wide a library picture shows in the article's text column (static/css/site.css: the
# layout's 1200 px, the sidebar's 340 px, the article's padding), for the browser to pick from
# srcset before the styles are loaded.
PROSE_SIZES = (
    "(min-width: 1200px) 722px, (min-width: 960px) calc(100vw - 478px), "
    "(min-width: 700px) calc(100vw - 114px), calc(100vw - 74px)"
)
WORDS_PER_MINUTE = 180
EXCERPT_LENGTH = 300

_markdown = MarkdownIt(
    "commonmark", {"html": False, "linkify": False, "typographer": False}
).enable(["table", "strikethrough"])
_word_re = re.compile(r"\w+(?:[-’']\w+)*", re.UNICODE)


def render_markdown(source: str) -> str:
    """Return sanitised HTML for Markdown text; "#" becomes h2, since the page owns its h1, and
    a library picture (![описание](image:42)) a responsive <img> of its renditions."""
    tokens = _markdown.parse(source or "")
    for token in tokens:
        if token.type in ("th_open", "td_open") and "style" in token.attrs:
            # markdown-it aligns columns with a style attribute, which the sanitiser drops
            token.attrs = {"align": str(token.attrs["style"]).removeprefix("text-align:")}
        if token.type in ("heading_open", "heading_close"):
            level = max(int(token.tag[1]), 2)
            token.tag = f"h{level}"
    env = {"pictures": _library_pictures(tokens)}
    raw = _markdown.renderer.render(tokens, _markdown.options, env)
    return sanitize_html(raw)


def library_references(tokens) -> set[int]:
    """The ids of the library pictures the parsed Markdown shows."""
    return {
        int(match[1])
        for token in tokens
        if token.type == "inline"
        for child in token.children or ()
        if child.type == "image" and (match := REFERENCE_RE.match(str(child.attrs.get("src"))))
    }


def missing_pictures(source: str) -> list[int]:
    """The library pictures the Markdown names that the library does not hold."""
    wanted = library_references(_markdown.parse(source or ""))
    found = set(Image.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    return sorted(wanted - found)


def _library_pictures(tokens) -> dict[str, Image]:
    """The library pictures the Markdown shows, by their reference, in one query (none when it
    shows no library picture)."""
    ids = library_references(tokens)
    if not ids:
        return {}
    return {image.reference: image for image in Image.objects.with_renditions().filter(pk__in=ids)}


def _render_image(renderer, tokens, idx, options, env) -> str:
    """A library picture as its responsive <img>; any other picture as markdown-it draws it."""
    token = tokens[idx]
    picture = env.get("pictures", {}).get(token.attrs.get("src"))
    if picture is None:
        return renderer.image(tokens, idx, options, env)
    alt = renderer.renderInlineAsText(token.children or [], options, env)
    return img_tag(picture, alt=alt, sizes=PROSE_SIZES, title=str(token.attrs.get("title") or ""))


_markdown.add_render_rule("image", _render_image)


def sanitize_html(raw: str, *, link_rel: str = "noopener noreferrer") -> str:
    """Keep only the tags, attributes and URL schemes the site allows."""
    return nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        tag_attribute_values=ATTRIBUTE_VALUES,
        attribute_filter=_safe_value,
        url_schemes=URL_SCHEMES,
        link_rel=link_rel,
        strip_comments=True,
    )


_srcset_candidate_re = re.compile(r"[\w/.:-]+ \d{1,5}w")
_sizes_re = re.compile(r"[\w\s().,:%+-]{1,300}")


def _safe_value(tag: str, attribute: str, value: str) -> str | None:
    """srcset only of our own files, sizes only of lengths and media queries, sizes in pixels
    as numbers: whatever else reaches these attributes is dropped."""
    if tag != "img":
        return value
    if attribute == "srcset":
        candidates = [candidate.strip() for candidate in value.split(",")]
        safe = all(
            _srcset_candidate_re.fullmatch(candidate) and candidate.startswith(settings.MEDIA_URL)
            for candidate in candidates
        )
        return value if safe else None
    if attribute == "sizes":
        return value if _sizes_re.fullmatch(value) else None
    if attribute in ("width", "height"):
        return value if value.isascii() and value.isdigit() and len(value) <= 5 else None
    return value


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment, whitespace folded."""
    text = nh3.clean(re.sub(r"</(p|li|h\d|blockquote|tr|pre)>", r"\g<0> ", fragment), tags=set())
    return " ".join(html.unescape(text).split())


def truncate_words(text: str, limit: int) -> str:
    """Cut text at a word boundary no longer than limit characters, marked with '..'."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[: limit + 1]
    space = cut.rfind(" ")
    cut = cut[:space] if space > 0 else text[:limit]
    return cut.rstrip(" ,.;:—–-!?…") + ".."


def reading_minutes(text: str) -> int:
    """Whole minutes to read text at an unhurried pace; never less than one."""
    words = len(_word_re.findall(text or ""))
    return max(1, math.ceil(words / WORDS_PER_MINUTE))


@dataclass(frozen=True)
class Derived:
    """The fields an article computes from its Markdown: the page's HTML, the card's excerpt and
    the reading time (names as on Article, so `Article(**vars(derived))` works)."""

    body_html: str
    excerpt: str
    reading_time: int


def derive(body: str, lead: str = "") -> Derived:
    """The derived fields of an article with this body and lead; the lead, when given, is the
    excerpt, else the start of the body's text."""
    body_html = render_markdown(body)
    text = html_to_text(body_html)
    return Derived(
        body_html=body_html,
        excerpt=truncate_words(lead or text, EXCERPT_LENGTH),
        reading_time=reading_minutes(text),
    )
