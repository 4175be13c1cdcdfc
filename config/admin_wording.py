"""The admin's titles and messages in grammatical Russian.

Django builds them from a model's `verbose_name` in the nominative ("Добавить статья",
"Выберите рубрика для изменения", "статья «…» был успешно изменен"). Each ModelAdmin of the site
mixes in `WordedAdmin` and says how its noun declines (`Wording`): the pages' titles, the
"Добавить" button, the breadcrumbs, the delete confirmations and the success messages are then
whole sentences of our own catalogue. `tests/test_admin_wording.py` walks every admin page.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.utils import quote
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext as _

MASCULINE, FEMININE, NEUTER = "m", "f", "n"
PENDING = "_admin_wording"  # the request attribute: which sentence the next success message is


@dataclass(frozen=True)
class Wording:
    """How a model's noun declines: "статью" (добавить что?), "статьи" (удаление чего?),
    "статей" (удалено сколько?)."""

    accusative: str | Promise
    genitive: str | Promise
    genitive_plural: str | Promise
    gender: str
    accusative_plural: str | Promise | None = None  # only when it differs from the nominative


def _added(gender: str) -> str:
    return {
        MASCULINE: _("{name} «{obj}» добавлен."),
        FEMININE: _("{name} «{obj}» добавлена."),
        NEUTER: _("{name} «{obj}» добавлено."),
    }[gender]


def _changed(gender: str) -> str:
    return {
        MASCULINE: _("{name} «{obj}» изменён."),
        FEMININE: _("{name} «{obj}» изменена."),
        NEUTER: _("{name} «{obj}» изменено."),
    }[gender]


def _deleted(gender: str) -> str:
    return {
        MASCULINE: _("{name} «{obj}» удалён."),
        FEMININE: _("{name} «{obj}» удалена."),
        NEUTER: _("{name} «{obj}» удалено."),
    }[gender]


SENTENCES = {"added": _added, "changed": _changed, "deleted": _deleted}


def _worded_delete_selected(modeladmin, request: HttpRequest, queryset):
    """Django's "delete selected" action, with our confirmation's object name and message."""
    count = len(queryset)  # Django's own len() then reuses the fetched rows
    if request.POST.get("post"):
        setattr(request, PENDING, ("deleted_many", count))
    response = delete_selected(modeladmin, request, queryset)
    if isinstance(response, TemplateResponse):
        response.context_data["objects_name"] = modeladmin.objects_name(count)
    return response


class WordedAdmin:
    """Mixed into a ModelAdmin (before admin.ModelAdmin) with its `wording`."""

    wording: Wording

    def _name(self) -> str:
        return capfirst(str(self.opts.verbose_name))

    def title_for(self, kind: str) -> str:
        """The title of the add, change or view page: "Добавить статью"."""
        name = str(self.wording.accusative)
        titles = {
            "add": _("Добавить %(name)s"),
            "change": _("Изменить %(name)s"),
            "view": _("Просмотреть %(name)s"),
        }
        return titles[kind] % {"name": name}

    def objects_name(self, count: int) -> str:
        """What "удалить …" takes for `count` selected objects."""
        if count == 1:
            return str(self.wording.accusative)
        return str(self.wording.accusative_plural or self.opts.verbose_name_plural)

    def changelist_view(self, request, extra_context=None):
        if request.method == "POST" and "_save" in request.POST:  # list_editable
            setattr(request, PENDING, ("changed_many", 0))
        context = {
            "title": capfirst(str(self.opts.verbose_name_plural)),
            "add_label": self.title_for("add"),
            **(extra_context or {}),
        }
        return super().changelist_view(request, context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if object_id is None:
            kind = "add"
        elif self.has_change_permission(request):
            kind = "change"
        else:
            kind = "view"
        context = {"title": self.title_for(kind), "add_label": self.title_for("add")}
        return super().changeform_view(
            request, object_id, form_url, {**context, **(extra_context or {})}
        )

    def delete_view(self, request, object_id, extra_context=None):
        context = {"object_name": str(self.wording.accusative), **(extra_context or {})}
        response = super().delete_view(request, object_id, context)
        data = getattr(response, "context_data", None)
        if data and (data.get("perms_lacking") or data.get("protected")):
            # "Удаление статьи «…» приведёт к удалению связанных объектов…"
            data["object_name"] = str(self.wording.genitive)
            data["title"] = _("Нельзя удалить %(name)s") % {"name": self.wording.accusative}
        return response

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            _func, name, description = actions["delete_selected"]
            actions["delete_selected"] = (_worded_delete_selected, name, description)
        return actions

    def response_add(self, request, obj, post_url_continue=None):
        setattr(request, PENDING, ("added", obj))
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        setattr(request, PENDING, ("changed", obj))
        return super().response_change(request, obj)

    def response_delete(self, request, obj_display, obj_id):
        setattr(request, PENDING, ("deleted", obj_display))
        return super().response_delete(request, obj_display, obj_id)

    def log_change(self, request, obj, message):
        pending = getattr(request, PENDING, None)
        if pending and pending[0] == "changed_many":
            setattr(request, PENDING, ("changed_many", pending[1] + 1))
        return super().log_change(request, obj, message)

    def message_user(
        self, request, message, level=messages.INFO, extra_tags="", fail_silently=False
    ):
        pending = request.__dict__.pop(PENDING, None)
        if pending is not None and level == messages.SUCCESS:
            message = self._sentence(request, *pending)
        super().message_user(request, message, level, extra_tags, fail_silently)

    def _sentence(self, request, kind: str, subject) -> str:
        if kind == "deleted_many":
            return _("Удалено %(items)s: %(count)s.") % {
                "items": self.wording.genitive_plural,
                "count": subject,
            }
        if kind == "changed_many":
            return _("Изменено %(items)s: %(count)s.") % {
                "items": self.wording.genitive_plural,
                "count": subject,
            }
        sentence = SENTENCES[kind](self.wording.gender)
        return format_html(sentence, name=self._name(), obj=self._object_link(request, subject))

    def _object_link(self, request, obj):
        if isinstance(obj, str) or not self.has_view_or_change_permission(request, obj):
            return str(obj)
        try:
            url = reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                args=[quote(obj.pk)],
                current_app=self.admin_site.name,
            )
        except NoReverseMatch:
            return str(obj)
        return format_html('<a href="{}">{}</a>', url, obj)
