import pytest

from accounts.permissions import MODERATORS
from discussions import services


@pytest.fixture
def article(make_article):
    return make_article(title="Как продавать внедрение CRM")


@pytest.fixture
def member(make_user):
    return make_user(username="maria", display_name="Мария Петрова")


@pytest.fixture
def other_member(make_user):
    return make_user(username="oleg", display_name="Олег Смирнов")


@pytest.fixture
def moderator(make_user, roles):
    """A member of the moderators' group the migrations made: staff, not a superuser."""
    user = make_user(username="moderator", is_staff=True)
    user.groups.add(roles[MODERATORS])
    return user


@pytest.fixture
def make_comment(article, member):
    def make(**fields):
        fields.setdefault("article", article)
        fields.setdefault("author", member)
        fields.setdefault("body", f"Комментарий {make.counter}")
        make.counter += 1
        return services.create_comment(**fields)

    make.counter = 0
    return make
