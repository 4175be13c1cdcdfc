"""The shared page cache for anonymous readers, and the generation search results are kept under.

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
  at once.
- With Redis, each worker also keeps its most requested pages for a second or two (LocalCopies),
  so most hits cost no round trip at all. Every takedown is announced on a Redis channel, and the
  worker reads its subscription before each lookup: it drops its copies before it serves the
  next request, and keeps none while the subscription is not known to be live.
- The headers the rest of the stack set (Vary, Cache-Control, Content-Language...) are stored and
  replayed. Pages are stored gzipped and sent as they are to the browsers that accept it; for the
  clients that accept no encoding (crawlers, some feed readers) each worker keeps the plain bodies
  of the pages it decompressed last (PlainBodies), so a hit decompresses a page once, not each time.
"""

import gzip
import logging
import secrets
import threading
from collections import OrderedDict
from importlib import import_module
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.sessions import middleware as django_sessions
from django.core import signing
from django.core.cache import cache
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.db import transaction
from django.http import HttpResponse, QueryDict
from django.urls import Resolver404, ResolverMatch, resolve
from django.utils import translation
from django.utils.cache import patch_vary_headers

from config import cache_keys

from .local_copies import LOCAL_SECONDS, REDIS_ERRORS, LocalCopies, takedown_client

# A parameter value the view refuses: the request goes to the view and nothing is stored.
INVALID = object()
# A hit sets its own encoding and length; a stored page never has cookies.
HEADERS_NOT_STORED = frozenset({"set-cookie", "content-length", "content-encoding", "x-page-cache"})
NOT_SHARED = frozenset({"private", "no-store", "no-cache"})
ROUTES_REMEMBERED = 1024
# Plain bodies a worker keeps for clients without gzip, in bytes of plain HTML.
PLAIN_BYTES = 16 * 1024 * 1024
logger = logging.getLogger(__name__)
_routes: OrderedDict[tuple[str, str], ResolverMatch | None] = OrderedDict()
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


def shared_member_page(view):
    """Let members share this view's page, their own parts joined in per request
    (discussions/member_pages.py fills the holes the templates leave for
    request.member_skeleton)."""
    view.member_page = True
    return view


def content_generation(request=None) -> str:
    """The current content generation, created on first use; a request keeps the one it started
    with, so its page and fragments are stored under the generation they were rendered in."""
    known = getattr(request, "content_generation", None)
    if known is not None:
        return known
    key = cache_keys.content_generation()
    generation = shared_copies.get_or_put(key, lambda: cache.get(key) or _new_token(key))
    if request is not None:
        request.content_generation = generation
    return generation


def _new_token(key: str) -> str:
    """The token under `key`, created unless another process just did."""
    cache.add(key, secrets.token_hex(6), None)
    # A cache that answers nothing gets a token of this request's own: it matches nothing.
    return cache.get(key) or secrets.token_hex(6)


def bump_content_generation() -> None:
    """Replace the content generation now and again once the transaction commits: every stored
    page, and every fragment listing articles, is a miss from now on, on every node, and every
    worker drops its own copies.

    Now, so the writer's next page is fresh even inside a longer transaction; after the commit,
    so a page rendered from the old rows in between cannot stay under the new generation."""
    _replace_generation()
    transaction.on_commit(_replace_generation, robust=True)


def search_generation() -> str:
    """The current search generation, created on first use (one round trip)."""
    key = cache_keys.search_generation()
    return cache.get(key) or _new_token(key)


def stored_search(key: str) -> tuple[str, object | None]:
    """The current search generation and the results stored under `key` for it (None when
    there are none, or only older ones), in one round trip."""
    generation_key = cache_keys.search_generation()
    found = cache.get_many([generation_key, key])
    generation = found.get(generation_key) or _new_token(generation_key)
    stored = found.get(key)
    if stored is not None and stored[0] == generation:
        return generation, stored[1]
    return generation, None


def store_search(key: str, generation: str, results: object) -> None:
    """Keep a search's results for SEARCH_CACHE_SECONDS, under the generation they were found
    in (read before the search ran: a change meanwhile makes them a miss at once)."""
    cache.set(key, (generation, results), settings.SEARCH_CACHE_SECONDS)


