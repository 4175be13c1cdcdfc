"""The client's address: the one answer every limit, allauth and the view counting use."""

import functools
import ipaddress

from django.conf import settings

# Parsing an address costs more than the rest of finding it; the same few come again and again
# (every report of a page's reader), and both functions depend on their argument alone.
ADDRESSES_REMEMBERED = 4096


@functools.lru_cache(maxsize=ADDRESSES_REMEMBERED)
def _address(value: str) -> str | None:
    """The value as a normalised IP address, or None when it is not one."""
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str:
    """The address of whoever sent the request.

    With no proxy in front (TRUSTED_PROXY_COUNT=0) that is REMOTE_ADDR, and X-Forwarded-For is
    ignored: anyone can write it. Behind N proxies of our own, each appends the address it was
    reached from, so the Nth entry from the right is the one our outermost proxy saw; whatever
    stands left of it came from the client and proves nothing. A header shorter than N, or junk in
    that place, means the request did not pass through every proxy: the nearest address we know,
    REMOTE_ADDR, is used then (a stricter key, never one the client chose).
    """
    remote = _address(request.META.get("REMOTE_ADDR", "")) or "0.0.0.0"  # noqa: S104 (a key)
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if len(forwarded) < count:
        return remote
    return _address(forwarded[-count]) or remote


@functools.lru_cache(maxsize=ADDRESSES_REMEMBERED)
def address_key(address: str) -> str:
    """What per-address limits count on: the address, or its /64 network for IPv6, since one
    household or phone gets a whole /64 and could otherwise step through addresses at will."""
    ip = ipaddress.ip_address(address)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return str(ip)
