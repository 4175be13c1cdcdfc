from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "articles"
    verbose_name = _("Статьи")

    def ready(self):
        from . import revisions  # noqa: F401  (registers Article with django-reversion)
