"""Counters that every worker of a node, and every node, sees alike, without Redis.

Rate limits and the view caps must hold across processes; the local-memory cache is one per
process, so a counter there would let each gunicorn worker grant the whole allowance again. With
Redis they live in Redis; without it (or while it does not answer) in the Counter table, changed by
one atomic upsert per call, on SQLite as on PostgreSQL. Keys carry their window (a day, an hour)
where they count one; `expires_at` only lets a key be claimed again and `purge_expired` forget it.
"""

import time
from functools import cache

from django.db import connection

from .models import Counter

TABLE = Counter._meta.db_table


def add(name: str, value: int, seconds: int) -> bool:
    """Create the counter for `seconds` unless it exists unexpired; True when this call made it."""
    now = int(time.time())
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (name, value, expires_at) VALUES (%s, %s, %s) "  # noqa: S608
            "ON CONFLICT (name) DO UPDATE SET "
            "value = EXCLUDED.value, expires_at = EXCLUDED.expires_at "
            f"WHERE {TABLE}.expires_at <= %s",
            [name, value, now + seconds, now],
        )
        return cursor.rowcount == 1


def incr(name: str, seconds: int, delta: int = 1) -> int:
    """Add `delta` to the counter (a missing or expired one starts afresh for `seconds`); the new
    value, read in the same statement, so two workers never get the same one."""
    now = int(time.time())
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (name, value, expires_at) VALUES (%s, %s, %s) "  # noqa: S608
            "ON CONFLICT (name) DO UPDATE SET "
            f"value = CASE WHEN {TABLE}.expires_at <= %s THEN EXCLUDED.value "
            f"ELSE {TABLE}.value + EXCLUDED.value END, "
            f"expires_at = CASE WHEN {TABLE}.expires_at <= %s THEN EXCLUDED.expires_at "
            f"ELSE {TABLE}.expires_at END "
            "RETURNING value",
            [name, delta, now + seconds, now, now],
        )
        return cursor.fetchone()[0]


def get(name: str) -> int | None:
    """The counter's value, or None when it is missing or expired."""
    return (
        Counter.objects.filter(name=name, expires_at__gt=int(time.time()))
        .values_list("value", flat=True)
        .first()
    )


def purge_expired() -> int:
    """Forget expired counters; returns how many (run by the scheduler, with flush_views)."""
    deleted, _ = Counter.objects.filter(expires_at__lte=int(time.time())).delete()
    return deleted


# One counted view (or engaged read), all or nothing, in one round trip: refused when this visitor
# was counted in the last half hour or the address has used up either cap; else the visitor is
# marked, both caps count it and each of its fields (the view, where it came from) gains one in
# the pending hash that flush_views() empties.
CLAIM_VIEW_LUA = """
local used = redis.call('MGET', KEYS[2], KEYS[3])
if tonumber(used[1] or '0') >= tonumber(ARGV[2]) then return 0 end
if tonumber(used[2] or '0') >= tonumber(ARGV[3]) then return 0 end
if not redis.call('SET', KEYS[1], 1, 'NX', 'EX', ARGV[1]) then return 0 end
if redis.call('INCR', KEYS[2]) == 1 then redis.call('EXPIRE', KEYS[2], ARGV[4]) end
if redis.call('INCR', KEYS[3]) == 1 then redis.call('EXPIRE', KEYS[3], ARGV[5]) end
for i = 6, #ARGV do redis.call('HINCRBY', KEYS[4], ARGV[i], 1) end
return 1
"""


@cache
def _claim_view_script(client):
    return client.register_script(CLAIM_VIEW_LUA)


def claim_view_in_redis(
    client,
    *,
    seen: str,
    caps: list[tuple[str, int, int]],
    pending: str,
    fields: list[str],
    seen_seconds: int,
) -> bool:
    """Add one to each of `fields` in the Redis buffer unless `seen` is set or a cap (key, limit,
    seconds) is reached; True when counted."""
    (day_key, day_limit, day_seconds), (hour_key, hour_limit, hour_seconds) = caps
    return bool(
        _claim_view_script(client)(
            keys=[seen, day_key, hour_key, pending],
            args=[seen_seconds, day_limit, hour_limit, day_seconds, hour_seconds, *fields],
        )
    )


def claim_view_in_database(
    *, seen: str, caps: list[tuple[str, int, int]], seen_seconds: int
) -> bool:
    """The same claim on the Counter table; call it inside the transaction that counts the view
    and roll that back when it answers False (the caps' rows lock out concurrent claims)."""
    if not add(seen, 1, seen_seconds):
        return False
    return all(incr(key, seconds) <= limit for key, limit, seconds in caps)


def within_limit(client, name: str, limit: int, seconds: int) -> bool:
    """Count one use of `name` for `seconds` (in Redis when a client is given); False past the
    limit."""
    if client is None:
        return incr(name, seconds) <= limit
    pipe = client.pipeline(transaction=False)
    pipe.set(name, 0, ex=seconds, nx=True)
    pipe.incr(name)
    return pipe.execute()[1] <= limit
