from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.utils.translation import gettext as _

# Words taken by the site's own addresses under /users/.
RESERVED_USERNAMES = {"settings"}


class AccountAdapter(DefaultAccountAdapter):
    """The one place where the site adjusts allauth's behaviour."""

    def clean_username(self, username, shallow=False):
        if username.lower() in RESERVED_USERNAMES:
            raise forms.ValidationError(_("Это имя занято, выберите другое."))
        return super().clean_username(username, shallow=shallow)
