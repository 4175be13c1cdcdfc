"""A small fixed-window rate limiter on the cache, per member and per address."""

import time

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import ngettext

from config import cache_keys


class RateLimited(Exception):
    """Too many attempts; `retry_after` seconds until the window ends."""

    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        super().__init__(
            ngettext(
                "Слишком часто. Подождите %(count)s секунду и попробуйте снова.",
                "Слишком часто. Подождите %(count)s секунд и попробуйте снова.",
                retry_after,
            )
            % {"count": retry_after}
        )


def parse_rate(rate: str) -> tuple[int, int]:
    """ "5/60" is five attempts per sixty seconds."""
    count, seconds = rate.split("/")
    return int(count), int(seconds)


def _hit(key: str, rate: str) -> int:
    """Count one attempt; returns 0 when allowed, else seconds until the window ends."""
    limit, window = parse_rate(rate)
    now = time.time()
    bucket = int(now // window)
    cache_key = cache_keys.rate_limit(key, window, bucket)
    if cache.add(cache_key, 1, window + 1):
        count = 1
    else:
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.add(cache_key, 1, window + 1)
            count = 1
    if count <= limit:
        return 0
    return max(1, int((bucket + 1) * window - now))


def check_rate_limit(request, action: str) -> None:
    """Count one attempt at `action` by this member and this address; raise RateLimited over
    either limit. Accounts younger than NEW_ACCOUNT_AGE get the slower rates; staff none."""
    if not settings.RATE_LIMITS_ENABLED:
        return
    user = request.user
    if user.is_authenticated and user.is_staff:
        return
    waits = []
    if user.is_authenticated:
        is_new = user.date_joined > timezone.now() - settings.NEW_ACCOUNT_AGE
        rates = settings.RATE_LIMITS_NEW_ACCOUNT if is_new else settings.RATE_LIMITS
        if action in rates:
            waits.append(_hit(f"{action}:user:{user.pk}", rates[action]))
    if action in settings.RATE_LIMITS_PER_IP:
        address = request.META.get("REMOTE_ADDR", "")
        waits.append(_hit(f"{action}:ip:{address}", settings.RATE_LIMITS_PER_IP[action]))
    if any(waits):
        raise RateLimited(max(waits))
