from django.core.exceptions import BadRequest
from django.http import HttpResponse


def healthz_middleware(get_response):
    """/healthz for load balancers: answered first, without the database or any other middleware.

    It is the cheapest response the server can give, the floor the benchmark measures against.
    """

    def middleware(request):
        if request.path == "/healthz":
            return HttpResponse("ok", content_type="text/plain")
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
