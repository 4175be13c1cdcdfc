from allauth.socialaccount.models import SocialApp, SocialToken
from django import forms
from django.contrib import admin
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from config.admin_wording import MASCULINE, WordedAdmin, Wording

from . import announcements
from .models import Announcement

State = Announcement.State


class AnnouncementForm(forms.ModelForm):
    # An editor chooses only whether it goes out; what Telegram said is the command's to record.
    state = forms.ChoiceField(
        label=capfirst(_("анонс в канале")),
        choices=[(State.WAITING, _("отправить")), (State.OFF, _("не отправлять"))],
    )

    class Meta:
        model = Announcement
        fields = ["article", "state"]


@admin.register(Announcement)
class AnnouncementAdmin(WordedAdmin, admin.ModelAdmin):
    """Each article's announcement in the channel: its state, and a switch to turn it off."""

    wording = Wording(
        accusative=_("анонс в Telegram"),
        genitive=_("анонса в Telegram"),
        genitive_plural=_("анонсов в Telegram"),
        gender=MASCULINE,
    )
    form = AnnouncementForm
    list_display = ["article", "state", "reason", "attempts", "sent_at", "retry_at"]
    list_filter = ["state"]
    list_select_related = ["article"]
    search_fields = ["article__title"]
    raw_id_fields = ["article"]
    ordering = ["-article__published_at", "-pk"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["article", "state"]
        return ["article", "state", "reason", "attempts", "retry_at", "sent_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        done = obj.state in (State.SENT, State.SENDING)
        return [
            "article",
            *(["state"] if done else []),
            "reason",
            "attempts",
            "retry_at",
            "sent_at",
        ]

    def has_delete_permission(self, request, obj=None):
        return False  # a deleted row would be announced again: switch it off instead

    def save_model(self, request, obj, form, change):
        if "state" in form.cleaned_data:
            switched = announcements.switch_announcement(
                article=obj.article, on=form.cleaned_data["state"] == State.WAITING
            )
            obj.pk, obj.state = switched.pk, switched.state


# allauth's apps and tokens: the one app is the bot, from the environment, and no token is kept
# (SOCIALACCOUNT_STORE_TOKENS); who connected Telegram stays visible to superusers.
admin.site.unregister(SocialApp)
admin.site.unregister(SocialToken)
