"""Every key the site keeps in the cache: who builds it, how long it lives, what replaces it.

"How stale can X be?" has its answer here, beside the function that builds X's key. In short:

- A takedown (an article unpublished, withdrawn or deleted; a comment hidden, deleted or restored)
  shows on every page at once: it replaces the content generation, which every stored page and
  every fragment that lists other articles carries or has in its key.
- Search results carry the search generation, replaced whenever an article is published, saved,
  withdrawn or deleted and a tag renamed or deleted: a change shows in search at once.
- An edit shows within PAGE_CACHE_SECONDS (60 s): the page cache, the sidebar, the rubric menu,
  related articles and list counts live that long; cards, the article's own fragments and the
  comment thread have the state they show (update time, counters, thread version) in their keys.
- Each worker keeps what every page reads (the content generation, the template fragments, the
  chat block) LOCAL_SECONDS (2 s) more, dropped at once by a takedown (articles.caching
  .shared_copies), and the cards it showed 10 s (their keys name their state).

Keys are scoped to the release (settings.RELEASE): Django's KEY_PREFIX is CACHE_PREFIX and
make_key() below puts the release after it, so no release ever unpickles another one's objects.
Keys that begin with DURABLE hold only a number or a short string and are shared by every release,
so that nodes running the old and the new code during a deploy see the same takedowns, limits and
claims.

Outside this module: Django's own keys (sessions: `django.contrib.sessions.cached_db<key>`,
release-scoped, read through to the database; allauth's rate limits `allauth:rl:...`), the rate
limits of comments, votes and reports (django-ratelimit's keys in the "ratelimit" cache alias,
CACHE_PREFIX without the release, each with its window in it: discussions/ratelimit.py). The view
counting's raw keys are named here too (at the end), though they are not cache keys.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache.utils import make_template_fragment_key

DURABLE = "durable:"


def make_key(key: str, key_prefix: str, version: int) -> str:
    """Django's KEY_FUNCTION: the release goes into every key but the durable ones."""
    if key.startswith(DURABLE):
        return f"{key_prefix}:{version}:{key}"
    return f"{key_prefix}:{settings.RELEASE}:{version}:{key}"


# What the release fingerprint covers: code, templates, translations and pinned dependencies.
_RELEASE_DIRS = (
    "config",
    "accounts",
    "articles",
    "discussions",
    "images",
    "telegram",
    "templates",
    "locale",
)
_RELEASE_SUFFIXES = {".py", ".html", ".txt", ".mo"}


def code_fingerprint(base_dir: Path) -> str:
    """A short hash of the code: the same on every node of a release, new after any change."""
    digest = hashlib.blake2b(digest_size=6)
    for name in _RELEASE_DIRS:
        for path in sorted((base_dir / name).rglob("*")):
            if path.suffix in _RELEASE_SUFFIXES and path.is_file():
                digest.update(str(path.relative_to(base_dir)).encode())
                digest.update(path.read_bytes())
    for name in ("requirements.txt",):
        if (base_dir / name).is_file():
            digest.update((base_dir / name).read_bytes())
    return digest.hexdigest()


# The page cache and what it is checked against (articles/caching.py).


def content_generation() -> str:
    """A random token, no expiry. Replaced by articles.caching.bump_content_generation() on every
    takedown, at once and again when the transaction commits. Stored pages carry the token they
    were rendered under and are read with it in one round trip; fragments and list counts that
    show other articles have it in their keys. A lost token is recreated and matches nothing."""
    return f"{DURABLE}content-generation"


def takedown_channel() -> str:
    """Not a key: the Redis channel each takedown is announced on, after the generation was
    replaced, so every worker drops its own copies of pages (articles.local_copies.LocalCopies).
    Named by the deployment's prefix and the Redis database, shared by all releases."""
    database = urlsplit(settings.REDIS_URL).path.strip("/") or "0"
    return f"{settings.CACHE_PREFIX}:{database}:takedowns"


