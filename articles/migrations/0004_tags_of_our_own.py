"""The site's own tag model: every tag gets a non-empty Latin slug.

taggit's slug is empty for a name without Latin letters after transliteration ("🔥", "-->"), and
such a tag made every page showing its article fail. The tags move into articles_tag with their ids
(so the links keep pointing at them), and a slug that is empty or not a plain Latin slug gets a new
one. Groups that could manage taggit's tags may manage these.
"""

import re

import django.db.models.deletion
import taggit.managers
from django.contrib.auth.management import create_permissions
from django.core.management.color import no_style
from django.db import migrations, models
from django.utils.text import slugify
from unidecode import unidecode

PLAIN_SLUG = re.compile(r"[-a-zA-Z0-9_]+")


def _slug(name, taken):
    base = slugify(unidecode(name))[:90].strip("-") or "tag"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def copy_tags(apps, schema_editor):
    OldTag = apps.get_model("taggit", "Tag")
    Tag = apps.get_model("articles", "Tag")
    old = list(OldTag.objects.order_by("id"))
    taken = {tag.slug for tag in old if PLAIN_SLUG.fullmatch(tag.slug)}
    tags = []
    for tag in old:
        slug = tag.slug if PLAIN_SLUG.fullmatch(tag.slug) else _slug(tag.name, taken)
        taken.add(slug)
        tags.append(Tag(id=tag.id, name=tag.name, slug=slug))
    Tag.objects.bulk_create(tags)
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [Tag]):
            cursor.execute(statement)
    _copy_permissions(apps, ("taggit", "articles"))


def copy_tags_back(apps, schema_editor):
    OldTag = apps.get_model("taggit", "Tag")
    Tag = apps.get_model("articles", "Tag")
    for tag in Tag.objects.all():
        OldTag.objects.update_or_create(id=tag.id, defaults={"name": tag.name, "slug": tag.slug})


def drop_old_tags(apps, schema_editor):
    apps.get_model("taggit", "Tag").objects.all().delete()


def _copy_permissions(apps, labels):
    """Whoever had add/change/delete/view on the old tags gets the same on the new ones."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    User = apps.get_model("accounts", "User")
    old_label, new_label = labels
    for old in Permission.objects.filter(content_type__app_label=old_label, content_type__model="tag"):
        new = Permission.objects.get(
            content_type__app_label=new_label, content_type__model="tag", codename=old.codename
        )
        for group in Group.objects.filter(permissions=old):
            group.permissions.add(new)
        for user in User.objects.filter(user_permissions=old):
            user.user_permissions.add(new)


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0003_faster_feed_rebuild"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        ("accounts", "0002_member_counters_and_preferences"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="Tag",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=100, unique=True, verbose_name="название")),
                ("slug", models.SlugField(blank=True, help_text="Пусто: адрес составится из названия.", max_length=100, unique=True, verbose_name="адрес")),
            ],
            options={
                "verbose_name": "тег",
                "verbose_name_plural": "теги",
                "ordering": ["name"],
                "constraints": [models.CheckConstraint(condition=models.Q(("slug", ""), _negated=True), name="articles_tag_slug_not_empty")],
            },
        ),
        migrations.RunPython(copy_tags, copy_tags_back),
        migrations.AlterField(
            model_name="article",
            name="tags",
            field=taggit.managers.TaggableManager(blank=True, help_text="A comma-separated list of tags.", through="articles.TaggedArticle", to="articles.Tag", verbose_name="теги"),
        ),
        migrations.AlterField(
            model_name="taggedarticle",
            name="tag",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="%(app_label)s_%(class)s_items", to="articles.tag"),
        ),
        migrations.RunPython(drop_old_tags, migrations.RunPython.noop),
    ]
