"""What the views of every app share: members-only views, a refusal as a 4xx, a page of a list.

A view parses the request, calls a service and answers. When the service refuses
(PermissionDenied, ValidationError, RateLimited, Http404), the refusal becomes a clear 4xx:
JSON for the page's script, or a page that says why, links back and keeps what the member typed.
"""

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import InvalidPage, Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

View = Callable[..., HttpResponse]
PROBLEM_TEMPLATE = "problem.html"


class RateLimited(Exception):
    """Too many attempts; `retry_after` seconds until the window ends."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(
            ngettext(
                "Слишком часто. Подождите %(count)s секунду и попробуйте снова.",
                "Слишком часто. Подождите %(count)s секунд и попробуйте снова.",
                retry_after,
            )
            % {"count": retry_after}
        )


REFUSALS = (PermissionDenied, ValidationError, RateLimited, Http404)


def wants_json(request: HttpRequest) -> bool:
    """Whether the page's script sent the request (it asks for JSON), not a reader's browser."""
    return (
        "application/json" in request.headers.get("Accept", "")
        or request.headers.get("X-Requested-With") == "XMLHttpRequest"
    )


def same_site_next(request: HttpRequest) -> str | None:
    """The `next` the form or the address carried, when it is a path of this site (never another
    host, `//host` or a scheme: no open redirect)."""
    value = request.POST.get("next") or request.GET.get("next") or ""
    if value.startswith("/") and url_has_allowed_host_and_scheme(value, allowed_hosts=None):
        return value
    return None


def login_url(next_url: str) -> str:
    """The login page, which sends the member on to `next_url` afterwards."""
    return f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': next_url})}"


def members_only(
    *,
    back: Callable[..., str] | None = None,
    message: str = gettext_lazy("Войдите, чтобы продолжить."),
) -> Callable[[View], View]:
    """Members only: a reader goes to log in and comes back; a script gets 401 JSON.

    `back(request, *args, **kwargs)` says where to come back to (this page by default); it may
    raise Http404 first, so a login redirect never reveals what a visitor may not reach.
    """

    def decorate(view: View) -> View:
        @wraps(view)
        def members_only_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.user.is_authenticated:
                return view(request, *args, **kwargs)
            next_url = back(request, *args, **kwargs) if back else request.get_full_path()
            url = login_url(next_url)
            if wants_json(request):
                return JsonResponse({"error": str(message), "login_url": url}, status=401)
            return redirect(url)

        return members_only_view

    return decorate


def refusal_status(error: Exception) -> int:
    """429 for too many attempts, 403 for not allowed, 404, 409 for a repeat, else 400."""
    if isinstance(error, RateLimited):
        return 429
    if isinstance(error, PermissionDenied):
        return 403
    if isinstance(error, Http404):
        return 404
    if getattr(error, "code", None) == "duplicate":
        return 409
    return 400


def refusal_message(error: Exception) -> str:
    """What the member reads about a refusal."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _("Это действие сейчас недоступно.")


def refusal(
    request: HttpRequest,
    error: Exception,
    *,
    back_url: str,
    template: str = PROBLEM_TEMPLATE,
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """The 4xx for a refusal: JSON for the script, else `template` with the message, a link back
    and `context` (the form as the member filled it in).

    A refusal that points at something (e.g. the comment already posted) names it in
    `error.extra_json` for the script and in `error.back_url` for the page's link back.
    """
    data = {"error": refusal_message(error), **getattr(error, "extra_json", {})}
    if wants_json(request):
        response = JsonResponse(data, status=refusal_status(error))
    else:
        page = {"message": data["error"], "back_url": getattr(error, "back_url", None) or back_url}
        response = render(
            request, template, {**page, **(context or {})}, status=refusal_status(error)
        )
    if isinstance(error, RateLimited):
        response["Retry-After"] = str(error.retry_after)
    return response


class Refused(Exception):
    """A service's refusal on its way to `answers_refusals`, with the page to answer it with."""

    def __init__(
        self, error: Exception, *, back_url: str, template: str, context: dict[str, Any]
    ) -> None:
        super().__init__(str(error))
        self.error, self.back_url, self.template, self.context = error, back_url, template, context

    def response(self, request: HttpRequest) -> HttpResponse:
        return refusal(
            request,
            self.error,
            back_url=self.back_url,
            template=self.template,
            context=self.context,
        )


@contextmanager
def refusals_show(
    *, back_url: str, template: str = PROBLEM_TEMPLATE, **context: Any
) -> Iterator[dict[str, Any]]:
    """A refusal within the block is answered (by `answers_refusals`) as a 4xx that links back to
    `back_url` and shows `template` with `context`; the block may add to the context it gets."""
    try:
        yield context
    except REFUSALS as error:
        raise Refused(error, back_url=back_url, template=template, context=context) from error


def answers_refusals(view: View) -> View:
    """The view answers a refusal raised within its `refusals_show` blocks as a 4xx."""

    @wraps(view)
    def answering_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except Refused as refused:
            return refused.response(request)

    return answering_view


def valid(form: forms.Form) -> dict[str, Any]:
    """The form's cleaned data; a ValidationError with all its messages when it is not valid."""
    if not form.is_valid():
        raise ValidationError(list(itertools.chain.from_iterable(form.errors.values())))
    return form.cleaned_data


def page_or_404(request: HttpRequest, paginator: Paginator) -> Page:
    """The page `?page=` asks for (the first without it); one that does not exist is a 404."""
    try:
        return paginator.page(request.GET.get("page") or 1)
    except InvalidPage as error:
        raise Http404(_("Такой страницы нет.")) from error
