"""The moderation desk: comments with reports, bulk hide/restore/delete, barring members.

Every action goes through the services, so counters stay right and a ModerationLog row records it.
Comments are never hard-deleted here: that would break the thread and the counters.
"""

import datetime

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from articles.admin import DateHierarchyAdmin
from articles.caching import bump_content_generation
from config.admin_records import RecordsOnlyAdmin
from config.admin_wording import FEMININE, MASCULINE, WordedAdmin, Wording

from . import services
from .admin_queue import queue_view
from .forms import BanForm
from .models import Comment, ModerationLog, Report
from .services import permissions
from .versions import bump_thread_version


class HasReportsFilter(admin.SimpleListFilter):
    title = _("жалобы")
    parameter_name = "reports"

    def lookups(self, request, model_admin):
        return [("yes", _("есть жалобы")), ("no", _("без жалоб"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(reports_count__gt=0)
        if self.value() == "no":
            return queryset.filter(reports_count=0)
        return queryset


class OpenReportFilter(admin.SimpleListFilter):
    title = _("состояние")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", _("ждут решения")), ("closed", _("закрыты"))]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(closed_at__isnull=True)
        if self.value() == "closed":
            return queryset.filter(closed_at__isnull=False)
        return queryset


class ReportInline(admin.TabularInline):
    model = Report
    extra = 0
    can_delete = False
    fields = ["reporter", "reason", "details", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Comment)
class CommentAdmin(DateHierarchyAdmin):
    wording = Wording(
        pgettext_lazy("accusative", "комментарий"),
        pgettext_lazy("genitive", "комментария"),
        pgettext_lazy("genitive plural", "комментариев"),
        MASCULINE,
    )
    list_display = [
        "number",
        "short_body",
        "author_link",
        "article_link",
        "status",
        "reports_count",
        "score",
        "created_at",
    ]
    list_filter = [
        "status",
        HasReportsFilter,
        ("article", admin.RelatedOnlyFieldListFilter),
        ("author", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["body", "author__username", "author__display_name", "article__title"]
    list_select_related = ["author", "article"]
    date_hierarchy = "created_at"
    ordering = ["-reports_count", "-created_at"]
    fields = [
        "article",
        "author",
        "parent",
        "status",
        "body",
        "body_html",
        "score",
        "upvotes",
        "downvotes",
        "reports_count",
        "created_at",
        "edited_at",
    ]
    readonly_fields = [f for f in fields if f != "body"]
    inlines = [ReportInline]
    actions = ["hide", "restore", "soft_delete", "ban_authors", "unban_authors"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # Only the text is editable here; writing every column would undo concurrent votes.
        obj.save(update_fields=["body", "body_html"])
        bump_thread_version(obj.article_id)
        bump_content_generation()  # an editor's cut shows on every cached page at once

    @admin.display(description=_("№"), ordering="id")
    def number(self, comment):
        return comment.pk

    @admin.display(description=_("текст"))
    def short_body(self, comment):
        return Truncator(comment.body).chars(80)

    @admin.display(description=_("автор"), ordering="author__username")
    def author_link(self, comment):
        url = (
            reverse("admin:discussions_comment_changelist")
            + f"?author__id__exact={comment.author_id}"
        )
        return format_html('<a href="{}">{}</a>', url, comment.author.public_name)

    @admin.display(description=_("статья"), ordering="article__title")
    def article_link(self, comment):
        url = f"{comment.article.get_absolute_url()}#{comment.anchor}"
        return format_html('<a href="{}">{}</a>', url, Truncator(comment.article.title).chars(50))

    def _apply(self, request, queryset, service, done_message):
        changed = 0
        try:
            for comment in queryset.select_related("article", "author"):
                changed += service(comment=comment, moderator=request.user)
        except PermissionDenied as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        self.message_user(request, done_message % {"count": changed}, messages.SUCCESS)

    @admin.action(description=_("Скрыть выбранные комментарии"), permissions=["change"])
    def hide(self, request, queryset):
        self._apply(request, queryset, services.hide_comment, _("Скрыто комментариев: %(count)s."))

    @admin.action(description=_("Вернуть скрытые комментарии"), permissions=["change"])
    def restore(self, request, queryset):
        self._apply(
            request, queryset, services.restore_comment, _("Возвращено комментариев: %(count)s.")
        )

    @admin.action(description=_("Удалить выбранные комментарии"), permissions=["change"])
    def soft_delete(self, request, queryset):
        def delete(*, comment, moderator):
            return services.delete_comment(comment=comment, user=moderator)

        self._apply(request, queryset, delete, _("Удалено комментариев: %(count)s."))

    def has_ban_permission(self, request):
        return permissions.can_ban(request.user)

    @admin.action(description=_("Запретить авторам комментировать…"), permissions=["ban"])
    def ban_authors(self, request, queryset):
        authors = list({comment.author for comment in queryset.select_related("author")})
        return ban_members(self, request, selected=queryset, members=authors)

    @admin.action(description=_("Снять с авторов запрет комментировать"), permissions=["ban"])
    def unban_authors(self, request, queryset):
        authors = list({comment.author for comment in queryset.select_related("author")})
        unban_members(self, request, members=authors)


@admin.register(Report)
class ReportAdmin(RecordsOnlyAdmin, WordedAdmin, admin.ModelAdmin):
    """Members' reports, to read; moderators decide in the queue (admin_queue.py), and
    deleting a report would leave the comment's count of reports wrong."""

    wording = Wording(
        pgettext_lazy("accusative", "жалобу"),
        pgettext_lazy("genitive", "жалобы"),
        pgettext_lazy("genitive plural", "жалоб"),
        FEMININE,
    )
    list_display = [
        "comment",
        "reporter",
        "reason",
        "details",
        "created_at",
        "resolution_label",
        "closed_by",
        "closed_at",
    ]
    list_filter = [OpenReportFilter, "reason", "resolution"]
    list_select_related = ["comment", "reporter", "closed_by"]
    readonly_fields = [
        "comment",
        "reporter",
        "reason",
        "details",
        "created_at",
        "resolution",
        "closed_by",
        "closed_at",
    ]

    def get_urls(self):
        queue = self.admin_site.admin_view(lambda request: queue_view(request, self))
        return [
            path("queue/", queue, name="discussions_report_queue"),
            *super().get_urls(),
        ]

    @admin.display(description=_("решение"), ordering="resolution")
    def resolution_label(self, report):
        return report.get_resolution_display() or _("ждёт решения")


@admin.register(ModerationLog)
class ModerationLogAdmin(RecordsOnlyAdmin, DateHierarchyAdmin):
    """The record of every moderation decision; nobody edits history."""

    wording = Wording(
        pgettext_lazy("accusative", "запись модерации"),
        pgettext_lazy("genitive", "записи модерации"),
        pgettext_lazy("genitive plural", "записей модерации"),
        FEMININE,
    )
    list_display = ["created_at", "action", "moderator", "member", "comment", "article", "reason"]
    list_filter = ["action", ("moderator", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["moderator", "member", "comment", "article"]
    search_fields = ["reason", "member__username", "moderator__username"]
    date_hierarchy = "created_at"


def ban_members(model_admin, request, *, selected, members):
    """An admin action's intermediate page: asks for the reason and the term, then bars every
    member the moderator may bar (discussions.services.permissions.can_ban) and names the others."""
    form = BanForm(request.POST if "apply" in request.POST else None)
    if not (form.is_bound and form.is_valid()):
        return TemplateResponse(
            request,
            "discussions/admin/ban.html",
            {
                **model_admin.admin_site.each_context(request),
                "title": _("Запретить комментировать"),
                "form": form,
                "members": sorted(members, key=lambda user: user.username),
                "selected": selected,
                "action": request.POST.get("action", ""),
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "opts": model_admin.model._meta,
            },
        )
    days = form.cleaned_data["days"]
    until = timezone.now() + datetime.timedelta(days=days) if days else None

    def ban(member):
        services.ban_commenter(
            member=member, moderator=request.user, reason=form.cleaned_data["reason"], until=until
        )

    done = _for_each_member(model_admin, request, members, ban)
    if done:
        model_admin.message_user(
            request,
            ngettext(
                "Запрещено комментировать %(count)s участнику.",
                "Запрещено комментировать %(count)s участникам.",
                done,
            )
            % {"count": done},
            messages.SUCCESS,
        )
    return None


def unban_members(model_admin, request, *, members) -> None:
    """Let the members comment again, those the moderator may unban; names the others."""

    def unban(member):
        services.unban_commenter(member=member, moderator=request.user)

    done = _for_each_member(model_admin, request, members, unban)
    if done:
        model_admin.message_user(
            request,
            _("Запрет снят с участников: %(count)s.") % {"count": done},
            messages.SUCCESS,
        )


def _for_each_member(model_admin, request, members, change) -> int:
    """Apply a ban change to each member; the refused ones are named in one error message."""
    done, refused = 0, {}
    for member in members:
        try:
            change(member)
        except (PermissionDenied, ValidationError) as error:
            reason = " ".join(getattr(error, "messages", [str(error)]))
            refused.setdefault(reason, []).append(member.username)
        else:
            done += 1
    for reason, usernames in refused.items():
        model_admin.message_user(
            request,
            _("%(reason)s Без изменений: %(usernames)s.")
            % {"reason": reason, "usernames": ", ".join(sorted(usernames))},
            messages.ERROR,
        )
    return done
