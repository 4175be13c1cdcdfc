"""The media library in the admin: editors upload, see thumbnails and copy the Markdown; a bad
upload is refused with a clear message and leaves nothing behind; members never get in."""

import io
import os
from pathlib import Path

import pytest
from django.urls import reverse
from PIL import Image as PILImage

from accounts.permissions import EDITORS, MODERATORS
from images.models import Image, Rendition
from images.tests.factories import SVG, make_image, picture_bytes, png_bomb, upload

ADD = "/admin/images/image/add/"


@pytest.fixture
def editor(make_staff):
    return make_staff(EDITORS, username="redaktor", display_name="Редактор")


def _stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_an_editor_uploads_a_picture_and_gets_its_renditions(client, editor, settings):
    client.force_login(editor)
    data = picture_bytes("JPEG", size=(2000, 1000))
    response = client.post(
        ADD, {"upload": upload(data, "воронка.jpg", "image/jpeg"), "alt": "Воронка продаж"}
    )

    assert response.status_code == 302
    image = Image.objects.get()
    assert (image.alt, image.uploaded_by, image.original_name) == (
        "Воронка продаж", editor, "воронка.jpg",
    )  # fmt: skip
    assert (image.width, image.height) == (2000, 1000)
    assert image.file.name.startswith("images/") and image.file.name.endswith(".jpg")
    widths = list(image.renditions.order_by("width").values_list("width", "height"))
    assert widths == [(480, 240), (960, 480), (1600, 800)]
    assert len(_stored_files(settings)) == 4
    for rendition in image.renditions.all():
        with rendition.file.open() as stored:
            assert PILImage.open(stored).format == "WEBP"


def test_the_library_shows_thumbnails_and_the_markdown_to_copy(client, editor):
    image = make_image(alt="Схема [сделки]", uploaded_by=editor)
    client.force_login(editor)

    html = client.get("/admin/images/image/").content.decode()

    smallest = image.renditions.order_by("width").first()
    assert f'src="{smallest.file.url}"' in html and 'class="library-thumb"' in html
    assert f'data-copy="![Схема сделки](image:{image.pk})"' in html  # brackets would break it
    assert "Скопировать" in html and "/static/js/admin_media.js" in html
    assert "Медиатека" in html


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: upload(b"MZ\x90\x00 not a picture", "virus.exe"), "Это не картинка"),
        (lambda: upload(SVG, "logo.svg", "image/svg+xml"), "SVG"),
        (lambda: upload(png_bomb(12_000, 12_000), "bomb.png"), "слишком большая"),
        (lambda: upload(png_bomb(8_000, 5_001), "big.png"), "40,01 Мп, а можно не больше 40,0 Мп"),
        (lambda: upload(picture_bytes("JPEG", (800, 600))[:-900], "cut.jpg"), "повреждён"),
        (lambda: upload(picture_bytes("PNG", (800, 600))[:-40], "cut.png"), "повреждён"),
        (lambda: upload(b"", "empty.png"), "пуст"),
    ],
    ids=["not an image", "svg", "144 MP", "just over 40 MP", "broken jpeg", "broken png", "empty"],
)
def test_a_bad_upload_is_refused_with_a_clear_message(client, editor, settings, make, message):
    client.force_login(editor)
    response = client.post(ADD, {"upload": make(), "alt": "Что-то"})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Image.objects.exists() and not Rendition.objects.exists()
    assert _stored_files(settings) == []


def test_a_file_over_the_limit_is_a_form_error(client, editor, settings):
    settings.IMAGE_MAX_BYTES = 20_000
    buffer = io.BytesIO()
    PILImage.frombytes("RGB", (120, 120), os.urandom(120 * 120 * 3)).save(buffer, "PNG")
    data = buffer.getvalue()
    assert 20_000 < len(data) < 20_000 + 64 * 1024
    client.force_login(editor)

    response = client.post(ADD, {"upload": upload(data, "noise.png"), "alt": "Шум"})

    assert response.status_code == 200
    assert "а можно не больше 19,5\xa0КБ" in response.content.decode()
    assert not Image.objects.exists() and _stored_files(settings) == []


def test_a_body_far_over_the_limit_is_refused_unread(client, editor, settings):
    """The 413 of config/middleware.py applies to the admin's uploads too (10 MB by default)."""
    settings.IMAGE_MAX_BYTES = 100_000
    client.force_login(editor)

    response = client.post(ADD, {"upload": upload(b"\x00" * 300_000, "big.png"), "alt": "Большая"})

    assert response.status_code == 413
    assert "Файл слишком большой" in response.content.decode()
    assert not Image.objects.exists() and _stored_files(settings) == []


def test_the_default_limit_is_ten_megabytes(settings):
    assert settings.IMAGE_MAX_BYTES == settings.UPLOAD_MAX_BYTES == 10 * 1024 * 1024
    assert settings.IMAGE_MAX_PIXELS == 40_000_000


@pytest.mark.parametrize("who", ["anonymous", "member", "moderator"])
def test_members_and_moderators_cannot_upload(client, make_user, make_staff, settings, who):
    if who == "member":
        client.force_login(make_user(username="member"))
    elif who == "moderator":
        client.force_login(make_staff(MODERATORS, username="moderator"))

    response = client.post(ADD, {"upload": upload(picture_bytes()), "alt": "Чужая"})

    assert response.status_code == (403 if who == "moderator" else 302)
    if response.status_code == 302:
        assert response["Location"].startswith("/admin/login/")
    assert not Image.objects.exists() and _stored_files(settings) == []


def test_an_editor_changes_the_description_only(client, editor):
    image = make_image(uploaded_by=editor)
    client.force_login(editor)

    response = client.post(
        reverse("admin:images_image_change", args=[image.pk]), {"alt": "Новое описание"}
    )

    assert response.status_code == 302
    image.refresh_from_db()
    assert image.alt == "Новое описание" and image.renditions.count() == 3


def test_deleting_a_picture_deletes_its_files(
    client, editor, settings, django_capture_on_commit_callbacks
):
    image = make_image(uploaded_by=editor)
    assert len(_stored_files(settings)) == 4
    client.force_login(editor)

    with django_capture_on_commit_callbacks(execute=True):
        url = reverse("admin:images_image_delete", args=[image.pk])
        response = client.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert not Image.objects.exists() and not Rendition.objects.exists()
    assert _stored_files(settings) == []


def test_a_picture_on_show_cannot_be_deleted(client, editor, make_article, settings):
    in_text, as_cover = make_image(alt="В тексте"), make_image(alt="Обложка")
    shown = make_article(title="Статья с картинкой", body=f"Текст\n\n![схема]({in_text.reference})")
    make_article(title="Статья с обложкой", cover=as_cover)
    client.force_login(editor)

    for image, title in ((in_text, "Статья с картинкой"), (as_cover, "Статья с обложкой")):
        url = reverse("admin:images_image_delete", args=[image.pk])
        page = client.get(url).content.decode()
        assert title in page and "Удалить" in page
        client.post(url, {"post": "yes"})
        assert Image.objects.filter(pk=image.pk).exists(), title
    changed = client.get(reverse("admin:images_image_change", args=[in_text.pk]))
    assert reverse("admin:articles_article_change", args=[shown.pk]) in changed.content.decode()
    assert len(_stored_files(settings)) == 8
