"""Loaded by pytest before Django (pyproject's addopts), so the suite needs no environment."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
# Tests see fresh pages; the page cache has tests of its own that turn it on.
os.environ.setdefault("PAGE_CACHE_SECONDS", "0")
# One process: its own memory, emptied per test; the app servers that tests start get a file
# cache of their own (tests/servers.py).
os.environ.setdefault("CACHE_URL", "locmemcache://")
