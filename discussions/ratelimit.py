"""Rate limits on comments, votes and reports, on django-ratelimit.

A member is counted as a member, never by address: behind one office gateway, or behind the
reverse proxy where every visitor shares one address, one member's attempts must not block the
others (many accounts from one address are what allauth's signup limit per address is for). A
request without an account would be counted per address (config/client.py), though every action
here asks to log in first. Only attempts that went through count: the allowance is peeked before
the action and counted after it succeeded, so a refused attempt, by the limit or by the action's
own checks, uses up nothing. So that two requests of one member in flight at once cannot both
pass the peek, a member's limited actions take turns (`rate_limited`). The counters are the
"ratelimit" cache (settings): Redis for all nodes, the database without it, never per-process
memory. django-ratelimit does all of this; only the take-turns lock is ours.
"""

from contextlib import contextmanager

from django.conf import settings
from django.db import connection, transaction
from django_ratelimit.core import get_usage

from config.client import address_key, client_ip
from config.http import RateLimited

TAKE_TURNS_LOCK = 7_340_022  # advisory lock namespace (PostgreSQL); the rankings use 7_340_021


def _key(group: str, request) -> str:
    if request.user.is_authenticated:
        return f"member:{request.user.pk}"
    return f"address:{address_key(client_ip(request))}"


def _rate(group: str, request) -> str | None:
    """Staff have no limit; accounts younger than NEW_ACCOUNT_AGE get the slower rates."""
    user = request.user
    if user.is_authenticated and user.is_staff:
        return None
    new = user.is_authenticated and user.is_new
    return (settings.RATE_LIMITS_NEW_ACCOUNT if new else settings.RATE_LIMITS).get(group)


def _usage(request, action: str, *, increment: bool) -> dict | None:
    if not settings.RATE_LIMITS_ENABLED:
        return None
    return get_usage(request, group=action, key=_key, rate=_rate, increment=increment)


def check_rate_limit(request, action: str) -> None:
    """Raise RateLimited when this member has used up the allowance for `action`; counts nothing."""
    usage = _usage(request, action, increment=False)
    if usage is not None and usage["count"] >= usage["limit"]:
        raise RateLimited(max(1, usage["time_left"]))


def count_attempt(request, action: str) -> None:
    """Count one attempt at `action` that went through."""
    _usage(request, action, increment=True)


@contextmanager
def rate_limited(request, action: str):
    """Run `action` within this member's allowance: RateLimited when it is used up, counted only
    when the block finishes without an exception.

    The block runs in a transaction that first takes this member's turn: on PostgreSQL an advisory
    lock, taken before any row lock, so it can never close a deadlock (a row lock on the member
    would: a vote also changes the score of the other member's row); SQLite's writers take turns at
    the start of every transaction anyway (IMMEDIATE).
    """
    with transaction.atomic():
        if request.user.is_authenticated and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s, %s)",
                    [TAKE_TURNS_LOCK, request.user.pk % 2**31],
                )
        check_rate_limit(request, action)
        yield
        count_attempt(request, action)
