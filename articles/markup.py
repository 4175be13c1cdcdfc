"""Markdown to safe HTML, and the plain-text facts derived from it (excerpt, reading time)."""

import html
import math
import re
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = set(
    (
        "p br hr h2 h3 h4 h5 h6 strong em del s blockquote ul ol li a img code pre table thead "
        "tbody tr th td figure figcaption"
    ).split()
)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}
URL_SCHEMES = {"http", "https", "mailto"}
WORDS_PER_MINUTE = 180
EXCERPT_LENGTH = 300

_markdown = MarkdownIt(
    "commonmark", {"html": False, "linkify": False, "typographer": False}
).enable(["table", "strikethrough"])
_word_re = re.compile(r"\w+(?:[-’']\w+)*", re.UNICODE)


def render_markdown(source: str) -> str:
    """Return sanitised HTML for Markdown text; "#" becomes h2, since the page owns its h1."""
    tokens = _markdown.parse(source or "")
    for token in tokens:
        if token.type in ("th_open", "td_open") and "style" in token.attrs:
            # markdown-it aligns columns with a style attribute, which the sanitiser drops
            token.attrs = {"align": str(token.attrs["style"]).removeprefix("text-align:")}
        if token.type in ("heading_open", "heading_close"):
            level = max(int(token.tag[1]), 2)
            token.tag = f"h{level}"
    raw = _markdown.renderer.render(tokens, _markdown.options, {})
    return sanitize_html(raw)


def sanitize_html(raw: str, *, link_rel: str = "noopener noreferrer") -> str:
    """Keep only the tags, attributes and URL schemes the site allows."""
    return nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=link_rel,
        strip_comments=True,
    )


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
