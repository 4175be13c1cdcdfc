from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from articles import sitemaps
from articles import views as article_views
from telegram import views as telegram_views

# The admin's own login form has no rate limit: send everyone through allauth's login and its
# limits on failed attempts instead (a logged-in member who is not staff gets 403 there).
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("robots.txt", article_views.robots_txt, name="robots_txt"),
    path("sitemap.xml", sitemaps.index, name="sitemap"),
    path("sitemap-<slug:kind>-<int:number>.xml", sitemaps.section, name="sitemap_section"),
]
urlpatterns += i18n_patterns(
    # Before allauth's own (same path, its name stays allauth's): a malformed payload is a 400.
    path("accounts/telegram/login/callback/", telegram_views.callback),
    path("accounts/3rdparty/", telegram_views.connections),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("articles.urls")),
    path("", include("discussions.urls")),
    prefix_default_language=False,
)
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# An unreachable database is an outage, not a bug: 503 with Retry-After (config/views.py).
handler500 = "config.views.server_error"
