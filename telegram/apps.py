from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TelegramConfig(AppConfig):
    default = True  # the app's own; the one below is named in INSTALLED_APPS by its path
    name = "telegram"
    verbose_name = _("Telegram")


class TelegramLoginConfig(AppConfig):
    """allauth's Telegram provider under a label of its own: its default, "telegram", is ours."""

    default = False
    name = "allauth.socialaccount.providers.telegram"
    label = "allauth_telegram"
    verbose_name = "Telegram login"
