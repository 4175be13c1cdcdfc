"""This worker's own copies of its most requested pages (articles.caching keeps one,
`local_copies`), and the takedown channel that tells every worker to drop them."""

import os
import threading
import time
from collections import OrderedDict

import redis
from django.conf import settings
from django.core.signals import request_finished, request_started

from config import cache_keys

LOCAL_SECONDS = 2
LOCAL_ENTRIES = 256
# The subscription pings Redis this often and is trusted while an answer came within LIVE_SECONDS.
PING_SECONDS = 0.5
LIVE_SECONDS = 2
RESUBSCRIBE_SECONDS = 5
REDIS_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


_clients: dict[tuple[int, str], redis.Redis] = {}
# The request this process is serving (a new object for each, None between them). A subscription
# read once in a request is not read again in it: a takedown that arrives meanwhile is news for
# the next request, as it would be had it arrived a moment later.
_serving: object | None = None


def _request_started(**kwargs) -> None:
    global _serving
    _serving = object()


def _request_finished(**kwargs) -> None:
    global _serving
    _serving = None


request_started.connect(_request_started, dispatch_uid="local_copies_serving")
request_finished.connect(_request_finished, dispatch_uid="local_copies_serving")


def takedown_client() -> redis.Redis:
    """This process's own client for the takedown channel (the cache's clients stay untouched)."""
    where = (os.getpid(), settings.REDIS_URL)
    client = _clients.get(where)
    if client is None:
        client = _clients[where] = redis.Redis.from_url(
            settings.REDIS_URL,
            socket_timeout=settings.REDIS_TIMEOUT,
            socket_connect_timeout=settings.REDIS_TIMEOUT,
        )
    return client


class RecentValues:
    """This worker's copies of values whose key names everything they show (a card's key has the
    article's update time and counters in it), each kept `seconds`, the `entries` last used.
    Nothing to drop on a takedown: a new state is a new key."""

    def __init__(self, *, entries: int, seconds: float):
        self._entries, self._seconds = entries, seconds
        self._values: OrderedDict[str, tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()

    def get_many(self, keys) -> dict:
        now, found = time.monotonic(), {}
        with self._lock:
            for key in keys:
                value = self._values.get(key)
                if value is not None and value[0] >= now:
                    self._values.move_to_end(key)
                    found[key] = value[1]
        return found

    def put_many(self, values: dict) -> None:
        expires = time.monotonic() + self._seconds
        with self._lock:
            for key, value in values.items():
                self._values[key] = (expires, value)
                self._values.move_to_end(key)
            while len(self._values) > self._entries:
                self._values.popitem(last=False)

    def get_or_put(self, key, compute):
        """The copy of `key`, else what compute() returns (never None), kept as the copy."""
        found = self.get_many((key,)).get(key)
        if found is None:
            found = compute()
            self.put_many({key: found})
        return found

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


class LocalCopies:
    """This worker's copies of its most requested pages, trusted only while its subscription to
    the takedown channel is known to be live.

    Every lookup first reads what the subscription has received, without waiting (a poll of its
    socket): a takedown, announced after the content generation was replaced, drops all copies
    before the worker serves another request. A copy fetched before a takedown arrived is refused
    (the epoch moved on). A subscription that breaks, or has not answered a ping within
    LIVE_SECONDS, is not trusted: lookups go to the shared cache until a new one is confirmed.
    """

    def __init__(self, *, entries: int = LOCAL_ENTRIES, seconds: float | None = None):
        """`entries` copies at most, each kept `seconds` (None: LOCAL_SECONDS, and no longer
        than the pages' own PAGE_CACHE_SECONDS)."""
        self._entries, self._seconds = entries, seconds
        self._pages: OrderedDict[str, tuple[float, int, tuple]] = OrderedDict()
        self._lock = threading.Lock()
        self._pid = None
        self._pubsub = None
        self._epoch = 0
        self._live_until = 0.0
        self._pinged_at = 0.0
        self._retry_at = 0.0
        self._read_in = None  # the request the subscription was last read in, while live

    def clear(self) -> None:
        """Forget every copy, and every copy fetched before now."""
        with self._lock:
            self._epoch += 1
            self._pages.clear()

    def epoch(self) -> int | None:
        """The current epoch after reading the subscription; None while it is not trusted."""
        if not settings.REDIS_URL:
            return None
        with self._lock:
            return self._epoch if self._listen() else None

    def get(self, key: str, epoch: int | None) -> tuple | None:
        if epoch is None:
            return None
        with self._lock:
            found = self._pages.get(key)
            if found is None or found[1] != epoch or found[0] < time.monotonic():
                return None
            return found[2]

    def put(self, key: str, stored: tuple, epoch: int | None) -> None:
        """Keep a copy fetched or rendered in this epoch, unless a takedown came meanwhile."""
        if epoch is None:
            return
        seconds = self._seconds
        if seconds is None:
            seconds = min(LOCAL_SECONDS, settings.PAGE_CACHE_SECONDS)
        expires = time.monotonic() + seconds
        with self._lock:
            if not self._listen() or self._epoch != epoch:
                return
            self._pages[key] = (expires, epoch, stored)
            self._pages.move_to_end(key)
            while len(self._pages) > self._entries:
                self._pages.popitem(last=False)

    def get_or_put(self, key: str, compute):
        """This worker's copy of `key`, else what compute() returns (never None), kept as the
        copy. The epoch is read first, so a takedown that arrives while it computes refuses it."""
        epoch = self.epoch()
        found = self.get(key, epoch)
        if found is None:
            found = compute()
            self.put(key, found, epoch)
        return found

    def _listen(self) -> bool:
        """Read the subscription's news, once per request; True while it is known to be live."""
        serving = _serving
        if serving is not None and serving is self._read_in and time.monotonic() < self._live_until:
            return True
        live = self._read_subscription()
        self._read_in = serving if live else None
        return live

    def _read_subscription(self) -> bool:
        now = time.monotonic()
        if self._pid != os.getpid():  # a new worker: the parent's socket is not ours
            self._pid, self._pubsub, self._live_until = os.getpid(), None, 0.0
            self._pages.clear()
        if self._pubsub is None:
            if now < self._retry_at:
                return False
            return self._subscribe(now)
        try:
            while (message := self._pubsub.get_message(timeout=0.0)) is not None:
                if message["type"] == "message":
                    self._epoch += 1
                    self._pages.clear()
                self._live_until = time.monotonic() + LIVE_SECONDS
            if now - self._pinged_at > PING_SECONDS:
                self._pubsub.ping()
                self._pinged_at = now
        except REDIS_ERRORS:
            self._drop(now)
            return False
        return now < self._live_until

    def _subscribe(self, now: float) -> bool:
        try:
            pubsub = takedown_client().pubsub()
            pubsub.subscribe(cache_keys.takedown_channel())
            confirmed = pubsub.get_message(timeout=settings.REDIS_TIMEOUT)
        except REDIS_ERRORS:
            self._drop(now)
            return False
        if confirmed is None or confirmed["type"] != "subscribe":
            pubsub.close()
            self._drop(now)
            return False
        # Copies fetched before the subscription may have missed a takedown.
        self._pubsub, self._epoch = pubsub, self._epoch + 1
        self._pages.clear()
        self._live_until, self._pinged_at = now + LIVE_SECONDS, now
        return True

    def _drop(self, now: float) -> None:
        if self._pubsub is not None:
            try:
                self._pubsub.close()
            except REDIS_ERRORS:
                pass
        self._pubsub, self._live_until, self._retry_at = None, 0.0, now + RESUBSCRIBE_SECONDS
        self._epoch += 1
        self._pages.clear()
