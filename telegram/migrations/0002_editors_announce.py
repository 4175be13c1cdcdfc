"""Editors ("Редакторы") see every article's announcement and switch it on or off; nobody
deletes one (a deleted row would be announced again)."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITORS = "Редакторы"
ANNOUNCEMENTS = [f"{action}_announcement" for action in ("add", "change", "view")]


def grant(apps, schema_editor):
    # On a fresh database the permissions are made after all migrations (post_migrate).
    create_permissions(
        global_apps.get_app_config("telegram"),
        apps=apps,
        using=schema_editor.connection.alias,
        verbosity=0,
    )
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = list(
        Permission.objects.filter(content_type__app_label="telegram", codename__in=ANNOUNCEMENTS)
    )
    if len(permissions) != len(ANNOUNCEMENTS):
        raise RuntimeError(f"Permissions missing for the group {EDITORS}: {ANNOUNCEMENTS}")
    group, _ = Group.objects.get_or_create(name=EDITORS)
    group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name=EDITORS):
        group.permissions.remove(
            *group.permissions.filter(
                content_type__app_label="telegram", codename__in=ANNOUNCEMENTS
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("telegram", "0001_announcements"),
        ("discussions", "0003_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
