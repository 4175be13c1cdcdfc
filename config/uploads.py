"""Uploaded pictures: the checks every picture field of the site makes (avatars, the editors'
media library, covers), so a bomb, an SVG or a broken file gets the same clear message
wherever it is sent."""

import math
import warnings
from typing import ClassVar

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from PIL import Image, UnidentifiedImageError

PICTURE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
ACCEPT = "image/jpeg,image/png,image/webp,image/gif"
# What a file that decodes badly raises from Pillow: never a reason for a 500.
DECODING_ERRORS = (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError)


class PictureField(forms.ImageField):
    """A real picture of limited size: the size in bytes, the format, the pixels (all frames
    together), the sides and the frames are judged from the header before anything is decoded,
    so a decompression bomb costs nothing; then the picture is read (a JPEG at an eighth of its
    size) to refuse a broken file. The limits are the settings named below, read per upload."""

    max_bytes_setting = "UPLOAD_MAX_BYTES"
    max_side_setting = "AVATAR_MAX_SIDE"
    max_frames_setting = "AVATAR_MAX_FRAMES"
    default_error_messages: ClassVar[dict[str, str]] = {
        "invalid_image": _("Это не картинка: загрузите JPEG, PNG, WebP или GIF."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.FileInput(attrs={"accept": ACCEPT}))
        super().__init__(**kwargs)

    def to_python(self, data):
        upload = forms.FileField.to_python(self, data)
        if upload is None:
            return None
        max_bytes = getattr(settings, self.max_bytes_setting)
        if upload.size > max_bytes:
            raise forms.ValidationError(
                _("Файл весит %(size)s, а можно не больше %(limit)s."),
                code="too_large",
                params={"size": filesizeformat(upload.size), "limit": filesizeformat(max_bytes)},
            )
        image = _open_picture(upload, self.error_messages["invalid_image"])
        _check_geometry(
            image,
            max_side=getattr(settings, self.max_side_setting),
            max_frames=getattr(settings, self.max_frames_setting),
        )
        _check_readable(upload, image)
        upload.image = image
        upload.content_type = Image.MIME.get(image.format)
        upload.seek(0)
        return upload

    def help_text_for_limits(self) -> str:
        """'JPEG, PNG, WebP или GIF, не больше 10,0 МБ.': what a picture may be, for the form."""
        return _("JPEG, PNG, WebP или GIF, не больше %(size)s.") % {
            "size": filesizeformat(getattr(settings, self.max_bytes_setting))
        }


def _open_picture(upload, invalid_message) -> Image.Image:
    """The picture's header, with Pillow's decompression-bomb check as an error, not a warning."""
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        raise _too_many_pixels(None) from error
    except UnidentifiedImageError as error:
        upload.seek(0)
        if b"<svg" in upload.read(4096).lower():
            raise _bad_format("SVG") from error
        raise forms.ValidationError(invalid_message, code="invalid_image") from error
    except (OSError, SyntaxError, ValueError) as error:
        raise broken_picture() from error
    if image.format not in PICTURE_FORMATS:
        raise _bad_format(image.format)
    return image


def _check_geometry(image: Image.Image, *, max_side: int, max_frames: int) -> None:
    width, height = image.size
    if max(width, height) > max_side:
        raise forms.ValidationError(
            _("Картинка %(width)s × %(height)s px, а сторона может быть не больше %(limit)s px."),
            code="too_wide",
            params={"width": width, "height": height, "limit": max_side},
        )
    try:
        frames = getattr(image, "n_frames", 1)
    except (OSError, SyntaxError, ValueError) as error:
        raise broken_picture() from error
    if frames > max_frames:
        raise forms.ValidationError(
            ngettext(
                "Слишком длинная анимация: можно не больше %(limit)s кадра, а в этой %(frames)s.",
                "Слишком длинная анимация: можно не больше %(limit)s кадров, а в этой %(frames)s.",
                max_frames,
            ),
            code="too_many_frames",
            params={"limit": max_frames, "frames": frames},
        )
    if width * height * frames > settings.IMAGE_MAX_PIXELS:
        raise _too_many_pixels(width * height * frames)


def _check_readable(upload, image: Image.Image) -> None:
    """Reads the picture through: PNG by its checksums, the others by decoding the first frame
    (a JPEG at an eighth of its size); within the limits above that stays a few dozen MB."""
    try:
        if image.format == "PNG":
            image.verify()
        else:
            upload.seek(0)
            with Image.open(upload) as decoded:
                decoded.draft("RGB", (decoded.width // 8 or 1, decoded.height // 8 or 1))
                decoded.load()
    except DECODING_ERRORS as error:
        raise broken_picture() from error


def _too_many_pixels(pixels: int | None) -> forms.ValidationError:
    limit = number_format(settings.IMAGE_MAX_PIXELS / 1_000_000, 1)
    if pixels is None:
        return forms.ValidationError(
            _("Картинка слишком большая: можно не больше %(limit)s Мп."),
            code="too_many_pixels",
            params={"limit": limit},
        )
    shown = number_format(pixels / 1_000_000, 1)
    if shown == limit:  # just over: "40,01 Мп, а можно не больше 40,0", not "40,0 ... 40,0"
        shown = number_format(math.ceil(pixels / 10_000) / 100, 2)
    return forms.ValidationError(
        _("Картинка слишком большая: %(pixels)s Мп, а можно не больше %(limit)s Мп."),
        code="too_many_pixels",
        params={"pixels": shown, "limit": limit},
    )


def _bad_format(name: str) -> forms.ValidationError:
    return forms.ValidationError(
        _("Формат %(format)s не подходит: загрузите JPEG, PNG, WebP или GIF."),
        code="bad_format",
        params={"format": name},
    )


def broken_picture() -> forms.ValidationError:
    """The message for a file that claims to be a picture but does not decode."""
    return forms.ValidationError(
        _("Файл повреждён: картинку из него не прочитать. Сохраните её заново и загрузите снова."),
        code="broken",
    )
