"""The editors' say in the rankings, in the admin: their decisions (pin, boost, bury; added on
a form of our own so the service decides, ended early by an action), the audit log, read-only,
and "Почему в тренде", every current entry's score broken into its terms."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminSplitDateTime, AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from config.admin_records import RecordsOnlyAdmin
from config.admin_wording import FEMININE, NEUTER, WordedAdmin, Wording

from . import steering
from .models import Article, Period, Ranking, RankingEntry, Steering, SteeringLog

# How many places of each ranking "Почему в тренде" explains: the sidebar shows five.
EXPLAINED_PLACES = 20


class ArticleAutocomplete(AutocompleteSelect):
    """The admin's article search; a value that is no article id is shown as nothing chosen
    (the widget would look it up as an id and fail), and the field says it is wrong."""

    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, [v for v in value if str(v).isdigit()], attr)


class SteeringForm(forms.Form):
    """An editor's decision; the service checks it against the others (steering.steer)."""

    ranking = forms.ChoiceField(label=_("Рейтинг"), choices=Ranking.choices)
    period = forms.ChoiceField(label=_("Период"), choices=Period.choices, initial=Period.WEEK)
    kind = forms.ChoiceField(label=_("Что сделать"), choices=Steering.Kind.choices)
    position = forms.IntegerField(
        label=_("Место"),
        min_value=1,
        max_value=1000,
        required=False,
        help_text=_("Для закрепления: 1 — первое место."),
    )
    factor = forms.FloatField(
        label=_("Множитель"),
        min_value=0.01,
        max_value=100,
        required=False,
        help_text=_("Для подъёма: 2 — вдвое выше обычного; меньше 1 — ниже."),
    )
    until = forms.SplitDateTimeField(label=_("Действует до"), widget=AdminSplitDateTime)
    reason = forms.CharField(
        label=_("Причина"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["article"] = forms.ModelChoiceField(
            label=_("Статья"),
            queryset=Article.objects.published(),
            widget=ArticleAutocomplete(Steering._meta.get_field("article"), admin_site),
        )
        self.order_fields(["ranking", "period", "article"])


class EndForm(forms.Form):
    """The reason an editor ends decisions early (the intermediate page of the action)."""

    reason = forms.CharField(label=_("Причина"), max_length=1000)


@admin.register(Steering)
class SteeringAdmin(WordedAdmin, admin.ModelAdmin):
    wording = Wording(
        accusative=_("решение редактора о рейтинге"),
        genitive=_("решения редактора о рейтинге"),
        genitive_plural=_("решений редакторов о рейтингах"),
        gender=NEUTER,
    )
    list_display = ["article", "ranking", "period", "kind", "position", "factor", "until"]
    list_display += ["created_by", "state"]
    list_filter = ["ranking", "period", "kind", ("ended_at", admin.EmptyFieldListFilter)]
    list_select_related = ["article", "created_by"]
    autocomplete_fields = ["article"]
    actions = ["end_steerings"]
    readonly_fields = [field.name for field in Steering._meta.fields]

    def has_change_permission(self, request, obj=None):
        return False  # a decision is ended and made again, never edited: the log stays true

    def has_delete_permission(self, request, obj=None):
        return False

    def has_end_permission(self, request) -> bool:
        return steering.can_end(request.user)

    @admin.display(description=_("состояние"))
    def state(self, obj: Steering) -> str:
        if obj.ended_at and obj.ended_by_id:
            return _("снято досрочно")
        if obj.ended_at or obj.until <= timezone.now():
            return _("истекло")
        return _("действует")

    def get_urls(self):
        explain = self.admin_site.admin_view(self.explain_view)
        return [path("explain/", explain, name="articles_steering_explain"), *super().get_urls()]

    def add_view(self, request: HttpRequest, form_url="", extra_context=None) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        data = request.POST if request.method == "POST" else None
        initial = {
            name: request.GET[name]
            for name in ("ranking", "period", "article", "kind")
            if name in request.GET
        }
        form = SteeringForm(data, initial=initial, admin_site=self.admin_site)
        if form.is_valid():
            try:
                steering.steer(editor=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.message_user(request, _("Решение принято; рейтинги уже пересчитаны."))
                return redirect("admin:articles_steering_explain")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Решение о рейтинге"),
            "form": form,
            "media": self.media + form.media,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/articles/steering/add.html", context)

    def explain_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        period = request.GET.get("period", Period.WEEK)
        if period not in Period.values:
            period = Period.WEEK
        rankings = [
            (Ranking(ranking), RankingEntry.objects.of(ranking, period).explained(EXPLAINED_PLACES))
            for ranking in Ranking.values
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Почему в тренде"),
            "period": Period(period),
            "periods": Period.choices,
            "rankings": rankings,
            "decisions": Steering.objects.active().filter(period=period).for_list(),
            "can_steer": self.has_add_permission(request),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/articles/steering/explain.html", context)

    @admin.action(description=_("Снять досрочно"), permissions=["end"])
    def end_steerings(self, request: HttpRequest, queryset) -> HttpResponse | None:
        form = EndForm(request.POST if "apply" in request.POST else None)
        if not (form.is_bound and form.is_valid()):
            context = {
                **self.admin_site.each_context(request),
                "title": _("Снять решения досрочно"),
                "form": form,
                "selected": list(queryset),
                "action": request.POST.get("action", ""),
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
            }
            return TemplateResponse(request, "admin/articles/steering/end.html", context)
        reason = form.cleaned_data["reason"]
        done = sum(
            steering.end_steering(editor=request.user, steering=item, reason=reason)
            for item in queryset.select_related("article")
        )
        message = ngettext("Снято %(count)s решение.", "Снято %(count)s решения.", done)
        self.message_user(request, message % {"count": done}, messages.SUCCESS)
        return None

    def changelist_view(self, request, extra_context=None):
        extra = {"explain_url": reverse("admin:articles_steering_explain"), **(extra_context or {})}
        return super().changelist_view(request, extra)


@admin.register(SteeringLog)
class SteeringLogAdmin(RecordsOnlyAdmin, WordedAdmin, admin.ModelAdmin):
    wording = Wording(
        accusative=_("запись журнала решений о рейтингах"),
        genitive=_("записи журнала решений о рейтингах"),
        genitive_plural=_("записей журнала решений о рейтингах"),
        gender=FEMININE,
    )
    list_display = ["at", "editor", "action", "what", "reason"]
    list_filter = ["action"]
    list_select_related = ["editor"]
    search_fields = ["what", "reason"]
    readonly_fields = ["at", "editor", "action", "steering", "what", "reason"]
