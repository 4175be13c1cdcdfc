"""Checks an app server runs before it takes its first request."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def require_secret_key() -> None:
    """Stop a production start without SECRET_KEY, with a message that says what to do."""
    try:
        missing = not settings.SECRET_KEY
    except ImproperlyConfigured:  # Django's own, less helpful, complaint about an empty key
        missing = True
    if missing:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable "
            "(or DEBUG=1 for local development only)."
        )
