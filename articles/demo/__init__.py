"""The demo site's content, kept as data files beside this module and read by `load_demo`.

- `site.toml`: rubrics, series, authors, tags, the chat block and the words of synthetic titles.
- `articles/<slug>.md`: one hand-written article each, Markdown after TOML front matter between
  `+++` lines: title, rubric (its slug), author (a username from site.toml), tags, optionally
  series (its slug) and number, lead, and when it comes out: `published_days_ago = N`,
  `scheduled_in_days = N` or `draft = true`. The file name is the article's slug.
"""

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

FENCE = "+++\n"


@dataclass(frozen=True)
class DemoArticle:
    slug: str
    title: str
    rubric: str
    author: str
    tags: list[str]
    body: str
    lead: str = ""
    series: str | None = None
    number: int | None = None
    published_days_ago: int | None = None
    scheduled_in_days: int | None = None
    draft: bool = False

    @property
    def is_public(self) -> bool:
        return self.published_days_ago is not None


@cache
def site() -> dict:
    """site.toml as a dict: "tags", "chat", "generated", "rubrics", "series", "authors"."""
    return tomllib.loads(files(__name__).joinpath("site.toml").read_text(encoding="utf-8"))


@cache
def articles() -> tuple[DemoArticle, ...]:
    """The hand-written articles: scheduled first, then newest first, drafts last."""
    folder = files(__name__).joinpath("articles")
    items = [
        parse_article(entry.name.removesuffix(".md"), entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".md")
    ]
    return tuple(sorted(items, key=_days_ago))


def parse_article(slug: str, text: str) -> DemoArticle:
    """One article file: its front matter and its Markdown body."""
    front, fence, body = text.removeprefix(FENCE).partition("\n" + FENCE)
    if not text.startswith(FENCE) or not fence:
        raise ValueError(f"{slug}.md: front matter between {FENCE.strip()} lines expected")
    try:
        article = DemoArticle(slug=slug, body=body.removeprefix("\n"), **tomllib.loads(front))
    except (tomllib.TOMLDecodeError, TypeError) as error:
        raise ValueError(f"{slug}.md: {error}") from error
    when = [article.published_days_ago, article.scheduled_in_days]
    if sum(value is not None for value in when) + article.draft != 1:
        raise ValueError(
            f"{slug}.md: one of published_days_ago, scheduled_in_days or draft = true expected"
        )
    return article


def _days_ago(article: DemoArticle) -> float:
    if article.draft:
        return float("inf")
    if article.scheduled_in_days is not None:
        return -article.scheduled_in_days
    return article.published_days_ago
