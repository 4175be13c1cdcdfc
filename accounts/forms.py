from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.utils.translation import gettext_lazy as _

from config.text import validate_one_line
from config.uploads import PictureField


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


class AvatarField(PictureField):
    """A small picture for a member's avatar: AVATAR_MAX_BYTES, sides and frames."""

    max_bytes_setting = "AVATAR_MAX_BYTES"
    max_side_setting = "AVATAR_MAX_SIDE"
    max_frames_setting = "AVATAR_MAX_FRAMES"


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
    avatar = AvatarField(label=_("Аватар"), required=False)
    remove_avatar = forms.BooleanField(label=_("Удалить аватар"), required=False)
    notify_replies = forms.BooleanField(
        label=_("Письма об ответах на мои комментарии"), required=False
    )
    notify_article_comments = forms.BooleanField(
        label=_("Письма о новых комментариях к моим статьям"), required=False
    )
    notify_followed_articles = forms.BooleanField(
        label=_("Письма о новых статьях авторов, на которых я подписан"), required=False
    )

    def clean_display_name(self) -> str:
        return self.cleaned_data["display_name"].strip()

    def clean_bio(self) -> str:
        return self.cleaned_data["bio"].strip()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["avatar"].help_text = self.fields["avatar"].help_text_for_limits()
