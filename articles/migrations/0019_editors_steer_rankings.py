"""Editors ("Редакторы") steer the rankings: they make decisions, end them early, read the
decisions and their audit log; moderators do none of it."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITORS = "Редакторы"
STEERING = ["add_steering", "view_steering", "end_steering", "view_steeringlog"]


def grant_steering(apps, schema_editor):
    # On a fresh database the permissions are made after all migrations (post_migrate).
    create_permissions(
        global_apps.get_app_config("articles"),
        apps=apps,
        using=schema_editor.connection.alias,
        verbosity=0,
    )
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = list(
        Permission.objects.filter(content_type__app_label="articles", codename__in=STEERING)
    )
    if len(permissions) != len(STEERING):
        raise RuntimeError(f"Permissions missing for the group {EDITORS}: {STEERING}")
    group, _ = Group.objects.get_or_create(name=EDITORS)
    group.permissions.add(*permissions)


def revoke_steering(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name=EDITORS):
        group.permissions.remove(
            *group.permissions.filter(content_type__app_label="articles", codename__in=STEERING)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0018_steering"),
        ("discussions", "0003_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant_steering, revoke_steering)]
