"""Avatars: only small, real, still or briefly animated pictures; bombs and big uploads are refused
with a clear message, a too-big upload before the server reads it."""

import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts.models import User
from images.tests.factories import SVG
from images.tests.factories import png_bomb as _png_bomb


def _upload(data: bytes, name: str, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def _picture(fmt="PNG", size=(64, 64), **save) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 80, 20)).save(buffer, fmt, **save)
    return buffer.getvalue()


def _gif(frames: int, size=(32, 32)) -> bytes:
    images = [Image.new("RGB", size, (n % 256, 0, 0)) for n in range(frames)]
    buffer = io.BytesIO()
    images[0].save(buffer, "GIF", save_all=True, append_images=images[1:], duration=40, loop=0)
    return buffer.getvalue()


@pytest.fixture
def member(make_user):
    return make_user(username="olga", display_name="Ольга")


def _post(client, upload):
    return client.post(
        reverse("accounts:settings"), {"display_name": "Новое имя", "bio": "", "avatar": upload}
    )


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: _upload(_png_bomb(12_000, 12_000), "bomb.png", "image/png"), "Мп"),
        (lambda: _upload(_png_bomb(9_000, 1_000), "wide.png", "image/png"), "8192"),
        (lambda: _upload(_gif(300), "long.gif", "image/gif"), "кадров"),
        (lambda: _upload(SVG, "logo.svg", "image/svg+xml"), "SVG"),
        (lambda: _upload(b"MZ\x90\x00 not a picture", "virus.exe"), "Это не картинка"),
        (lambda: _upload(_picture("JPEG", (400, 300))[:-600], "cut.jpg"), "повреждён"),
        (lambda: _upload(_picture("PNG", (400, 300))[:-40], "cut.png"), "повреждён"),
    ],
    ids=["144 MP", "too wide", "300 frames", "svg", "not an image", "broken jpeg", "broken png"],
)
def test_bad_avatars_are_refused_with_a_clear_message(client, member, make, message):
    client.force_login(member)
    response = _post(client, make())
    assert response.status_code == 200
    assert message in response.content.decode()
    member.refresh_from_db()
    assert not member.avatar and member.display_name == "Ольга"


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (_picture("PNG"), "a.png"),
        (_picture("JPEG"), "a.jpg"),
        (_picture("WEBP"), "a.webp"),
        (_gif(10), "a.gif"),
    ],
)
def test_small_pictures_and_short_animations_are_avatars(client, member, data, name):
    client.force_login(member)
    assert _post(client, _upload(data, name)).status_code == 302
    member.refresh_from_db()
    assert member.avatar


def test_a_too_big_upload_is_refused_before_it_is_read(client, member, settings):
    settings.AVATAR_MAX_BYTES = 100_000
    client.force_login(member)
    response = _post(client, _upload(b"\x00" * 300_000, "big.png"))
    assert response.status_code == 413
    html = response.content.decode()
    assert "слишком большой" in html and "97,7" in html  # the limit, in KB
    assert User.objects.get(pk=member.pk).display_name == "Ольга"


class Unreadable(io.RawIOBase):
    def read(self, *args):
        raise AssertionError("the body was read")

    readline = readinto = read


def test_the_size_is_judged_from_the_headers_alone(rf, member, settings):
    from accounts.views import settings_view
    from config.middleware import BadInputMiddleware

    settings.AVATAR_MAX_BYTES = 100_000
    request = rf.post(reverse("accounts:settings"), {"avatar": _upload(b"x" * 300_000, "a.png")})
    request._stream = Unreadable()
    request.user = member
    response = BadInputMiddleware(lambda r: None).process_view(request, settings_view, (), {})
    assert response.status_code == 413


def test_the_whole_site_has_a_body_limit(client, make_article, member, settings):
    settings.UPLOAD_MAX_BYTES = 10_000
    client.force_login(member)
    article = make_article()
    url = reverse("discussions:comment_create", args=[article.pk])
    response = client.post(url, {"body": "д" * 20_000})
    assert response.status_code == 413


def test_a_slightly_too_big_avatar_is_a_form_error(client, member, settings):
    settings.AVATAR_MAX_BYTES = 1_000
    client.force_login(member)
    noise = io.BytesIO()
    Image.frombytes("RGB", (60, 60), os.urandom(60 * 60 * 3)).save(noise, "PNG")
    response = _post(client, _upload(noise.getvalue(), "a.png"))
    assert response.status_code == 200
    assert "а можно не больше" in response.content.decode()
