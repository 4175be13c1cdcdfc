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
