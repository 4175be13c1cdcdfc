"""Two small cached views for the page cache's header tests."""

from django.http import HttpResponse
from django.urls import path

from articles.caching import anonymous_page_cache


@anonymous_page_cache()
def max_age(request):
    response = HttpResponse("shared for thirty seconds")
    response["Cache-Control"] = "max-age=30"
    response["Vary"] = "Accept-Language"
    return response


@anonymous_page_cache()
def private(request):
    response = HttpResponse("for one reader")
    response["Cache-Control"] = "private"
    return response


urlpatterns = [path("max-age/", max_age), path("private/", private)]
