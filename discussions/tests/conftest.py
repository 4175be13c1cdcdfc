import pytest

from accounts.permissions import MODERATORS
from articles.caching import local_copies
from discussions import services
from discussions.member_pages import fragments


@pytest.fixture
def page_cache(settings):
    """The page cache on, with no worker's copy of a page or a member's part left over."""
    settings.PAGE_CACHE_SECONDS = 60
    local_copies.clear()
    fragments.clear()
    return settings


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
