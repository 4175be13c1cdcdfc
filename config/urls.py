from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
]
urlpatterns += i18n_patterns(
    path("accounts/", include("allauth.urls")),
    path("", include("articles.urls")),
    prefix_default_language=False,
)
