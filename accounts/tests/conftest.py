import pytest
from allauth.account.models import EmailAddress


@pytest.fixture
def make_member(make_user):
    """A member who has confirmed their email, so allauth lets them log in."""

    def make(**fields):
        user = make_user(**fields)
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        return user

    return make
