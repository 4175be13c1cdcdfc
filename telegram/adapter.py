"""allauth's social-account adapter: Telegram's login (the one provider).

A member coming from Telegram signs up at once: their username from Telegram's if it is free
(else allauth's), their public name from their first and last names, their Telegram photo as the
avatar. Telegram gives no email: the settings page asks for one, and no notification is mailed
until there is one.
"""

from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from django.http import Http404
from django.utils.translation import gettext as _

from config.text import one_line

from . import services

NAME_LENGTH = 80  # User.display_name


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def get_app(self, request, provider, client_id=None):
        # Without the bot's settings the provider's pages are not there (allauth would fail).
        try:
            return super().get_app(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist:
            raise Http404(_("Вход через Telegram не настроен.")) from None

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        names = [str(data.get(part) or "") for part in ("first_name", "last_name")]
        user.display_name = one_line(" ".join(names))[:NAME_LENGTH]
        return user

    def save_user(self, request, sociallogin, form=None):
        user = super().save_user(request, sociallogin, form=form)
        photo_url = sociallogin.account.extra_data.get("photo_url")
        if isinstance(photo_url, str) and photo_url:
            services.adopt_telegram_photo(user=user, url=photo_url)
        return user
