"""Loaded by pytest before Django (see pyproject's addopts): the suite needs no environment set up."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
