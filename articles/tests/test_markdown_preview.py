"""The admin's live Markdown preview: the site's renderer and sanitiser, for editors only, POST
with the CSRF token, limited per editor."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.permissions import EDITORS, MODERATORS
from articles.tests.test_markup import HOSTILE, elements_of
from images.tests.factories import make_image

URL = "/admin/articles/article/markdown-preview/"


@pytest.fixture
def editor(make_staff):
    return make_staff(EDITORS, username="redaktor")


def test_the_url_is_the_admins():
    assert reverse("admin:articles_article_markdown_preview") == URL


def test_an_editor_sees_the_text_as_readers_will(client, editor):
    image = make_image(alt="Схема")
    client.force_login(editor)

    response = client.post(URL, {"body": f"# Итоги\n\n**Жирно** и ![схема]({image.reference})"})

    assert response.status_code == 200
    data = response.json()
    assert "<h2>Итоги</h2>" in data["html"] and "<strong>Жирно</strong>" in data["html"]
    assert 'srcset="' in data["html"] and 'loading="lazy"' in data["html"]
    assert data["missing"] == []


def test_the_preview_names_pictures_the_library_lacks(client, editor):
    client.force_login(editor)
    data = client.post(URL, {"body": "![нет](image:999999)"}).json()
    assert data["missing"] == [999999]
    assert "image:999999" not in data["html"]  # the sanitiser drops the unknown scheme


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_markdown_in_the_preview_is_sanitised(client, editor, source):
    client.force_login(editor)

    html = client.post(URL, {"body": source}).json()["html"]

    for tag, attrs in elements_of(html):
        assert tag not in ("script", "iframe", "object", "embed", "style", "form", "svg", "math")
        for name, value in attrs.items():
            assert not name.startswith("on") and name != "style", (name, value)
            if name in ("href", "src", "srcset"):
                assert not value.lower().lstrip().startswith(("javascript", "data", "vbscript"))


def test_a_reader_cannot_slip_a_srcset_or_a_loading_value_past_the_sanitiser():
    from articles.markup import sanitize_html

    html = sanitize_html(
        '<img src="/media/a.webp" srcset="javascript:alert(1) 1w, /media/b.webp 2w" '
        'sizes="100vw; background:url(x)" loading="eager" decoding="sync" width="1e9">'
    )
    assert html == '<img src="/media/a.webp">'


@pytest.mark.parametrize("who", ["anonymous", "member", "moderator"])
def test_only_those_who_write_articles_get_a_preview(client, make_user, make_staff, who):
    if who == "member":
        client.force_login(make_user(username="member"))
    elif who == "moderator":
        client.force_login(make_staff(MODERATORS, username="moderator"))

    response = client.post(URL, {"body": "Текст"})

    if who == "moderator":
        assert response.status_code == 403
    else:
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_the_preview_wants_a_post_with_the_csrf_token(editor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)

    assert client.get(URL).status_code == 405
    assert client.post(URL, {"body": "Текст"}).status_code == 403

    client.get("/admin/articles/article/add/")  # the form hands out the token
    token = client.cookies["csrftoken"].value
    response = client.post(URL, {"body": "Текст"}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200


def test_the_preview_is_rate_limited_per_editor(client, editor, make_staff, settings):
    settings.MARKDOWN_PREVIEW_RATE = "3/60"
    client.force_login(editor)

    answers = [client.post(URL, {"body": "Текст"}).status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]
    refused = client.post(URL, {"body": "Текст"})
    assert "Слишком часто" in refused.json()["error"] and int(refused["Retry-After"]) > 0
    other = Client()
    other.force_login(make_staff(EDITORS, username="another"))
    assert other.post(URL, {"body": "Текст"}).status_code == 200


def test_a_text_too_long_to_preview_is_a_400(client, editor):
    client.force_login(editor)
    response = client.post(URL, {"body": "я" * 200_001})
    assert response.status_code == 400
    assert "Слишком длинный текст для предпросмотра" in response.json()["error"]