def bump_search_generation() -> None:
    """Replace the search generation now and again once the transaction commits: every stored
    search result is a miss from now on, on every node (as bump_content_generation does for
    pages)."""
    _replace_search_generation()
    transaction.on_commit(_replace_search_generation, robust=True)


def _replace_search_generation() -> None:
    cache.set(cache_keys.search_generation(), secrets.token_hex(6), None)


def forget_chat_block() -> None:
    """Drop the cached chat block and the sidebar fragment in every language, so a new count or
    an edit shows on the next page rendered; stored pages keep theirs for PAGE_CACHE_SECONDS."""
    generation = content_generation()
    sidebars = [cache_keys.fragment("sidebar", code, generation) for code, _ in settings.LANGUAGES]
    cache.delete_many([cache_keys.chat_block(), *sidebars])
    shared_copies.clear()  # the other workers' copies go within LOCAL_SECONDS


def _replace_generation() -> None:
    cache.set(cache_keys.content_generation(), secrets.token_hex(6), None)
    local_copies.clear()
    shared_copies.clear()
    if settings.REDIS_URL:
        try:
            takedown_client().publish(cache_keys.takedown_channel(), b"1")
        except REDIS_ERRORS:
            # Redis is down: the workers' subscriptions are broken too, so none uses its copies.
            logger.warning("Could not announce a takedown; workers rely on their pings")


local_copies = LocalCopies()
# What every page reads, whichever it is: the content generation, the template fragments (the
# header's rubrics and the sidebar above all) and the chat block. Each worker keeps what it read
# LOCAL_SECONDS, trusted as its page copies are: a takedown drops them before the next request.
shared_copies = LocalCopies(entries=512, seconds=LOCAL_SECONDS)


class FragmentCache(BaseCache):
    """The cache of `{% cache %}` (Django's "template_fragments" alias): the default cache, with
    this worker's copies (shared_copies) in front of it. A fragment is read from the shared cache
    once per LOCAL_SECONDS and worker, not once per page; it may show LOCAL_SECONDS longer than
    its lifetime in config.cache_keys.FRAGMENTS, never past a takedown. Without Redis there is no
    takedown channel, and every read goes to the default cache."""

    def __init__(self, location, params):
        super().__init__(params)

    def get(self, key, default=None, version=None):
        epoch = shared_copies.epoch()
        found = shared_copies.get(key, epoch)
        if found is not None:
            return found[0]
        value = cache.get(key, version=version)
        if value is None:
            return default
        shared_copies.put(key, (value,), epoch)
        return value

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        cache.set(key, value, timeout, version=version)

    def delete(self, key, version=None):
        shared_copies.clear()
        return cache.delete(key, version=version)

    def clear(self):
        shared_copies.clear()
        cache.clear()


def route(path: str) -> ResolverMatch | None:
    """What the URLconf resolves this path to (remembered per path), or None."""
    key = (settings.ROOT_URLCONF, path)
    with _routes_lock:
        if key in _routes:
            _routes.move_to_end(key)
            return _routes[key]
    # Before LocaleMiddleware: the language prefix of the path decides which patterns match.
    with translation.override(translation.get_language_from_path(path) or settings.LANGUAGE_CODE):
        try:
            match = resolve(path, key[0])
        except Resolver404:
            match = None
    with _routes_lock:
        _routes[key] = match
        while len(_routes) > ROUTES_REMEMBERED:
            _routes.popitem(last=False)
    return match


def route_view(path: str):
    """The view at this path, or None."""
    match = route(path)
    return match.func if match is not None else None


def _declared_params(path: str) -> dict | None:
    """The parameters of the cached view at this path, or None when its page is not cached."""
    return getattr(route_view(path), "page_cache_params", None)


def _is_anonymous(request) -> bool:
    """False for a visitor with a real session or real pending messages. Forged cookies are
    dropped from the request, so the rest of the stack never sees them either."""
    cookies = request.COOKIES
    session_key = cookies.get(settings.SESSION_COOKIE_NAME)
    if session_key is not None:
        session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
        session.items()  # read now: a session that does not exist (or expired) loses its key
        if session.session_key is not None:
            # SessionMiddleware takes it as read: one cache round trip per member request less
            request.read_session = session
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


