"""Where a reader came from, reduced to the kind of source and the referring host.

The page's script sends `document.referrer`; only its host is kept (lowercased, no port, no
"www."), never the path, the query or anything about the reader. A value that is not an address
of a web page is "other" with no host.
"""

import re
from typing import NamedTuple
from urllib.parse import urlsplit

from .models import ArticleReferrerDaily, ReferrerKind

# A search engine's host has one of these names as a label before its country or generic domain:
# www.google.ru, yandex.com.tr, duckduckgo.com, m.bing.com.
SEARCH_RE = re.compile(
    r"(?:^|\.)(?:google|yandex|bing|duckduckgo|yahoo|ecosia|baidu|startpage|qwant|"
    r"nova\.rambler|go\.mail)\.[a-z.]+$"
)
SEARCH_HOSTS = {"ya.ru", "search.brave.com"}
TELEGRAM_HOSTS = {"t.me", "telegram.me", "telegram.org", "telegram.dog"}
# Telegram's Android app sends android-app://org.telegram.messenger/ as the referrer.
TELEGRAM_APPS = {"org.telegram.messenger", "org.telegram.plus", "org.thunderdog.challegram"}
HOST_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$")
# document.referrer is at most a URL; anything longer is not read.
REFERRER_MAX_LENGTH = 2000


class Referrer(NamedTuple):
    kind: str
    host: str


DIRECT = Referrer(ReferrerKind.DIRECT, "")
UNKNOWN = Referrer(ReferrerKind.OTHER, "")


def bare_host(host: str) -> str:
    """The host lowercased, without a trailing dot or a leading "www."."""
    host = host.lower().rstrip(".")
    return host.removeprefix("www.")


def classify(referrer: str, *, own_hosts: set[str]) -> Referrer:
    """The kind and bare host of a referring page; direct when there is none or it is this site."""
    referrer = referrer.strip()
    if not referrer:
        return DIRECT
    if len(referrer) > REFERRER_MAX_LENGTH:
        return UNKNOWN
    try:
        parts = urlsplit(referrer)
        host = bare_host(parts.hostname or "")
    except ValueError:  # a malformed address (an unclosed IPv6 bracket, a bad port)
        return UNKNOWN
    if parts.scheme not in {"http", "https", "android-app"} or not HOST_RE.match(host):
        return UNKNOWN
    host = host[: ArticleReferrerDaily.HOST_MAX_LENGTH]
    if parts.scheme == "android-app":
        telegram = host in TELEGRAM_APPS
        return Referrer(ReferrerKind.TELEGRAM if telegram else ReferrerKind.OTHER, host)
    if host in {bare_host(own) for own in own_hosts}:
        return DIRECT
    if host in TELEGRAM_HOSTS or host.endswith(".telegram.org"):
        return Referrer(ReferrerKind.TELEGRAM, host)
    if host in SEARCH_HOSTS or SEARCH_RE.search(host):
        return Referrer(ReferrerKind.SEARCH, host)
    return Referrer(ReferrerKind.OTHER, host)
