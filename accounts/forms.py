import warnings
from typing import ClassVar

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from PIL import Image, UnidentifiedImageError

from config.text import validate_one_line

AVATAR_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


class HoneypotInput(forms.TextInput):
    """A text box people never see: the form templates put it out of view and out of tab order."""

    def __init__(self):
        super().__init__(attrs={"tabindex": "-1", "autocomplete": "off"})


class SignupForm(AllauthSignupForm):
    """allauth's sign-up form with a honeypot: a bot that fills every box gets no account."""

    website = forms.CharField(
        label=_("Не заполняйте это поле"), required=False, widget=HoneypotInput()
    )

    def clean(self):
        cleaned_data = super().clean()
        if self.cleaned_data.get("website"):
            raise forms.ValidationError(
                _(
                    "Форма заполнена так, как её заполняют программы для рассылки спама. "
                    "Если вы человек, обновите страницу и попробуйте ещё раз."
                ),
                code="honeypot",
            )
        return cleaned_data


class AvatarField(forms.ImageField):
    """A small, real picture: the size in bytes, the format, the pixels (all frames together),
    the sides and the frames are judged from the header before anything is decoded, so a
    decompression bomb costs nothing; then the picture is read (a JPEG at an eighth of its size)
    to refuse a broken file."""

    default_error_messages: ClassVar[dict[str, str]] = {
        "invalid_image": _("Это не картинка: загрузите JPEG, PNG, WebP или GIF."),
    }

    def to_python(self, data):
        upload = forms.FileField.to_python(self, data)
        if upload is None:
            return None
        if upload.size > settings.AVATAR_MAX_BYTES:
            raise forms.ValidationError(
                _("Файл весит %(size)s, а можно не больше %(limit)s."),
                code="too_large",
                params={
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(settings.AVATAR_MAX_BYTES),
                },
            )
        image = _open_picture(upload, self.error_messages["invalid_image"])
        _check_geometry(image)
        _check_readable(upload, image)
        upload.image = image
        upload.content_type = Image.MIME.get(image.format)
        upload.seek(0)
        return upload


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
        raise _broken() from error
    if image.format not in AVATAR_FORMATS:
        raise _bad_format(image.format)
    return image


def _check_geometry(image: Image.Image) -> None:
    width, height = image.size
    if max(width, height) > settings.AVATAR_MAX_SIDE:
        raise forms.ValidationError(
            _("Картинка %(width)s × %(height)s px, а сторона может быть не больше %(limit)s px."),
            code="too_wide",
            params={"width": width, "height": height, "limit": settings.AVATAR_MAX_SIDE},
        )
    try:
        frames = getattr(image, "n_frames", 1)
    except (OSError, SyntaxError, ValueError) as error:
        raise _broken() from error
    if frames > settings.AVATAR_MAX_FRAMES:
        raise forms.ValidationError(
            ngettext(
                "Слишком длинная анимация: можно не больше %(limit)s кадра, а в этой %(frames)s.",
                "Слишком длинная анимация: можно не больше %(limit)s кадров, а в этой %(frames)s.",
                settings.AVATAR_MAX_FRAMES,
            ),
            code="too_many_frames",
            params={"limit": settings.AVATAR_MAX_FRAMES, "frames": frames},
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
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise _broken() from error


def _too_many_pixels(pixels: int | None) -> forms.ValidationError:
    limit = number_format(settings.IMAGE_MAX_PIXELS / 1_000_000, 1)
    if pixels is None:
        return forms.ValidationError(
            _("Картинка слишком большая: можно не больше %(limit)s Мп."),
            code="too_many_pixels",
            params={"limit": limit},
        )
    return forms.ValidationError(
        _("Картинка слишком большая: %(pixels)s Мп, а можно не больше %(limit)s Мп."),
        code="too_many_pixels",
        params={"pixels": number_format(pixels / 1_000_000, 1), "limit": limit},
    )


def _bad_format(name: str) -> forms.ValidationError:
    return forms.ValidationError(
        _("Формат %(format)s не подходит: загрузите JPEG, PNG, WebP или GIF."),
        code="bad_format",
        params={"format": name},
    )


def _broken() -> forms.ValidationError:
    return forms.ValidationError(
        _("Файл повреждён: картинку из него не прочитать. Сохраните её заново и загрузите снова."),
        code="broken",
    )


class ProfileForm(forms.Form):
    """What a member may change on the settings page; validates and never saves."""

    display_name = forms.CharField(
        label=_("Публичное имя"),
        max_length=80,
        required=False,
        validators=[validate_one_line],
        help_text=_("Так вас увидят другие. Пусто: покажем имя пользователя."),
    )
    bio = forms.CharField(
        label=_("О себе"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    avatar = AvatarField(
        label=_("Аватар"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
    )
    remove_avatar = forms.BooleanField(label=_("Удалить аватар"), required=False)
    notify_replies = forms.BooleanField(
        label=_("Письма об ответах на мои комментарии"), required=False
    )
    notify_article_comments = forms.BooleanField(
        label=_("Письма о новых комментариях к моим статьям"), required=False
    )

    def clean_display_name(self) -> str:
        return self.cleaned_data["display_name"].strip()

    def clean_bio(self) -> str:
        return self.cleaned_data["bio"].strip()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["avatar"].help_text = _("JPEG, PNG, WebP или GIF, не больше %(size)s.") % {
            "size": filesizeformat(settings.AVATAR_MAX_BYTES)
        }
