from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from config.text import validate_one_line

AVATAR_MAX_BYTES = 2 * 1024 * 1024
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
    avatar = forms.ImageField(
        label=_("Аватар"),
        required=False,
        help_text=_("JPEG, PNG, WebP или GIF, не больше 2 МБ."),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
        error_messages={
            "invalid_image": _("Это не картинка: загрузите JPEG, PNG, WebP или GIF."),
        },
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

    def clean_avatar(self):
        avatar = self.cleaned_data.get("avatar")
        if not avatar:
            return None
        if avatar.size > AVATAR_MAX_BYTES:
            raise forms.ValidationError(
                _("Файл весит %(size)s, а можно не больше %(limit)s."),
                code="too_large",
                params={
                    "size": filesizeformat(avatar.size),
                    "limit": filesizeformat(AVATAR_MAX_BYTES),
                },
            )
        # forms.ImageField has already opened the file with Pillow and kept what it found.
        if avatar.image.format not in AVATAR_FORMATS:
            raise forms.ValidationError(
                _("Формат %(format)s не подходит: загрузите JPEG, PNG, WebP или GIF."),
                code="bad_format",
                params={"format": avatar.image.format},
            )
        return avatar
