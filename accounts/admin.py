"""Members in the admin: superusers manage accounts; moderators and editors only look and ban.

Whoever could change an account could make themselves superuser, set someone's password or email
and take the account over, so every change is the superusers' (accounts.permissions). The others
see the public side of a member and their commenting ban, and bar or let them comment through the
moderation actions (discussions.services), which check their own permission and keep the log.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from config.admin_wording import MASCULINE, WordedAdmin, Wording
from discussions.admin import ban_members, unban_members
from discussions.services import permissions as discussion_permissions

from .models import User
from .permissions import can_manage_users

# What only a superuser sees, filters or searches by: who holds power, and how to reach a member.
PRIVATE_FIELDS = set(
    (
        "password email first_name last_name is_staff is_superuser groups user_permissions "
        "last_login emailaddress"
    ).split()
)


class CommentingBanFilter(admin.SimpleListFilter):
    title = _("запрет комментировать")
    parameter_name = "banned"

    def lookups(self, request, model_admin):
        return [("yes", _("есть")), ("no", _("нет"))]

    def queryset(self, request, queryset):
        banned = Q(commenting_banned_until__gt=timezone.now()) | Q(
            commenting_banned_until=None, commenting_banned_reason__gt=""
        )
        if self.value() == "yes":
            return queryset.filter(banned)
        if self.value() == "no":
            return queryset.exclude(banned)
        return queryset


@admin.register(User)
class UserAdmin(WordedAdmin, BaseUserAdmin):
    wording = Wording(
        pgettext_lazy("accusative", "пользователя"),
        pgettext_lazy("genitive", "пользователя"),
        pgettext_lazy("genitive plural", "пользователей"),
        MASCULINE,
        accusative_plural=pgettext_lazy("accusative plural", "пользователей"),
    )
    list_display = [
        "username",
        "display_name",
        "email",
        "comments_count",
        "score",
        "commenting_ban",
        "is_staff",
        "is_active",
        "date_joined",
    ]
    list_filter = ["is_staff", "is_superuser", "is_active", CommentingBanFilter, "groups"]
    search_fields = ["username", "display_name", "email"]
    readonly_fields = ["comments_count", "score"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("Профиль"), {"fields": ["display_name", "bio", "avatar", "comments_count", "score"]}),
        (_("Письма"), {"fields": ["notify_replies", "notify_article_comments"]}),
        (
            _("Комментирование"),
            {"fields": ["commenting_banned_until", "commenting_banned_reason"]},
        ),
    ]
    # The moderators' and editors' view of a member: what the profile page shows, and the ban.
    public_fieldsets = [
        (None, {"fields": ["username", "display_name", "bio", "avatar", "date_joined"]}),
        (
            _("Комментирование"),
            {
                "fields": [
                    "comments_count",
                    "score",
                    "commenting_banned_until",
                    "commenting_banned_reason",
                ]
            },
        ),
    ]
    actions = ["ban", "unban"]

    def has_add_permission(self, request):
        return can_manage_users(request.user)

    def has_change_permission(self, request, obj=None):
        # Also guards the password form of every account (user_change_password asks this).
        return can_manage_users(request.user)

    def has_delete_permission(self, request, obj=None):
        return can_manage_users(request.user)

    def has_ban_permission(self, request):
        return discussion_permissions.can_ban(request.user)

    def get_fieldsets(self, request, obj=None):
        if obj is None or can_manage_users(request.user):
            return super().get_fieldsets(request, obj)
        return self.public_fieldsets

    def get_list_display(self, request):
        if can_manage_users(request.user):
            return self.list_display
        return [name for name in self.list_display if name not in PRIVATE_FIELDS]

    def get_list_filter(self, request):
        if can_manage_users(request.user):
            return self.list_filter
        return [item for item in self.list_filter if item not in PRIVATE_FIELDS]

    def get_search_fields(self, request):
        if can_manage_users(request.user):
            return self.search_fields
        return [name for name in self.search_fields if name not in PRIVATE_FIELDS]

    def lookup_allowed(self, lookup, value, request=None):
        # A hand-written ?email__startswith=a or ?is_superuser=1 would find them out as well.
        if lookup.split("__")[0] in PRIVATE_FIELDS and not (
            request and can_manage_users(request.user)
        ):
            return False
        return super().lookup_allowed(lookup, value, request)

    @admin.display(description=_("запрет комментировать"), boolean=True)
    def commenting_ban(self, user):
        return discussion_permissions.commenting_ban(user) is not None

    @admin.action(description=_("Запретить комментировать…"), permissions=["ban"])
    def ban(self, request, queryset):
        return ban_members(self, request, selected=queryset, members=list(queryset))

    @admin.action(description=_("Снять запрет комментировать"), permissions=["ban"])
    def unban(self, request, queryset):
        unban_members(self, request, members=list(queryset))
