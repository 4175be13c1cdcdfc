"""The shared page cache for anonymous readers.

A page is stored only when nothing in it belongs to one visitor: the request carries no session and
no pending messages, and rendering set no cookie and used no CSRF token. Members always get a fresh
page, so their own new comment shows at once; anonymous readers see it within PAGE_CACHE_SECONDS.
Pages are stored gzipped and sent as they are to browsers: a hit costs one cache read and no work.
"""

import gzip
import hashlib
import threading
import time
from collections import OrderedDict
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers

HEADERS_KEPT = ("Content-Type", "Content-Language", "X-Robots-Tag")
# Each worker also keeps its most requested pages for a second or two: most hits then cost a
# dictionary lookup instead of a Redis round trip, and a page is at most that much older.
LOCAL_SECONDS = 2
LOCAL_ENTRIES = 256
_local: OrderedDict[str, tuple[float, tuple]] = OrderedDict()
_local_lock = threading.Lock()


def _remember(key: str, stored: tuple) -> None:
    expires = time.monotonic() + min(LOCAL_SECONDS, settings.PAGE_CACHE_SECONDS)
    with _local_lock:
        _local[key] = (expires, stored)
        _local.move_to_end(key)
        while len(_local) > LOCAL_ENTRIES:
            _local.popitem(last=False)


def _lookup(key: str) -> tuple | None:
    """A stored page: this worker's recent copy, else the shared cache's."""
    found = _local.get(key)
    if found is not None and found[0] > time.monotonic():
        return found[1]
    stored = cache.get(key)
    if stored is not None:
        _remember(key, stored)
    return stored


def clear_local() -> None:
    """Forget this worker's copies (tests clear the shared cache and this together)."""
    with _local_lock:
        _local.clear()


def _cache_key(request) -> str:
    digest = hashlib.blake2b(request.get_full_path().encode(), digest_size=16).hexdigest()
    return f"page:{digest}"


def _is_anonymous_request(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def _from_cache(request, status, headers, compressed) -> HttpResponse:
    """A stored page, sent compressed to the clients that accept it (all browsers do)."""
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        response = HttpResponse(compressed, status=status)
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(gzip.decompress(compressed), status=status)
    for name, value in headers:
        response[name] = value
    patch_vary_headers(response, ["Accept-Encoding"])
    return response


class PageCacheMiddleware:
    """Answers anonymous readers from the page cache before the rest of the stack runs.

    It sits right after the security, static-file and frame-options middleware: a hit skips
    sessions, CSRF, authentication and the view.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.PAGE_CACHE_SECONDS > 0 and _is_anonymous_request(request):
            cached = _lookup(_cache_key(request))
            if cached is not None:
                response = _from_cache(request, *cached)
                response["X-Page-Cache"] = "hit"
                return response
        return self.get_response(request)


def anonymous_page_cache(view):
    """Store the view's page in the shared cache for visitors without a session."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        seconds = settings.PAGE_CACHE_SECONDS
        if seconds <= 0 or not _is_anonymous_request(request):
            return view(request, *args, **kwargs)
        response = view(request, *args, **kwargs)
        if (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            and not (hasattr(request, "session") and request.session.modified)
        ):
            headers = [(name, response[name]) for name in HEADERS_KEPT if name in response]
            stored = (response.status_code, headers, gzip.compress(response.content, 6))
            key = _cache_key(request)
            cache.set(key, stored, seconds)
            _remember(key, stored)
            patch_vary_headers(response, ["Accept-Encoding"])
            response["X-Page-Cache"] = "miss"
        return response

    return wrapper
