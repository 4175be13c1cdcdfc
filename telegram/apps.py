from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TelegramConfig(AppConfig):
    name = "telegram"
    verbose_name = _("Telegram")


class TelegramLoginConfig(AppConfig):
    """allauth's Telegram provider under a label of its own: its default, "telegram", is ours."""

    name = "allauth.socialaccount.providers.telegram"
    label = "allauth_telegram"
    verbose_name = "Telegram login"
