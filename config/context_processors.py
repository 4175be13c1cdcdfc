from django.conf import settings

from articles.caching import content_generation


def site(request):
    """Values every template may use. The content generation goes into the keys of fragments
    that list articles, so a takedown leaves them at once; it is read only if a fragment asks."""
    return {
        "SITE_URL": settings.SITE_URL,
        "TELEGRAM_LOGIN": settings.TELEGRAM_LOGIN,
        "content_generation": lambda: content_generation(request),
    }
