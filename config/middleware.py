from csp.constants import HEADER
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as PolicyMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import BadRequest
from django.db import DatabaseError, connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render


def healthz_middleware(get_response):
    """/healthz and /readyz for load balancers: answered first, before any other middleware.

    /healthz says the process runs, without the database: it is the cheapest response the server
    can give, the floor the benchmark measures against. /readyz says whether the node can serve
    pages: 503 when the database does not answer. Redis is reported beside it but does not fail
    the check: every node shares one Redis and the site serves pages without it, so a balancer
    that pulled nodes for it would turn a slower site into no site.
    """

    def middleware(request):
        if request.path == "/healthz":
            return HttpResponse("ok", content_type="text/plain")
        if request.path == "/readyz":
            return readiness()
        return get_response(request)

    return middleware


class BadInputMiddleware:
    """Refuses what no view should see, before it reaches one.

    - A NUL character in the address, a cookie or a form field: 400. It is never part of real
      input, and PostgreSQL refuses to compare or store one (a 500 from the first query that met
      it). Uploaded files may hold any byte; only text fields count.
    - A request body bigger than the view takes (`max_body` below, else UPLOAD_MAX_BYTES): 413,
      judged from Content-Length before anything reads the body. It runs before
      CsrfViewMiddleware, the first to read it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refuse_address(request)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        return refuse_body(request, view_func)


def refuse_address(request) -> None:
    """BadInputMiddleware's check of the address and the cookies: raises BadRequest."""
    if _has_nul(request.path, request.COOKIES, request.GET):
        raise BadRequest("NUL character in the address or a cookie")


def refuse_body(request, view_func) -> HttpResponse | None:
    """BadInputMiddleware's checks of the body before `view_func` reads it: a 413 response, a
    BadRequest raised, or None when the body may reach the view."""
    setting = getattr(view_func, "max_body_setting", None)
    limit = getattr(settings, setting) if setting else settings.UPLOAD_MAX_BYTES
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:  # Django reads a malformed length as an empty body, and so do we
        length = 0
    if length > limit + (FORM_FIELDS_BYTES if setting else 0):
        return render(request, "413.html", {"limit": limit}, status=413)
    if request.method == "POST" and _has_nul(request.POST):
        raise BadRequest("NUL character in a form field")
    return None


# Room for a form's other fields beside its file: a file a little over its limit reaches the
# form, which says by how much.
FORM_FIELDS_BYTES = 64 * 1024


def max_body(setting: str):
    """Lets a view read a file as big as settings.<setting> (and its other fields), no bigger."""

    def decorate(view):
        view.max_body_setting = setting
        return view

    return decorate


def _has_nul(*sources) -> bool:
    texts = []
    for source in sources:
        if isinstance(source, str):
            texts.append(source)
        elif hasattr(source, "lists"):
            for key, values in source.lists():
                texts += [key, *values]
        else:
            texts += [*source.keys(), *source.values()]
    return any("\x00" in text for text in texts)


def readiness() -> JsonResponse:
    """The answer of /readyz, never cached; each check is bounded by its connection timeouts."""
    answers = {"database": _database_answers()}
    if settings.REDIS_URL:
        answers["redis"] = cache.ping()
    response = JsonResponse(
        {part: "ok" if answered else "down" for part, answered in answers.items()},
        status=200 if answers["database"] else 503,
    )
    response["Cache-Control"] = "no-store"
    return response


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return False
    return True


class CSPMiddleware(PolicyMiddleware):
    """django-csp's, with the site's policy written once per process.

    No view here changes the policy for its response (csp_update, csp_replace, csp_exempt) or
    uses a nonce, so the header is the same on every page; django-csp builds it again for each
    response, a third of the CPU of a page from the page cache. A response or request that does
    any of those, a policy in report-only mode, or a path excluded from it, takes django-csp's
    own way."""

    _built: tuple = (None, "")  # (the settings' policy, its header)

    def process_response(self, request, response):
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None)
        if (
            not policy
            or getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
            or policy.get("EXCLUDE_URL_PREFIXES")
            or getattr(request, "_csp_nonce", None) is not None
            or any(
                hasattr(response, name)
                for name in ("_csp_config", "_csp_update", "_csp_replace", "_csp_exempt")
            )
            or (settings.DEBUG and response.status_code in (404, 500))
        ):
            return super().process_response(request, response)
        built_for, header = self._built
        if built_for is not policy:  # another policy (a test's settings)
            header = build_policy()
            self._built = (policy, header)
        if HEADER not in response:
            response[HEADER] = header
        request.csp_nonce = _NONCE_AFTER_RESPONSE
        return response


# What request.csp_nonce is once the header is written, as django-csp has it: asking raises.
_NONCE_AFTER_RESPONSE = CheckableLazyObject(PolicyMiddleware._csp_nonce_post_response)
