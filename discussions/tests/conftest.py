import pytest
from django.contrib.auth.models import Permission

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
def moderator(make_user):
    """An editor: staff with the right to change comments, not a superuser."""
    user = make_user(username="editor", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="change_comment"))
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
