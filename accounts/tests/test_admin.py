"""The member admin: only superusers change accounts; moderators and editors look and ban."""

import pytest
from django.contrib.auth.hashers import check_password
from django.urls import reverse

from accounts.permissions import EDITORS, MODERATORS
from discussions.models import ModerationLog

PASSWORD = "pass-12345-word"


@pytest.fixture
def editor(make_staff):
    return make_staff(EDITORS, username="editor")


@pytest.fixture
def moderator(make_staff):
    return make_staff(MODERATORS, username="moderator")


@pytest.fixture
def member(make_user):
    return make_user(username="olga", email="olga@example.com", display_name="Ольга")


def _change_data(user, **changes):
    """What the full change form posts for this account, with some fields changed."""
    data = {
        "username": user.username,
        "email": user.email,
        "display_name": user.display_name,
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "date_joined_0": "01.01.2024",
        "date_joined_1": "10:00:00",
        "notify_replies": "on",
        "notify_article_comments": "on",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("group", [EDITORS, MODERATORS])
def test_staff_cannot_make_themselves_superuser(client, make_staff, group):
    user = make_staff(group, username="climber")
    client.force_login(user)
    url = reverse("admin:accounts_user_change", args=[user.pk])

    response = client.post(url, _change_data(user, groups=[1, 2]))

    assert response.status_code == 403
    user.refresh_from_db()
    assert user.is_staff and not user.is_superuser
    assert [group.name for group in user.groups.all()] == [group]
    assert not user.user_permissions.exists()


def test_editor_cannot_set_another_persons_password_or_email(client, editor, make_user):
    chief = make_user(username="chief", is_staff=True, is_superuser=True, password=PASSWORD)
    client.force_login(editor)
    password_url = reverse("admin:auth_user_password_change", args=[chief.pk])

    assert client.get(password_url).status_code == 403
    response = client.post(
        password_url,
        {"password1": "Taken-Over-2024", "password2": "Taken-Over-2024", "usable_password": "true"},
    )
    assert response.status_code == 403
    response = client.post(
        reverse("admin:accounts_user_change", args=[chief.pk]),
        _change_data(chief, email="editor@evil.example"),
    )
    assert response.status_code == 403
    chief.refresh_from_db()
    assert check_password(PASSWORD, chief.password)
    assert chief.email != "editor@evil.example"


def test_superuser_sets_a_password_in_the_admin(client, make_user, member):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    url = reverse("admin:auth_user_password_change", args=[member.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"password1": "New-Pass-2024!", "password2": "New-Pass-2024!", "usable_password": "true"},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert check_password("New-Pass-2024!", member.password)


def test_staff_see_a_member_read_only_without_private_fields(client, editor, member):
    member.commenting_banned_reason = "спам"
    member.save()
    client.force_login(editor)

    html = client.get(reverse("admin:accounts_user_change", args=[member.pk])).content.decode()

    assert "Ольга" in html and "спам" in html
    assert 'name="_save"' not in html
    for private in ("olga@example.com", "is_superuser", "is_staff", "user_permissions", "groups"):
        assert private not in html, private
    assert reverse("admin:auth_user_password_change", args=[member.pk]) not in html
    listing = client.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert "olga" in listing and "olga@example.com" not in listing
    assert "is_staff" not in listing and "is_superuser" not in listing


def test_staff_cannot_find_members_by_private_fields(client, moderator, member, make_user):
    make_user(username="chief", is_staff=True, is_superuser=True)
    client.force_login(moderator)
    url = reverse("admin:accounts_user_changelist")

    for lookup in ("email__startswith", "is_superuser__exact", "is_staff", "groups__id__exact"):
        assert client.get(url, {lookup: "1"}).status_code == 400, lookup
    found = client.get(url, {"q": "olga@example.com"}).content.decode()
    assert "Ольга" not in found
    assert "Ольга" in client.get(url, {"q": "olga"}).content.decode()


def test_superuser_still_manages_every_field(client, make_user, member):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    html = client.get(reverse("admin:accounts_user_change", args=[member.pk])).content.decode()
    for field in ("email", "is_superuser", "is_staff", "groups", "commenting_banned_reason"):
        assert f'name="{field}"' in html, field
    url = reverse("admin:accounts_user_changelist")
    assert client.get(url, {"is_superuser__exact": "1"}).status_code == 200


def test_moderator_bans_and_unbans_from_the_member_list(client, moderator, member):
    client.force_login(moderator)
    url = reverse("admin:accounts_user_changelist")
    selected = {"_selected_action": [member.pk]}

    page = client.post(url, {"action": "ban", **selected})
    assert page.status_code == 200
    assert "Ольга (olga)" in page.content.decode() and 'name="reason"' in page.content.decode()
    member.refresh_from_db()
    assert not member.commenting_banned_reason  # nothing before the form is sent

    response = client.post(url, {"action": "ban", "apply": "1", "reason": "спам", "days": "3"})
    assert response.status_code == 200  # without the selection nothing happens
    response = client.post(
        url, {"action": "ban", "apply": "1", "reason": "спам", "days": "3", **selected}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.commenting_banned_reason == "спам" and member.commenting_banned_until
    listing = client.get(url, {"banned": "yes"}, follow=True).content.decode()
    assert "Запрещено комментировать 1 участнику." in listing and "olga" in listing

    client.post(url, {"action": "unban", **selected})
    member.refresh_from_db()
    assert not member.commenting_banned_reason and member.commenting_banned_until is None
    log = ModerationLog.objects.order_by("id").values_list("action", "moderator", "member")
    assert list(log) == [("ban", moderator.pk, member.pk), ("unban", moderator.pk, member.pk)]


def test_only_a_superuser_bans_staff(client, moderator, editor):
    client.force_login(moderator)
    url = reverse("admin:accounts_user_changelist")
    response = client.post(
        url,
        {"action": "ban", "apply": "1", "reason": "спор", "_selected_action": [editor.pk]},
        follow=True,
    )
    assert "может только администратор" in response.content.decode()
    editor.refresh_from_db()
    assert not editor.commenting_banned_reason
    assert not ModerationLog.objects.exists()
