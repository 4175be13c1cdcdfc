"""The analytics pages of the admin: the site's numbers and each article's, for editors.

ArticleAdmin takes them in through ArticleAnalytics (its URLs, the list's column and the change
page's link); the numbers come from articles/analytics.py.
"""

from functools import partial

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.forms.utils import flatatt
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from . import analytics
from .models import ANALYTICS_PERIODS, Article, Rubric

ORDERS = [
    ("views", gettext_lazy("по просмотрам")),
    ("engaged_reads", gettext_lazy("по дочитываниям")),
    ("comments", gettext_lazy("по комментариям")),
    ("votes", gettext_lazy("по голосам")),
]
ARTICLE_DAYS = (30, 90)


def _day_choices(days: tuple[int, ...]) -> list[tuple[int, str]]:
    return [(n, analytics.period_label(n)) for n in days]


class ManyOptionsSelect(forms.Select):
    """A select of many options (the authors), written in Python: Django's renders a template
    for each option, and 200 authors took 14 ms, a quarter of the page."""

    def render(self, name, value, attrs=None, renderer=None) -> str:
        selected = set(self.format_value(value))
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (key, mark_safe(" selected") if str(key) in selected else "", label)
                for key, label in self.choices
            ),
        )
        attrs = flatatt(self.build_attrs(self.attrs, attrs))
        return format_html('<select name="{}"{}>{}</select>', name, attrs, options)


class SiteAnalyticsForm(forms.Form):
    """The filters of the site's page; all optional, the defaults are a week by views."""

    days = forms.TypedChoiceField(
        label=gettext_lazy("Период"), coerce=int, required=False, empty_value=7
    )
    order = forms.ChoiceField(label=gettext_lazy("Порядок"), choices=ORDERS, required=False)
    rubric = forms.ModelChoiceField(
        label=gettext_lazy("Рубрика"),
        queryset=Rubric.objects.order_by("order", "name"),
        required=False,
        empty_label=gettext_lazy("все рубрики"),
    )
    # whoever wrote an article: the authors, not every member
    author = forms.TypedChoiceField(
        label=gettext_lazy("Автор"),
        coerce=int,
        required=False,
        empty_value=None,
        widget=ManyOptionsSelect,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["days"].choices = _day_choices(ANALYTICS_PERIODS)
        self.fields["author"].choices = [("", _("все авторы")), *analytics.author_choices()]


class ArticleAnalyticsForm(forms.Form):
    days = forms.TypedChoiceField(
        label=gettext_lazy("Период"), coerce=int, required=False, empty_value=ARTICLE_DAYS[0]
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["days"].choices = _day_choices(ARTICLE_DAYS)


def _allowed(request: HttpRequest) -> None:
    if not analytics.can_view_analytics(request.user):
        raise PermissionDenied


@require_safe
def site_analytics(request: HttpRequest, model_admin: admin.ModelAdmin) -> HttpResponse:
    """Totals of the last 1, 7 and 30 complete days against the period before, and the top
    articles of one period; bad filters are a 400 with the form's messages."""
    _allowed(request)
    form = SiteAnalyticsForm({"days": "7", "order": "views", **request.GET.dict()})
    report, status = None, 400
    if form.is_valid():
        data = form.cleaned_data
        report = analytics.site_report(
            days=data["days"],
            order=data["order"] or "views",
            rubric_id=data["rubric"].pk if data["rubric"] else None,
            author_id=data["author"],
        )
        status = 200
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Аналитика"),
        "opts": model_admin.model._meta,
        "form": form,
        "report": report,
    }
    return render(request, "admin/articles/analytics.html", context, status=status)


@require_safe
def article_analytics(request: HttpRequest, model_admin: admin.ModelAdmin, pk: int) -> HttpResponse:
    """One article's views, engaged reads, comments and votes per day over 30 or 90 days, and
    where its readers came from."""
    _allowed(request)
    article = get_object_or_404(Article.objects.select_related("rubric", "author"), pk=pk)
    form = ArticleAnalyticsForm({"days": str(ARTICLE_DAYS[0]), **request.GET.dict()})
    valid = form.is_valid()
    days = form.cleaned_data["days"] if valid else ARTICLE_DAYS[0]
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Статистика статьи «%(title)s»") % {"title": article.title},
        "opts": model_admin.model._meta,
        "article": article,
        "form": form,
        "report": analytics.article_report(article, days=days) if valid else None,
    }
    return render(
        request, "admin/articles/article_analytics.html", context, status=200 if valid else 400
    )


class ArticleAnalytics:
    """For ArticleAdmin: the analytics pages, a column of the list and a field of the change page
    that lead to an article's numbers."""

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "analytics/",
                wrap(partial(site_analytics, model_admin=self)),
                name="articles_article_analytics",
            ),
            path(
                "<int:pk>/analytics/",
                wrap(partial(article_analytics, model_admin=self)),
                name="articles_article_stats",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=gettext_lazy("статистика"))
    def analytics_link(self, obj: Article) -> str:
        if not obj.pk:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:articles_article_stats", args=[obj.pk]),
            _("графики"),
        )
