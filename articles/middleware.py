"""The article page's reports (a view, an engaged read) from readers without a session, answered
right after SecurityMiddleware (its redirect to HTTPS and its headers), before the rest runs.

Every open article sends one, so they are the site's most frequent POST. The views answer JSON
to the page's script, are exempt from CSRF and read no one's session: a request without a
session cookie is an anonymous reader, and the view needs nothing the skipped middleware would
give it (the policy and frame headers are for documents, whitenoise for files). A request with a
session cookie takes the whole stack (the view then leaves out the author's own views). The
address, the cookies and the body are checked as BadInputMiddleware checks them for every view.
"""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser

from config.middleware import refuse_address, refuse_body

from .caching import route


def visit_report(view):
    """Marks a view that VisitReportMiddleware may answer for readers without a session."""
    view.visit_report = True
    return view


class VisitReportMiddleware:
    """Answers a visit report without a session cookie straight from its view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and settings.SESSION_COOKIE_NAME not in request.COOKIES:
            match = route(request.path_info)
            if match is not None and getattr(match.func, "visit_report", False):
                refuse_address(request)
                refused = refuse_body(request, match.func)
                if refused is not None:
                    return refused
                request.user = AnonymousUser()
                return match.func(request, *match.args, **match.kwargs)
        return self.get_response(request)