def page(*, scheme: str, host: str, path: str, query: str) -> str:
    """A whole anonymous page, PAGE_CACHE_SECONDS (60 s). Built from the scheme, the validated
    host, the path and the canonical query of the parameters the view declares (page, period,
    sort); any other parameter is dropped before the view runs. A hit is valid only under the
    current content generation, so a takedown shows at once; an edit within 60 s. Each worker
    may keep a copy LOCAL_SECONDS (2 s) longer, dropped at once by a takedown."""
    raw = f"{scheme}://{host}{path}?{query}"
    return "page:" + hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


def member_page(*, scheme: str, host: str, path: str, language: str) -> str:
    """An article page as every member shares it (discussions/member_pages.py), PAGE_CACHE_SECONDS:
    the anonymous page with holes where the member's own parts go (the header's menu and bell,
    the article's vote and bookmark, the whole discussion), which are rendered for each request.
    Valid only under the current content generation (a takedown shows at once, an edit within
    60 s, as for readers); the parts in the holes are never stored. Each worker may keep a copy
    LOCAL_SECONDS (2 s), dropped at once by a takedown."""
    raw = f"{scheme}://{host}{path}:{language}"
    return "member-page:" + hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


# Search (articles/search_views.py, articles/caching.py).


def search_generation() -> str:
    """A random token, no expiry. Replaced by articles.caching.bump_search_generation() whenever
    what an article is found by changes: a search document rewritten (an article saved, a tag
    renamed or deleted), an article published, unpublished, withdrawn or deleted; at once and
    again when the transaction commits. Stored search results carry the token they were found
    under and are read with it in one round trip. A lost token is recreated and matches nothing."""
    return f"{DURABLE}search-generation"


def search_results(*, query: str, rubric: str, period: str, sort: str, page: str) -> str:
    """What one page of one search found (the count, the page's ids and passages, the tags and
    authors whose names match, a corrected query), SEARCH_CACHE_SECONDS (5 minutes). A hash of
    the query (as the view normalises it: whitespace collapsed), the filters and `?page=`:
    nothing of who asked. Valid only under the current search generation, so a new, changed or
    withdrawn article shows in search at once; an article whose publication time comes, or an
    author's new name, within 5 minutes. The page shown from it is kept by each worker
    (search_page() below)."""
    raw = "\0".join([query, rubric, period, sort, str(page)])
    return "search:" + hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


SEARCH_PAGE_SECONDS = 60


def search_page(*, results: str, language: str, generations) -> str:
    """Not in the shared cache: the key of a worker's copy of one search page below the site's
    header (the form, the names, the cards, the page links: articles/search_views.py), kept
    SEARCH_PAGE_SECONDS. A hash of the search_results() key of its query, filters and page, the
    language, and the search and content generations: a change to the articles and a takedown
    make a new key at once; the cards' counters and covers, a renamed rubric show within 60 s,
    as on every list page."""
    raw = "\0".join([results, language, *generations])
    return "search-page:" + hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


LIST_COUNT_SECONDS = 60


def list_count(name: str, *, generation: str) -> str:
    """The number of articles in a list (home, a rubric, a tag, a series, a ranking and period),
    LIST_COUNT_SECONDS; a takedown makes a new key at once, a new article counts within 60 s
    (each worker keeps its copy LOCAL_SECONDS more: articles.caching.shared_copies)."""
    return f"list-count:{name}:{generation}"


SEEK_TABLE_SECONDS = 10 * 60


def seek_table(name: str, owner: int | None) -> str:
    """The sort key of every SEEK_STEP-th article of a list newest first (home, a rubric's, a
    tag's: articles/listings.py), SEEK_TABLE_SECONDS, so a deep page starts near its first row.
    Never stale: it carries the search generation it was found under (every publication,
    withdrawal, deletion and edit of an article or a tag replaces it) and the time of the list's
    first scheduled article, and either one refused makes it found again."""
    return f"seek-table:{name}:{owner or 0}"


