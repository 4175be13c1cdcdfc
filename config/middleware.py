from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import BadRequest
from django.db import DatabaseError, connection
from django.http import HttpResponse, JsonResponse


def healthz_middleware(get_response):
    """/healthz and /readyz for load balancers: answered first, before any other middleware.

    /healthz says the process runs, without the database: it is the cheapest response the server
    can give, the floor the benchmark measures against. /readyz says whether the node can serve
    pages: 200 when the database and (if configured) Redis answer, else 503 naming what is down.
    """

    def middleware(request):
        if request.path == "/healthz":
            return HttpResponse("ok", content_type="text/plain")
        if request.path == "/readyz":
            return readiness()
        return get_response(request)

    return middleware


def reject_nul_middleware(get_response):
    """A NUL character is never part of a real address, cookie or form field, and PostgreSQL
    refuses to compare or store one (a 500 from the first query that met it): such a request is
    a 400 before any view sees it. Uploaded files may hold any byte; only text fields count."""

    def middleware(request):
        if _has_nul(request):
            raise BadRequest("NUL character in the request")
        return get_response(request)

    return middleware


def _has_nul(request) -> bool:
    texts = [request.path, *request.COOKIES.keys(), *request.COOKIES.values()]
    for data in (request.GET, request.POST) if request.method == "POST" else (request.GET,):
        for key, values in data.lists():
            texts += [key, *values]
    return any("\x00" in text for text in texts)


def readiness() -> JsonResponse:
    """The answer of /readyz, never cached; each check is bounded by its connection timeouts."""
    answers = {"database": _database_answers()}
    if settings.REDIS_URL:
        answers["redis"] = cache.ping()
    response = JsonResponse(
        {part: "ok" if answered else "down" for part, answered in answers.items()},
        status=200 if all(answers.values()) else 503,
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
