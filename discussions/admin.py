"""Editors' moderation desk: comments with reports, bulk hide/restore/delete, barring members.

Every action goes through the services, so counters stay right and a ModerationLog row records it.
Comments are never hard-deleted here: that would break the thread and the counters.
"""

import datetime

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .forms import BanForm
from .models import Comment, ModerationLog, Report
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


class ReportInline(admin.TabularInline):
    model = Report
    extra = 0
    can_delete = False
    fields = ["reporter", "reason", "details", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = [
        "id",
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

    @admin.action(description=_("Запретить авторам комментировать…"), permissions=["change"])
    def ban_authors(self, request, queryset):
        """An intermediate page asks for the reason and the term, then bars every author."""
        authors = {comment.author for comment in queryset.select_related("author")}
        form = BanForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            days = form.cleaned_data["days"]
            until = timezone.now() + datetime.timedelta(days=days) if days else None
            try:
                for author in authors:
                    services.ban_commenter(
                        member=author,
                        moderator=request.user,
                        reason=form.cleaned_data["reason"],
                        until=until,
                    )
            except (PermissionDenied, ValidationError) as error:
                self.message_user(request, " ".join(getattr(error, "messages", [str(error)])))
                return None
            self.message_user(
                request,
                ngettext(
                    "Запрещено комментировать %(count)s участнику.",
                    "Запрещено комментировать %(count)s участникам.",
                    len(authors),
                )
                % {"count": len(authors)},
                messages.SUCCESS,
            )
            return None
        return TemplateResponse(
            request,
            "discussions/admin/ban.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Запретить комментировать"),
                "form": form,
                "authors": sorted(authors, key=lambda user: user.username),
                "comments": queryset,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
            },
        )

    @admin.action(description=_("Снять с авторов запрет комментировать"), permissions=["change"])
    def unban_authors(self, request, queryset):
        authors = {comment.author for comment in queryset.select_related("author")}
        try:
            for author in authors:
                services.unban_commenter(member=author, moderator=request.user)
        except PermissionDenied as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        self.message_user(
            request,
            _("Запрет снят с участников: %(count)s.") % {"count": len(authors)},
            messages.SUCCESS,
        )


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["comment", "reporter", "reason", "details", "created_at"]
    list_filter = ["reason"]
    list_select_related = ["comment", "reporter"]
    readonly_fields = ["comment", "reporter", "reason", "details", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(ModerationLog)
class ModerationLogAdmin(admin.ModelAdmin):
    """The record of every moderation decision; nobody edits history."""

    list_display = ["created_at", "action", "moderator", "member", "comment", "article", "reason"]
    list_filter = ["action", ("moderator", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["moderator", "member", "comment", "article"]
    search_fields = ["reason", "member__username", "moderator__username"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
