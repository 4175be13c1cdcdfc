"""The current version of each article's discussion: part of the key of its cached HTML.

A version is a random token kept in the shared cache, replaced by the services on every change of
the article's comments, votes on them or their moderation. A token (not a counter) stays unique
even when the cache drops the key: a new random one cannot match an old rendering.
"""

import secrets

from django.core.cache import cache
from django.db import transaction

from articles import caching
from config.cache_keys import thread_version as _key


def thread_version(article_id: int) -> str:
    """The article's current discussion version, created on first use."""
    key = _key(article_id)
    version = cache.get(key)
    if version is None:
        cache.add(key, secrets.token_hex(6), None)
        version = cache.get(key)
    return version


def shared_thread_version(article_id: int) -> str:
    """thread_version() as this worker read it within LOCAL_SECONDS (caching.shared_copies,
    dropped by a takedown, as when a comment is hidden): for readers who are not logged in, who
    see a new comment that much later, and on a page the page cache keeps PAGE_CACHE_SECONDS.
    Members read the current one, so their own change shows on their next page."""
    return caching.shared_copies.get_or_put(_key(article_id), lambda: thread_version(article_id))


def bump_thread_version(article_id: int) -> None:
    """Give the article's discussion a new version, now and again once the transaction commits.

    Now, so the writer's next page shows the change even inside a longer transaction; after the
    commit, so a reader who rendered the old rows in between cannot keep them under the new version.
    """
    cache.set(_key(article_id), secrets.token_hex(6), None)
    transaction.on_commit(
        lambda: cache.set(_key(article_id), secrets.token_hex(6), None), robust=True
    )