def list_owner(label: str, slug: str) -> str:
    """Not in the shared cache: the key of a worker's copy of the rubric or tag a list page is
    of (articles.caching.shared_copies), LOCAL_SECONDS; a takedown drops it, a rename or a
    deletion shows within 2 s."""
    return f"list-owner:{label}:{slug}"


def rubric_choices() -> str:
    """Not in the shared cache: the key of a worker's copy of the rubrics' slugs and names the
    search form offers (articles.caching.shared_copies), LOCAL_SECONDS; a takedown drops it, a
    new rubric or a rename shows within 2 s."""
    return "rubric-choices"


ANALYTICS_AUTHORS_SECONDS = 10 * 60


def analytics_authors() -> str:
    """Everyone who wrote an article, (id, name) by name, for the analytics page's filter,
    ANALYTICS_AUTHORS_SECONDS: finding them reads the whole article table. A new author shows in
    the list within 10 minutes."""
    return "analytics-authors"


CARD_SECONDS = 10 * 60


def card(
    *,
    language: str,
    article_id: int,
    updated_at: float,
    views: int,
    comments: int,
    cover: int | None,
) -> str:
    """One article card's HTML, CARD_SECONDS, never stale: every field it shows of the article
    moves updated_at, a counter or the cover (a library picture, whose files never change), so a
    change makes a new key. (An author's new display name, a renamed rubric or a cover's new
    description shows on cards within 10 minutes.)"""
    return f"card:{language}:{article_id}:{updated_at}:{views}:{comments}:{cover or 0}"


FEED_SECONDS = 10 * 60


def feed(*, url: str, language: str, items: list[tuple]) -> str:
    """A feed's XML (RSS or Atom, articles/feeds.py), FEED_SECONDS. A hash of its address, its
    language and, for each article it lists, the id, the update time and the author's and the
    rubric's names: a new article, a takedown, an edit or a new name makes a new key at once.
    (A renamed tag shows within 10 minutes; each worker keeps the feeds it sent 10 s.)"""
    raw = repr((url, language, items))
    return "feed:" + hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


# Discussions (discussions/versions.py, discussions/thread.py, discussions/services/comments.py).


def thread_version(article_id: int) -> str:
    """The version of an article's discussion, a random token without expiry, replaced by
    discussions.versions.bump_thread_version() on every change of its comments, their votes and
    their moderation."""
    return f"{DURABLE}thread-version:{article_id}"


THREAD_HTML_RECENT_SECONDS = 60
THREAD_HTML_SETTLED_SECONDS = 10 * 60


def thread_html(
    *, article_id: int, version: str, author_id: int, sort: str, audience: str, language: str
) -> str:
    """An article's comments rendered for readers or for staff, cut into parts (a
    discussions.thread.Discussion). Never stale: the thread version is in the key. Kept
    THREAD_HTML_RECENT_SECONDS while the thread has comments of the last day
    (their "5 минут назад" ages), THREAD_HTML_SETTLED_SECONDS otherwise."""
    return f"thread-parts:{article_id}:{version}:{author_id}:{sort}:{audience}:{language}"


def comment_posted(*, author_id: int, article_id: int, digest: str) -> str:
    """A claim on one text under one article by one member, COMMENT_DUPLICATE_SECONDS (10 s):
    a second identical post meanwhile is refused. Deleted when the post fails."""
    return f"{DURABLE}comment-posted:{author_id}:{article_id}:{digest}"


CHAT_BLOCK_SECONDS = 60


def chat_block() -> str:
    """The chat block on show (or none), for the sidebar and the article's "Обсудить в чате"
    link, CHAT_BLOCK_SECONDS; deleted by articles.caching.forget_chat_block() when sync_chat
    stores a new count and when an editor saves the block."""
    return "chat-block"


