"""The search page's cards: the site's cached article cards, each with the passage that matched
in place of its excerpt (highlighted once, when the search runs, and kept with its results)."""

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from articles.models.search import MARK_START, MARK_STOP

from .articles_tags import card_html

register = template.Library()

MARKED_RE = re.compile(f"{MARK_START}([^{MARK_START}{MARK_STOP}]*){MARK_STOP}")
EXCERPT_RE = re.compile(r'<p class="card__excerpt">.*?</p>', re.DOTALL)


def _plain(text: str) -> str:
    """The text escaped, on one line (the passage's Markdown marks are gone already:
    models/search.py MARKDOWN_MARKS)."""
    text = text.replace(MARK_START, "").replace(MARK_STOP, "")
    return escape(re.sub(r"\s+", " ", text))


def highlighted(snippet: str) -> str:
    """The passage as HTML: every character escaped, the words found in <mark>. Nothing of the
    article's own text is ever HTML here, whatever it holds (stray marks included)."""
    parts = MARKED_RE.split(snippet)
    html = [
        f"<mark>{_plain(part).strip()}</mark>" if index % 2 else _plain(part)
        for index, part in enumerate(parts)
    ]
    return "".join(html).strip()


def _with_passage(card: str, passage: str) -> str:
    """The card with the passage in place of its excerpt."""
    found = f'<p class="card__excerpt card__excerpt--found">{passage}</p>'
    return EXCERPT_RE.sub(lambda _: found, card, count=1)


@register.simple_tag
def search_cards(states, passages: dict[int, str]) -> str:
    """The cards of found articles (card_states() rows), each showing its passage (from
    `passages`: HTML made by highlighted()) instead of the excerpt when there is one."""
    states = list(states)
    cards = card_html(states)
    html = []
    for state in states:
        card = cards.get(state.id)
        if card is None:
            continue
        if state.id in passages:
            card = _with_passage(card, passages[state.id])
        html.append(card)
    return mark_safe("".join(html))  # the cards are the template engine's, passages escaped
