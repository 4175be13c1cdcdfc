from urllib.parse import urlencode

from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.utils.translation import gettext as _

from config.client import client_ip
from config.http import login_url, same_site_next

# Words taken by the site's own addresses under /users/.
RESERVED_USERNAMES = {"settings"}


class AccountAdapter(DefaultAccountAdapter):
    """The one place where the site adjusts allauth's behaviour."""

    def get_client_ip(self, request):
        # The site's one answer (TRUSTED_PROXY_COUNT), also where allauth's own would raise
        # ImproperlyConfigured (a 500) on a short X-Forwarded-For header.
        return client_ip(request)

    def clean_username(self, username, shallow=False):
        if username.lower() in RESERVED_USERNAMES:
            raise forms.ValidationError(_("Это имя занято, выберите другое."))
        return super().clean_username(username, shallow=shallow)

    def get_email_confirmation_url(self, request, emailconfirmation):
        """The letter's link carries where the reader signed up from: once the address is
        confirmed (in any browser), logging in leads back there."""
        url = super().get_email_confirmation_url(request, emailconfirmation)
        back = same_site_next(request)
        return f"{url}?{urlencode({'next': login_url(back)})}" if back else url