def storable(request, response) -> bool:
    """Whether a response may be shared: a 200 that sets no cookie, used no CSRF token and is
    not private."""
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


class PlainBodies:
    """The plain bodies of the stored pages this worker decompressed last, within a byte budget.

    An entry is the body of exactly one compressed page: it is used only while the page stored
    under its key is the same bytes, so a new rendering or a takedown is never answered with the
    old body (the page cache decides what is current; this only saves the decompression).
    """

    def __init__(self, budget: int):
        self._budget = budget
        self._size = 0
        self._bodies: OrderedDict[str, tuple[bytes, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def body(self, key: str, compressed: bytes) -> bytes:
        with self._lock:
            found = self._bodies.get(key)
            if found is not None and found[0] == compressed:
                self._bodies.move_to_end(key)
                return found[1]
        plain = gzip.decompress(compressed)
        with self._lock:
            old = self._bodies.pop(key, None)
            if old is not None:
                self._size -= len(old[1])
            if len(plain) <= self._budget // 4:
                self._bodies[key] = (compressed, plain)
                self._size += len(plain)
            while self._size > self._budget:
                self._size -= len(self._bodies.popitem(last=False)[1][1])
        return plain

    def clear(self) -> None:
        with self._lock:
            self._bodies.clear()
            self._size = 0


plain_bodies = PlainBodies(PLAIN_BYTES)


def stored_headers(response) -> list[tuple[str, str]]:
    return [
        (name, value) for name, value in response.items() if name.lower() not in HEADERS_NOT_STORED
    ]


def put_stored_headers(response, headers: list[tuple[str, str]]) -> None:
    """Headers stored_headers() kept, into the response's own mapping as they are: they were
    checked when the page was stored (checking each name and value again was a tenth of a hit's
    CPU)."""
    response.headers._store.update((name.lower(), (name, value)) for name, value in headers)


def accepts_gzip(request) -> bool:
    """Whether the client takes a gzipped body (all browsers do)."""
    # (request.headers would parse every header first)
    return "gzip" in request.META.get("HTTP_ACCEPT_ENCODING", "")


def _from_cache(request, key, status, headers, compressed) -> HttpResponse:
    """A stored page, sent compressed to the clients that accept it."""
    if accepts_gzip(request):
        response = HttpResponse(compressed, status=status)
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(plain_bodies.body(key, compressed), status=status)
    put_stored_headers(response, headers)
    response["Content-Length"] = str(len(response.content))
    patch_vary_headers(response, ["Accept-Encoding"])
    return response


def _hit(request, key: str, stored: tuple) -> HttpResponse:
    response = _from_cache(request, key, *stored[1:])
    response["X-Page-Cache"] = "hit"
    return response


class PageCacheMiddleware:
    """Answers anonymous readers from the page cache before the rest of the stack runs.

    It sits right after the security, static-file and frame-options middleware: a hit skips
    sessions, CSRF, authentication and the view, and costs one cache round trip, or none when
    this worker has a copy.
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
        epoch = local_copies.epoch()
        stored = local_copies.get(key, epoch)
        if stored is not None:
            return _hit(request, key, stored)
        generation_key = cache_keys.content_generation()
        found = cache.get_many([generation_key, key])
        generation, stored = found.get(generation_key), found.get(key)
        if stored is not None and generation is not None and stored[0] == generation:
            local_copies.put(key, stored, epoch)
            return _hit(request, key, stored)
        request.content_generation = generation or content_generation()
        request.META["QUERY_STRING"] = query
        request.GET = QueryDict(query)
        response = self.get_response(request)
        if storable(request, response):
            headers = stored_headers(response)
            compressed = gzip.compress(response.content, 6)
            stored = (request.content_generation, response.status_code, headers, compressed)
            cache.set(key, stored, settings.PAGE_CACHE_SECONDS)
            local_copies.put(key, stored, epoch)
            patch_vary_headers(response, ["Accept-Encoding"])
            response["X-Page-Cache"] = "miss"
        return response


class SessionMiddleware(django_sessions.SessionMiddleware):
    """Django's, but it takes the session PageCacheMiddleware has already read for this request."""

    def process_request(self, request):
        session = getattr(request, "read_session", None)
        if session is None:
            super().process_request(request)
        else:
            request.session = session
