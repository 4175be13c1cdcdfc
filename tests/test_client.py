"""One client address for every limit, allauth's included (config/client.py)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from allauth.account.adapter import get_adapter
from django.test import RequestFactory

from config.client import address_key, client_ip

ROOT = Path(__file__).resolve().parents[1]


def _request(remote="10.0.0.1", forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "198.51.100.1", None, "198.51.100.1"),
        (0, "198.51.100.1", "203.0.113.9", "198.51.100.1"),  # nobody vouches for the header
        (1, "10.0.0.1", "203.0.113.9", "203.0.113.9"),
        (1, "10.0.0.1", "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # a made-up hop on the left
        (2, "10.0.0.2", "6.6.6.6, 203.0.113.9, 10.0.0.1", "203.0.113.9"),
        (2, "10.0.0.2", "203.0.113.9", "10.0.0.2"),  # shorter than the proxies: not through them
        (1, "10.0.0.1", None, "10.0.0.1"),
        (1, "10.0.0.1", "", "10.0.0.1"),
        (1, "10.0.0.1", "not-an-address", "10.0.0.1"),
        (1, "10.0.0.1", "203.0.113.9:443", "10.0.0.1"),
        (1, "10.0.0.1", " 2001:DB8::1 ", "2001:db8::1"),
        (0, "", None, "0.0.0.0"),
    ],
)
def test_client_ip(settings, proxies, remote, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_ip(_request(remote, forwarded)) == expected


def test_ipv6_addresses_are_limited_by_their_network():
    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:ffff::9")
    assert address_key("2001:db8:1:2::1") != address_key("2001:db8:1:3::1")
    assert address_key("203.0.113.9") == "203.0.113.9"


def test_allauth_limits_key_on_the_same_address(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    # allauth's own reading raises ImproperlyConfigured (a 500) on a short header; ours falls back
    request = _request("10.0.0.2", "203.0.113.9")
    assert get_adapter(request).get_client_ip(request) == "10.0.0.2"
    request = _request("10.0.0.2", "203.0.113.9, 10.0.0.1")
    assert get_adapter(request).get_client_ip(request) == "203.0.113.9"


def test_the_setting_comes_from_the_environment_and_reaches_allauth():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "from allauth import app_settings; "
        "print(settings.TRUSTED_PROXY_COUNT, app_settings.TRUSTED_PROXY_COUNT)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "TRUSTED_PROXY_COUNT": "2"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.stdout.split() == ["2", "2"], result.stderr
