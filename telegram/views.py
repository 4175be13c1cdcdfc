"""Telegram's login pages in front of allauth's: the callback checked for shape, the settings'
connections page only where Telegram's login is on."""

import base64
import binascii
import json

from allauth.socialaccount.providers.telegram.views import callback as allauth_callback
from allauth.socialaccount.views import connections as allauth_connections
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt


def _well_formed(result: str) -> bool:
    """Whether tgAuthResult is what allauth's view can check: base64 JSON with a hash, an id and
    a numeric auth_date (allauth reads the date before it checks the signature, and would fail
    on a missing or non-numeric one with a 500)."""
    try:
        data = json.loads(base64.b64decode(result + "=" * (-len(result) % 4)))
    except (binascii.Error, ValueError):
        return False
    return (
        isinstance(data, dict)
        and isinstance(data.get("hash"), str)
        and "id" in data
        and str(data.get("auth_date", "")).isdigit()
    )


@csrf_exempt  # as allauth's own: Telegram's page posts back here through a script of ours
def callback(request: HttpRequest) -> HttpResponse:
    """allauth's callback, or the login failure page (400) for a payload it cannot check."""
    if request.method == "POST" and not _well_formed(request.POST.get("tgAuthResult", "")):
        return render(request, "socialaccount/authentication_error.html", status=400)
    return allauth_callback(request)


def connections(request: HttpRequest) -> HttpResponse:
    """allauth's connections page (the settings' "Telegram"); without the bot there is none."""
    if not settings.TELEGRAM_LOGIN:
        raise Http404
    return allauth_connections(request)
