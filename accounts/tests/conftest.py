import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.utils import translation


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in Russian and leaves no language behind: a request under /en/ activates
    English for the whole thread, and reverse() in the next test would follow it."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture
def make_member(make_user):
    """A member who has confirmed their email, so allauth lets them log in."""

    def make(**fields):
        user = make_user(**fields)
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        return user

    return make
