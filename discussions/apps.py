from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiscussionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "discussions"
    verbose_name = _("Обсуждения")

    def ready(self) -> None:
        from articles.ranking import register_discussion_figures

        from .ranking import discussion_figures

        register_discussion_figures(discussion_figures)
