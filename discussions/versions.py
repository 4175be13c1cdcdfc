"""The current version of each article's discussion: part of the key of its cached HTML.

A version is a random token kept in the shared cache, replaced by the services on every change of
the article's comments, votes on them or their moderation. A token (not a counter) stays unique
even when the cache drops the key: a new random one cannot match an old rendering.
"""

import secrets
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from articles import caching
from articles.local_copies import LOCAL_SECONDS
from config.cache_keys import thread_version as _key

# A member who has just changed a discussion reads its current version for as long as another
# worker may still show the one before (LOCAL_SECONDS, and a second either side): the cookie
# their write's answer sets says until when. It grants nothing: a forged one only costs its
# sender's own pages a cache round trip each.
FRESH_COOKIE = "thread_fresh"
FRESH_SECONDS = LOCAL_SECONDS + 2


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
    dropped by a takedown, as when a comment is hidden): for every reader (they see another's new
    comment that much later, and on a page the page cache keeps PAGE_CACHE_SECONDS) but staff
    and a member who has just written (reads_current)."""
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


def mark_written(response) -> None:
    """Tells the writer's browser to read the current versions for FRESH_SECONDS: their own
    change shows on their next page, whichever worker answers it."""
    response.set_cookie(
        FRESH_COOKIE,
        str(int(time.time()) + FRESH_SECONDS),
        max_age=FRESH_SECONDS,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def reads_current(request) -> bool:
    """True while the cookie of mark_written() says this reader has just written."""
    value = request.COOKIES.get(FRESH_COOKIE, "")
    return value.isascii() and value.isdigit() and int(value) >= time.time()
