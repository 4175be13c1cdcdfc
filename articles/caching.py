"""The shared page cache for anonymous readers.

A page is stored only when nothing in it belongs to one visitor: the request carries no real
session and no real pending messages, and the response sets no cookie, used no CSRF token and is
not private. Members always get a fresh page, so their own new comment shows at once; anonymous
readers see an edit within PAGE_CACHE_SECONDS and a takedown at once.

PageCacheMiddleware does the whole job, before sessions, CSRF and authentication run:

- Only views marked with @anonymous_page_cache(...) are cached; the middleware finds the view from
  the path (and remembers it per path).
- The key (config.cache_keys.page) is made of the scheme, the validated host, the path and the
  canonical form of the GET parameters the view declares. Every other parameter is dropped from
  the request before the view runs, so a random query string gets the same page from the same
  entry; a value the view refuses (`?page=x`) goes to the view, which answers 404, uncached.
- Each entry carries the content generation it was rendered under, and a lookup reads both in one
  round trip: a takedown (bump_content_generation) makes every older entry a miss on every node
  at once. That is also why no worker keeps pages of its own.
- The headers the rest of the stack set (Vary, Cache-Control, Content-Language...) are stored and
  replayed. Pages are stored gzipped and sent as they are to the browsers that accept it.
"""

import gzip
import secrets
import threading
from collections import OrderedDict
from importlib import import_module
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse, QueryDict
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.cache import patch_vary_headers

from config import cache_keys

# A parameter value the view refuses: the request goes to the view and nothing is stored.
INVALID = object()
# A hit sets its own encoding and length; a stored page never has cookies.
HEADERS_NOT_STORED = frozenset({"set-cookie", "content-length", "content-encoding", "x-page-cache"})
NOT_SHARED = frozenset({"private", "no-store", "no-cache"})
ROUTES_REMEMBERED = 1024
_routes: OrderedDict[tuple[str, str], dict | None] = OrderedDict()
_routes_lock = threading.Lock()


def page_number(value: str):
    """A page number as the paginator reads it (int()); page 1 is the list without one."""
    if value == "":
        return None
    try:
        number = int(value)
    except ValueError:
        return INVALID
    if number < 1:
        return INVALID
    return None if number == 1 else str(number)


def choice(*values: str, default: str, otherwise=INVALID):
    """One of a few values, the default being the page without the parameter. Anything else is
    `otherwise`: INVALID when the view refuses it, None when the view falls back to the default."""

    def canonical(value: str):
        if value == default:
            return None
        return value if value in values else otherwise

    canonical.values, canonical.default = values, default
    return canonical


def anonymous_page_cache(**params):
    """Let the page cache store this view's page for anonymous readers, keyed on these GET
    parameters, each given with its canonical form (page_number, choice(...))."""

    def mark(view):
        view.page_cache_params = params
        return view

    return mark


def content_generation(request=None) -> str:
    """The current content generation, created on first use; a request keeps the one it started
    with, so its page and fragments are stored under the generation they were rendered in."""
    known = getattr(request, "content_generation", None)
    if known is not None:
        return known
    key = cache_keys.content_generation()
    generation = cache.get(key)
    if generation is None:
        cache.add(key, secrets.token_hex(6), None)
        # A cache that answers nothing gets a token of this request's own: it matches nothing.
        generation = cache.get(key) or secrets.token_hex(6)
    if request is not None:
        request.content_generation = generation
    return generation


def bump_content_generation() -> None:
    """Replace the content generation now and again once the transaction commits: every stored
    page, and every fragment listing articles, is a miss from now on, on every node.

    Now, so the writer's next page is fresh even inside a longer transaction; after the commit,
    so a page rendered from the old rows in between cannot stay under the new generation."""
    key = cache_keys.content_generation()
    cache.set(key, secrets.token_hex(6), None)
    transaction.on_commit(lambda: cache.set(key, secrets.token_hex(6), None), robust=True)


def _declared_params(path: str) -> dict | None:
    """The parameters of the cached view at this path, or None when its page is not cached."""
    route = (settings.ROOT_URLCONF, path)
    with _routes_lock:
        if route in _routes:
            _routes.move_to_end(route)
            return _routes[route]
    # Before LocaleMiddleware: the language prefix of the path decides which patterns match.
    with translation.override(translation.get_language_from_path(path) or settings.LANGUAGE_CODE):
        try:
            params = getattr(resolve(path, route[0]).func, "page_cache_params", None)
        except Resolver404:
            params = None
    with _routes_lock:
        _routes[route] = params
        while len(_routes) > ROUTES_REMEMBERED:
            _routes.popitem(last=False)
    return params


def _is_anonymous(request) -> bool:
    """False for a visitor with a real session or real pending messages. Forged cookies are
    dropped from the request, so the rest of the stack never sees them either."""
    cookies = request.COOKIES
    session_key = cookies.get(settings.SESSION_COOKIE_NAME)
    if session_key is not None:
        store = import_module(settings.SESSION_ENGINE).SessionStore
        if store().exists(session_key):
            return False
        del cookies[settings.SESSION_COOKIE_NAME]
    messages = cookies.get(CookieStorage.cookie_name)
    if messages is not None:
        try:
            signing.get_cookie_signer(salt=CookieStorage.key_salt).unsign(messages)
        except signing.BadSignature:
            del cookies[CookieStorage.cookie_name]
        else:
            return False
    return True


def _canonical_query(request, params: dict) -> str | None:
    """The declared parameters in canonical form as a query string; None if one is refused."""
    kept = []
    for name in sorted(params):
        value = request.GET.get(name)
        if value is None:
            continue
        canonical = params[name](value)
        if canonical is INVALID:
            return None
        if canonical is not None:
            kept.append((name, canonical))
    return urlencode(kept)


def _storable(request, response) -> bool:
    directives = {
        part.split("=")[0].strip().lower() for part in response.get("Cache-Control", "").split(",")
    }
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not directives & NOT_SHARED
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
    response["Content-Length"] = str(len(response.content))
    patch_vary_headers(response, ["Accept-Encoding"])
    return response


class PageCacheMiddleware:
    """Answers anonymous readers from the page cache before the rest of the stack runs.

    It sits right after the security, static-file and frame-options middleware: a hit skips
    sessions, CSRF, authentication and the view, and costs one cache round trip.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.PAGE_CACHE_SECONDS <= 0 or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        params = _declared_params(request.path_info)
        if params is None or not _is_anonymous(request):
            return self.get_response(request)
        query = _canonical_query(request, params)
        if query is None:
            return self.get_response(request)
        host = request.get_host().lower()  # validated: a disallowed host is a 400 here too
        key = cache_keys.page(scheme=request.scheme, host=host, path=request.path, query=query)
        generation_key = cache_keys.content_generation()
        found = cache.get_many([generation_key, key])
        generation, stored = found.get(generation_key), found.get(key)
        if stored is not None and generation is not None and stored[0] == generation:
            response = _from_cache(request, *stored[1:])
            response["X-Page-Cache"] = "hit"
            return response
        request.content_generation = generation or content_generation()
        request.META["QUERY_STRING"] = query
        request.GET = QueryDict(query)
        response = self.get_response(request)
        if _storable(request, response):
            headers = [
                (name, value)
                for name, value in response.items()
                if name.lower() not in HEADERS_NOT_STORED
            ]
            compressed = gzip.compress(response.content, 6)
            stored = (request.content_generation, response.status_code, headers, compressed)
            cache.set(key, stored, settings.PAGE_CACHE_SECONDS)
            patch_vary_headers(response, ["Accept-Encoding"])
            response["X-Page-Cache"] = "miss"
        return response
