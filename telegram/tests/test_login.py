"""Log in with Telegram (allauth's provider), with payloads signed by a test token."""

import base64
import hashlib
import hmac
import io
import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse
from PIL import Image

from accounts.models import User

from .conftest import TOKEN

pytestmark = pytest.mark.django_db
TELEGRAM_ID = 99887766


@pytest.fixture
def telegram_login(settings):
    settings.TELEGRAM_BOT_TOKEN = TOKEN
    settings.TELEGRAM_BOT_NAME = "SalesLabelTestBot"
    settings.TELEGRAM_LOGIN = True
    settings.SOCIALACCOUNT_PROVIDERS = {
        "telegram": {"APP": {"client_id": TOKEN.split(":")[0], "secret": TOKEN}}
    }


def signed(data: dict, token: str = TOKEN) -> str:
    """tgAuthResult as Telegram's login page hands it back: the fields and their HMAC."""
    check = "\n".join(sorted(f"{key}={value}" for key, value in data.items()))
    secret = hashlib.sha256(token.encode()).digest()
    digest = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return base64.b64encode(json.dumps({**data, "hash": digest}).encode()).decode()


def profile(**fields) -> dict:
    return {
        "id": TELEGRAM_ID,
        "first_name": "Анна",
        "last_name": "Петрова",
        "username": "anna_sells",
        "auth_date": int(time.time()),
        **fields,
    }


def come_back_from_telegram(client, result: str, process: str = "login"):
    """Press the button (a POST that redirects to Telegram), then post what Telegram returned."""
    response = client.post(reverse("telegram_login"), {"process": process})
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.netloc == "oauth.telegram.org"
    return_to = parse_qs(location.query)["return_to"][0]
    state = parse_qs(urlsplit(return_to).query)["state"][0]
    return client.post(reverse("telegram_callback") + f"?state={state}", {"tgAuthResult": result})


def test_without_the_bot_there_is_no_button_and_no_telegram_page(client, settings, make_user):
    assert settings.SOCIALACCOUNT_PROVIDERS == {}
    for name in ("account_login", "account_signup"):
        page = client.get(reverse(name)).content.decode()
        assert "Telegram" not in page
    assert client.post(reverse("telegram_login")).status_code == 404
    assert client.get(reverse("telegram_login")).status_code == 404
    client.force_login(make_user())
    assert client.get(reverse("socialaccount_connections")).status_code == 404
    assert "Telegram" not in client.get(reverse("accounts:settings")).content.decode()


def test_login_and_signup_pages_have_the_button(client, telegram_login):
    for name in ("account_login", "account_signup"):
        page = client.get(reverse(name)).content.decode()
        assert "Войти через Telegram" in page
        assert reverse("telegram_login") in page


def test_a_new_member_from_telegram_gets_a_profile_with_name_and_photo(
    client, telegram_login, httpserver
):
    picture = io.BytesIO()
    Image.new("RGB", (160, 160), "#229ed9").save(picture, "JPEG")
    httpserver.expect_request("/userpic/anna.jpg").respond_with_data(
        picture.getvalue(), content_type="image/jpeg"
    )
    photo = httpserver.url_for("/userpic/anna.jpg")
    response = come_back_from_telegram(client, signed(profile(photo_url=photo)))
    assert response.status_code == 302
    user = User.objects.get(socialaccount__uid=str(TELEGRAM_ID))
    assert (user.username, user.display_name, user.email) == ("anna_sells", "Анна Петрова", "")
    assert user.avatar.name.startswith("avatars/")
    assert client.get(reverse("accounts:settings")).status_code == 200  # logged in
    # No email yet: the settings page asks for one before any mail is sent.
    page = client.get(reverse("accounts:settings")).content.decode()
    assert "нет адреса почты" in page


def test_a_photo_that_is_not_a_picture_leaves_the_initials(client, telegram_login, httpserver):
    httpserver.expect_request("/userpic/x.jpg").respond_with_data("<html>nope</html>")
    come_back_from_telegram(client, signed(profile(photo_url=httpserver.url_for("/userpic/x.jpg"))))
    user = User.objects.get(socialaccount__uid=str(TELEGRAM_ID))
    assert not user.avatar


