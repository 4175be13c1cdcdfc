"""The roles as groups, with the permissions they need and no more (accounts/permissions.py).

Running it again (or on a database where load_demo once made "Редакторы" with the right to change
users) resets both groups to exactly these permissions.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITORS = "Редакторы"
MODERATORS = "Модераторы"

# Moderating comments: hide, restore, delete (change_comment), bar members from commenting, read
# reports and the moderation log, and read the member list the ban action starts from.
MODERATION = [
    ("discussions", "view_comment"),
    ("discussions", "change_comment"),
    ("discussions", "ban_commenter"),
    ("discussions", "view_report"),
    ("discussions", "view_moderationlog"),
    ("accounts", "view_user"),  # also the article form's author autocomplete
]
EDITING = [
    (app, f"{action}_{model}")
    for app, model in [
        ("articles", "article"),
        ("articles", "rubric"),
        ("articles", "series"),
        ("articles", "chatblock"),
        ("articles", "tag"),
    ]
    for action in ("add", "change", "delete", "view")
]
ROLES = {EDITORS: EDITING + MODERATION, MODERATORS: MODERATION}
APPS = ["accounts", "articles", "discussions"]


def create_roles(apps, schema_editor):
    # On a fresh database the permissions are made after all migrations (post_migrate): make
    # them now for the apps the roles draw on.
    for label in APPS:
        create_permissions(
            global_apps.get_app_config(label),
            apps=apps,
            using=schema_editor.connection.alias,
            verbosity=0,
        )
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, wanted in ROLES.items():
        found = {
            (permission.content_type.app_label, permission.codename): permission
            for permission in Permission.objects.filter(
                codename__in=[codename for _, codename in wanted]
            ).select_related("content_type")
        }
        missing = sorted(set(wanted) - set(found))
        if missing:
            raise RuntimeError(f"Permissions missing for the group {name}: {missing}")
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set([found[key] for key in wanted])


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("discussions", "0002_ban_permission"),
        ("articles", "0004_tags_of_our_own"),
        ("accounts", "0002_member_counters_and_preferences"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
