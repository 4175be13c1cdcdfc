"""The shared page cache for anonymous readers.

A page is stored only when nothing in it belongs to one visitor: the request carries no session and
no pending messages, and rendering set no cookie and used no CSRF token. Members always get a fresh
page, so their own new comment shows at once; anonymous readers see it within PAGE_CACHE_SECONDS.
"""

import hashlib
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse

HEADERS_KEPT = ("Content-Type", "Content-Language", "X-Robots-Tag")


def _cache_key(request) -> str:
    digest = hashlib.blake2b(request.get_full_path().encode(), digest_size=16).hexdigest()
    return f"page:{digest}"


def _is_anonymous_request(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def anonymous_page_cache(view):
    """Serve the view from the shared cache to visitors without a session."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        seconds = settings.PAGE_CACHE_SECONDS
        if seconds <= 0 or not _is_anonymous_request(request):
            return view(request, *args, **kwargs)
        key = _cache_key(request)
        cached = cache.get(key)
        if cached is not None:
            status, headers, content = cached
            response = HttpResponse(content, status=status)
            for name, value in headers:
                response[name] = value
            response["X-Page-Cache"] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            and not (hasattr(request, "session") and request.session.modified)
        ):
            headers = [(name, response[name]) for name in HEADERS_KEPT if name in response]
            cache.set(key, (response.status_code, headers, response.content), seconds)
            response["X-Page-Cache"] = "miss"
        return response

    return wrapper
