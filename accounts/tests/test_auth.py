"""allauth's flows as a visitor meets them: in the site's layout, in Russian, with limits on."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.models import User

PASSWORD = "Lead-Gen-2024!"


def _signup(client, **fields):
    data = {
        "email": "olga@example.com",
        "username": "olga",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "website": "",
        **fields,
    }
    return client.post(reverse("account_signup"), data)


def _confirmation_path(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", message.body).group(1)


def _logged_in_id(client):
    return client.session.get("_auth_user_id")


def test_signup_confirm_email_then_log_in_by_email_and_by_username(client, db):
    response = _signup(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(username="olga")
    assert _logged_in_id(client) is None  # mandatory verification: not in before confirming

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["olga@example.com"]
    assert message.subject.startswith("[Sales Label]")
    confirm_path = _confirmation_path(message)

    page = client.get(confirm_path)
    assert page.status_code == 200
    assert "olga@example.com" in page.content.decode()
    response = client.post(confirm_path)
    assert response.status_code == 302
    assert user.emailaddress_set.get().verified

    response = client.post(
        reverse("account_login"), {"login": "olga@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert _logged_in_id(client) == str(user.pk)

    client.post(reverse("account_logout"))
    response = client.post(reverse("account_login"), {"login": "olga", "password": PASSWORD})
    assert response.status_code == 302
    assert _logged_in_id(client) == str(user.pk)


def test_unconfirmed_member_cannot_log_in(client, db):
    _signup(client)
    mail.outbox.clear()
    response = client.post(reverse("account_login"), {"login": "olga", "password": PASSWORD})
    assert _logged_in_id(client) is None
    assert response["Location"] == reverse("account_email_verification_sent")
    assert len(mail.outbox) == 0  # the cooldown rate limit holds back a second letter


def test_filled_honeypot_refuses_signup_with_a_message(client, db):
    response = _signup(client, website="https://cheap-leads.example")
    assert response.status_code == 200
    assert "Форма заполнена так, как её заполняют программы" in response.content.decode()
    assert not User.objects.exists()
    assert mail.outbox == []


def test_honeypot_is_out_of_sight_and_out_of_tab_order(client, db):
    html = client.get(reverse("account_signup")).content.decode()
    wrapper = re.search(r'<div class="visually-hidden" aria-hidden="true">.*?</div>', html, re.S)
    assert wrapper, "the honeypot sits in a visually hidden, aria-hidden wrapper"
    honeypot = re.search(r'<input[^>]*name="website"[^>]*>', wrapper.group(0)).group(0)
    assert 'tabindex="-1"' in honeypot and 'autocomplete="off"' in honeypot


def test_reserved_username_is_refused(client, db):
    response = _signup(client, username="settings")
    assert response.status_code == 200
    assert "Это имя занято" in response.content.decode()
    assert not User.objects.exists()


def test_login_returns_to_next(client, make_member):
    make_member(username="ivan", email="ivan@example.com", password=PASSWORD)
    article_path = "/articles/kak-prodavat/?sort=new"
    page = client.get(reverse("account_login"), {"next": article_path})
    assert f'value="{article_path}"' in page.content.decode()  # carried in the form
    response = client.post(
        reverse("account_login"), {"login": "ivan", "password": PASSWORD, "next": article_path}
    )
    assert response.status_code == 302
    assert response["Location"] == article_path


def test_login_ignores_next_to_another_site(client, make_member):
    make_member(username="ivan", password=PASSWORD)
    response = client.post(
        reverse("account_login"),
        {"login": "ivan", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"


def test_header_login_link_carries_the_current_page(client, db):
    html = client.get("/?page=1").content.decode()
    assert f'href="{reverse("account_login")}?next=/%3Fpage%3D1"' in html
    assert f'href="{reverse("account_signup")}?next=/%3Fpage%3D1"' in html and "Регистрация" in html


def test_logout_needs_post(client, make_user):
    user = make_user()
    client.force_login(user)
    page = client.get(reverse("account_logout"))
    assert page.status_code == 200  # a confirmation page, still logged in
    assert _logged_in_id(client) == str(user.pk)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert _logged_in_id(client) is None


def test_password_reset_by_email(client, make_member):
    make_member(username="ivan", email="ivan@example.com", password="old-pass-12345")
    response = client.post(reverse("account_reset_password"), {"email": "ivan@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mail.outbox[0].body)
    response = client.get(link.group(1))
    assert response.status_code == 302  # allauth hides the key from the address bar
    set_password_path = response["Location"]
    response = client.post(
        set_password_path, {"password1": "New-Pass-98765!", "password2": "New-Pass-98765!"}
    )
    assert response.status_code == 302
    assert User.objects.get(username="ivan").check_password("New-Pass-98765!")


def test_failed_logins_are_rate_limited(client, make_member):
    make_member(username="ivan", password=PASSWORD)
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "ivan", "password": "wrong-guess"})
    response = client.post(reverse("account_login"), {"login": "ivan", "password": PASSWORD})
    assert _logged_in_id(client) is None
    assert "Слишком много неудачных попыток входа" in response.content.decode()


ENTRANCE_PAGES = [
    ("account_login", "Войти"),
    ("account_signup", "Регистрация"),
    ("account_reset_password", "Сброс пароля"),
    ("account_reset_password_done", "Сброс пароля"),
    ("account_email_verification_sent", "Подтвердите Ваш адрес электронной почты"),
]
MEMBER_PAGES = [
    ("account_change_password", "Изменить пароль"),
    ("account_email", "Адреса электронной почты"),
    ("account_logout", "Выйти"),
]


def _assert_site_page(response, heading):
    html = response.content.decode()
    assert response.status_code == 200
    assert '<header class="site-header">' in html and "Sales Label" in html  # the site's layout
    assert 'class="site-footer"' in html
    assert '<h1 class="page-title">' in html  # allauth's elements in the site's markup
    assert heading in html
    return html


@pytest.mark.parametrize(("name", "heading"), ENTRANCE_PAGES)
def test_entrance_pages_in_site_layout_and_russian(client, db, name, heading):
    html = _assert_site_page(client.get(reverse(name)), heading)
    assert '<html lang="ru"' in html
    assert "Зачем аккаунт" in html
    assert '<meta name="robots" content="noindex">' in html


@pytest.mark.parametrize(("name", "heading"), MEMBER_PAGES)
def test_member_pages_in_site_layout_and_russian(client, make_user, name, heading):
    client.force_login(make_user())
    html = _assert_site_page(client.get(reverse(name)), heading)
    assert "Мой аккаунт" in html  # the account navigation beside the form


def test_english_pages_under_en_prefix(client, db):
    html = client.get("/en/accounts/login/").content.decode()
    assert '<html lang="en"' in html
    assert "Sign In" in html and "Forgot your password?" in html
    assert "Забыли свой пароль" not in html
    html = client.get("/en/accounts/signup/").content.decode()
    assert "Sign Up" in html and 'class="site-header"' in html


def test_admin_login_goes_through_allauth_and_its_limits(client, make_member):
    """The admin's own form counted no failures: 60 wrong passwords in 23 s, then in."""
    make_member(username="chief", password=PASSWORD, is_staff=True, is_superuser=True)
    admin_login = reverse("admin:login")

    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response["Location"].startswith(admin_login)
    response = client.get(admin_login, {"next": reverse("admin:index")})
    login_url = f"{reverse('account_login')}?next=%2Fadmin%2F"
    assert response.status_code == 302 and response["Location"] == login_url
    # The admin's form no longer logs anyone in, right or wrong password.
    client.post(admin_login, {"username": "chief", "password": PASSWORD})
    assert _logged_in_id(client) is None

    for _ in range(5):
        response = client.post(login_url, {"login": "chief", "password": "wrong-guess"})
        assert response.status_code == 200 and _logged_in_id(client) is None
    response = client.post(login_url, {"login": "chief", "password": PASSWORD})
    assert _logged_in_id(client) is None
    assert "Слишком много неудачных попыток входа" in response.content.decode()

    client.logout()
    cache.clear()  # the five minutes have passed
    response = client.post(login_url, {"login": "chief", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    assert client.get(reverse("admin:index")).status_code == 200


def test_admin_login_refuses_members_who_are_not_staff(client, make_member):
    client.force_login(make_member(username="ivan"))
    assert client.get(reverse("admin:login")).status_code == 403
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


def _signup_from(client, next_url):
    page = client.get(reverse("account_signup"), {"next": next_url})
    assert 'name="next"' in page.content.decode()  # carried in the form
    return client.post(
        reverse("account_signup"),
        {
            "email": "olga@example.com",
            "username": "olga",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "website": "",
            "next": next_url,
        },
    )


def _confirmation_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", message.body).group(1)


def test_signup_from_an_article_comes_back_to_it_after_confirming(client, db):
    article_path = "/articles/kak-prodavat/"
    assert _signup_from(client, article_path).status_code == 302
    link = _confirmation_link(mail.outbox[0])
    # the letter may be opened in another browser: the link itself carries the way back
    other = type(client)()
    page = other.get(link)
    assert page.status_code == 200
    response = other.post(link.split("?")[0], {"next": page.context["redirect_field_value"]})
    assert response.status_code == 302
    login = response["Location"]
    assert login.startswith(reverse("account_login"))
    response = other.post(login, {"login": "olga", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == article_path
    assert _logged_in_id(other) == str(User.objects.get(username="olga").pk)


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"]
)
def test_signup_next_to_another_site_is_not_carried(client, db, next_url):
    _signup_from(client, next_url)
    assert "?next=" not in _confirmation_link(mail.outbox[0])
    assert "evil" not in mail.outbox[0].body


def test_a_sessions_member_is_found_by_the_compiled_statement(make_user, django_assert_num_queries):
    from accounts.models import _by_pk

    member = make_user(username="compiled")
    with django_assert_num_queries(1):
        found = User.objects.get(pk=member.pk)
    assert found == member and found.username == "compiled" and found.password == member.password
    assert not found.get_deferred_fields() and found._state.adding is False
    assert _by_pk._compiled  # it went this way
    with pytest.raises(User.DoesNotExist):
        User.objects.get(pk=member.pk + 1000)
    # any other lookup, the ORM's own
    assert User.objects.get(username="compiled") == member
    assert User.objects.get(pk=str(member.pk)) == member
    client = Client()
    client.force_login(member)
    assert client.get("/accounts/settings/").context["user"] == member