# View counting (articles/services.py).

VIEW_TARGET_SECONDS = 60


def view_target(article_id: int) -> str:
    """The few fields of an article a view report needs, VIEW_TARGET_SECONDS; deleted when the
    article is published, unpublished, withdrawn or deleted."""
    return f"view-target:{article_id}"


# View counting (articles/services.py, articles/counters.py): raw keys in Redis, or rows of the
# Counter table while Redis does not answer; not through Django's cache. They carry CACHE_PREFIX
# and never a release: views waiting in the buffer, and the caps, outlive a deploy.


def _views(*parts) -> str:
    return ":".join([settings.CACHE_PREFIX, "views", *map(str, parts)])


def view_seen(article_id: int, visitor: str) -> str:
    """One verified visitor's counted view of one article, VIEW_DEDUP_SECONDS (30 minutes)."""
    return _views("seen", article_id, visitor)


def view_cap_day(address: str, article_id: int, day) -> str:
    """Views counted from one address for one article on one day; kept two days."""
    return _views("cap-day", address, article_id, day)


def view_cap_hour(address: str, hour: int) -> str:
    """Views counted from one address in one hour (hours since the epoch); kept two hours."""
    return _views("cap-hour", address, hour)


def read_seen(article_id: int, visitor: str) -> str:
    """One verified visitor's counted engaged read of one article, VIEW_DEDUP_SECONDS."""
    return _views("read-seen", article_id, visitor)


def read_cap_day(address: str, article_id: int, day) -> str:
    """Engaged reads counted from one address for one article on one day; kept two days."""
    return _views("read-cap-day", address, article_id, day)


def read_cap_hour(address: str, hour: int) -> str:
    """Engaged reads counted from one address in one hour; kept two hours."""
    return _views("read-cap-hour", address, hour)


def visitor_ids(address: str, hour: int) -> str:
    """Visitor ids handed to one address in one hour; kept two hours."""
    return _views("ids", address, hour)


def pending_views() -> str:
    """The hash of views waiting for flush_views() ("article:day" -> count, "article:day:read"
    for engaged reads, "article:day:from:kind:host" for where views came from), no expiry; each
    flush renames it to a batch key."""
    return _views("pending")


def view_batch_prefix() -> str:
    """Followed by a random id: a batch flush_views() is applying, deleted once applied (its
    FlushedBatch row makes a second application a no-op)."""
    return _views("batch", "")


# Template fragments: `{% cache seconds name vary_on... %}`, keyed by Django from the name and the
# vary_on values. A test checks that the templates use exactly these names and lifetimes.


@dataclass(frozen=True)
class Fragment:
    seconds: int
    vary_on: str
    changes: str


FRAGMENTS = {
    "rubric_nav": Fragment(60, "language", "a renamed or new rubric shows within 60 s"),
    "sidebar": Fragment(
        60,
        "language, content generation",
        "a takedown at once; the chat block's count from sync_chat or the admin at once (its "
        "key deleted: fragment() below); its other fields, new rankings, counters within 60 s",
    ),
    "article_head": Fragment(
        300, "article, its update time, preview, language", "never stale: edits move the time"
    ),
    "article_main": Fragment(
        300,
        "article, its update time, views, comments, preview, language",
        "never stale; the author's new name or avatar within 5 minutes",
    ),
    "article_series": Fragment(
        60,
        "article, series and number, preview, language, content generation",
        "a neighbour taken down at once, a neighbour's new title within 60 s",
    ),
    "article_related": Fragment(
        60, "article, language, content generation", "a takedown at once, edits within 60 s"
    ),
}


def fragment(name: str, *vary_on) -> str:
    """The key Django's `{% cache %}` gives the fragment `name` of FRAGMENTS for these vary_on
    values, to delete it before its time (articles.caching.forget_chat_block)."""
    return make_template_fragment_key(name, vary_on)
