from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = [
        "username", "display_name", "email", "comments_count", "score", "is_staff", "is_active",
        "date_joined",
    ]  # fmt: skip
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