def test_coming_back_logs_the_same_member_in(client, telegram_login):
    come_back_from_telegram(client, signed(profile()))
    client.logout()
    come_back_from_telegram(client, signed(profile(first_name="Аня")))
    assert User.objects.count() == 1
    assert SocialAccount.objects.get().user.username == "anna_sells"


@pytest.mark.parametrize(
    "result",
    [
        signed(profile(), token="654321:SOME-other-bot"),
        signed(profile(auth_date=int(time.time()) - 3600)),
        "bm90IGpzb24=",
        "%%%",
        base64.b64encode(json.dumps({"id": 1, "hash": "x"}).encode()).decode(),
        base64.b64encode(json.dumps({"id": 1, "hash": "x", "auth_date": "soon"}).encode()).decode(),
        base64.b64encode(json.dumps([1, 2]).encode()).decode(),
    ],
    ids=["wrong signature", "too old", "not json", "not base64", "no date", "bad date", "list"],
)
def test_a_bad_payload_is_refused_and_nothing_is_created(client, telegram_login, result):
    response = come_back_from_telegram(client, result)
    assert response.status_code in (400, 401)
    page = response.content.decode()
    assert "Telegram" in page
    assert "Не удалось войти" in page
    assert not User.objects.exists()
    assert not SocialAccount.objects.exists()


def test_a_tampered_payload_changes_no_account(client, telegram_login, make_user):
    member = make_user(username="anna", display_name="Анна")
    come_back_from_telegram(client, signed(profile()))
    client.logout()
    forged = json.loads(base64.b64decode(signed(profile())))
    forged["first_name"] = "Взломщик"
    response = come_back_from_telegram(
        client, base64.b64encode(json.dumps(forged).encode()).decode()
    )
    assert "Не удалось войти" in response.content.decode()
    assert set(User.objects.values_list("display_name", flat=True)) == {"Анна", "Анна Петрова"}
    member.refresh_from_db()
    assert member.display_name == "Анна"


def test_a_member_connects_telegram_in_settings_and_disconnects_it(
    client, telegram_login, make_user
):
    member = make_user(username="ivan")
    EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
    client.force_login(member)
    assert (
        reverse("socialaccount_connections")
        in client.get(reverse("accounts:settings")).content.decode()
    )
    come_back_from_telegram(client, signed(profile()), process="connect")
    account = SocialAccount.objects.get()
    assert account.user == member
    assert User.objects.count() == 1
    response = client.post(reverse("socialaccount_connections"), {"account": account.pk})
    assert response.status_code == 302
    assert not SocialAccount.objects.exists()


def test_the_bot_comes_from_the_environment():
    from tests.test_settings import manage

    code = (
        "from django.conf import settings as s; "
        "print(s.TELEGRAM_LOGIN, s.SOCIALACCOUNT_PROVIDERS.get('telegram', {}).get('APP', {})"
        ".get('client_id'), 'https://oauth.telegram.org' in "
        "s.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action'])"
    )
    on = manage("shell", "-c", code, DEBUG="1", TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BOT_NAME="@Bot")
    assert on.stdout.split()[-3:] == ["True", "123456", "True"]
    off = manage("shell", "-c", code, DEBUG="1", TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BOT_NAME=None)
    assert off.stdout.split()[-3:] == ["False", "None", "False"]


def test_the_telegram_page_connects_and_disconnects(client, telegram_login, make_user):
    member = make_user(username="olga")
    EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
    client.force_login(member)
    page = client.get(reverse("socialaccount_connections")).content.decode()
    assert "Подключить Telegram" in page
    come_back_from_telegram(client, signed(profile()), process="connect")
    page = client.get(reverse("socialaccount_connections")).content.decode()
    assert "Отключить Telegram" in page and "anna_sells" in page


def test_a_member_with_only_telegram_cannot_disconnect_it(client, telegram_login):
    come_back_from_telegram(client, signed(profile()))
    account = SocialAccount.objects.get()
    response = client.post(reverse("socialaccount_connections"), {"account": account.pk})
    assert response.status_code == 200
    assert 'class="form-errors"' in response.content.decode()
    assert SocialAccount.objects.filter(pk=account.pk).exists()
