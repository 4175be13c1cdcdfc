"""Answers of the site as a whole, when a page of an app cannot give one."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import defaults

from .http import wants_json

RETRY_AFTER_SECONDS = 30
# Connection exception, insufficient resources (too many connections), server shutting down.
SQLSTATE_UNAVAILABLE = ("08", "53", "57P")


def database_is_down(error: BaseException) -> bool:
    """Whether the error means the database could not be reached or went away mid-request,
    rather than a bug in a query (which stays a 500)."""
    if not isinstance(error, OperationalError | InterfaceError):
        return False
    # psycopg's own error: no SQLSTATE when the connection was never made or was lost, else the
    # server's code. SQLite's errors have none of this: there, every error is a bug.
    sqlstate = getattr(error.__cause__, "sqlstate", "")
    return sqlstate is None or sqlstate.startswith(SQLSTATE_UNAVAILABLE)


def service_unavailable(request) -> HttpResponse:
    """503 with Retry-After: JSON for the pages' scripts, else a page drawn without the database."""
    if wants_json(request):
        message = _("Сайт ненадолго недоступен, ничего не сохранено. Попробуйте через минуту.")
        response = JsonResponse({"error": message}, status=503)
    else:
        context = {"LANGUAGE_CODE": get_language(), "home_url": reverse("articles:home")}
        html = render_to_string("503.html", context)
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request):
    """Django's handler500: the 503 page when the database went away, else the 500 page."""
    error = sys.exc_info()[1]
    if error is not None and database_is_down(error):
        return service_unavailable(request)
    return defaults.server_error(request)
