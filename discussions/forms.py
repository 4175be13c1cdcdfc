import datetime

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Report


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Ваше мнение"),
        strip=False,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Можно **жирный**, _курсив_, `код`, > цитаты и ссылки."),
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].widget.attrs["maxlength"] = settings.COMMENT_MAX_LENGTH

    def clean_body(self):
        return services.clean_body(body=self.cleaned_data["body"])


class CommentEditForm(CommentForm):
    parent = None


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Что не так с комментарием?"),
        choices=Report.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Выберите причину жалобы.")},
    )
    details = forms.CharField(label=_("Подробности (по желанию)"), max_length=300, required=False)


class VoteForm(forms.Form):
    value = forms.TypedChoiceField(
        choices=[("1", "+1"), ("-1", "-1"), ("0", "0")],
        coerce=int,
        error_messages={"required": _("Голос может быть только +1 или −1.")},
    )


class BanForm(forms.Form):
    """The admin's intermediate page for barring comment authors."""

    reason = forms.CharField(label=_("Причина (участник её увидит)"), max_length=300)
    days = forms.IntegerField(
        label=_("На сколько дней"),
        min_value=1,
        required=False,
        help_text=_("Пусто: без срока."),
    )


class QueueDecisionForm(forms.Form):
    """A moderator's decision on one comment of the moderation queue."""

    HIDE, DISMISS, BAN = "hide", "dismiss", "ban"

    comment = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        choices=[
            (HIDE, _("Скрыть")),
            (DISMISS, _("Отклонить жалобы")),
            (BAN, _("Запретить автору комментировать")),
        ],
        error_messages={
            "required": _("Выберите решение."),
            "invalid_choice": _("Выберите решение."),
        },
    )
    reason = forms.CharField(
        label=_("Причина (участник её увидит)"), max_length=300, required=False
    )
    days = forms.IntegerField(
        label=_("На сколько дней"), min_value=1, max_value=3650, required=False
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.BAN and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Укажите причину: участник её увидит."))
        days = data.get("days")
        data["until"] = timezone.now() + datetime.timedelta(days=days) if days else None
        return data
