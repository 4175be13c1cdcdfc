# Covers are pictures of the media library (images.Image), checked and resized like any other:
# each cover uploaded before becomes a library picture with its renditions. A cover file that is
# missing or does not decode is left out (and said so); the old files under covers/ stay where
# they are, untouched.

import secrets

import django.db.models.deletion
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import migrations, models
from django.utils import timezone

from config.uploads import DECODING_ERRORS
from images import processing


def _write(name, encoded):
    return default_storage.save(name, ContentFile(encoded.data))


def covers_into_library(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    Image = apps.get_model("images", "Image")
    Rendition = apps.get_model("images", "Rendition")
    for article in Article.objects.exclude(old_cover="").exclude(old_cover__isnull=True):
        name = article.old_cover.name
        try:
            with default_storage.open(name) as upload:
                prepared = processing.prepare(upload)
        except DECODING_ERRORS as error:
            print(f"\n  article {article.pk}: cover {name} left out ({error})")
            continue
        stem = timezone.now().strftime("images/%Y/%m/") + secrets.token_hex(8)
        image = Image.objects.create(
            file=_write(f"{stem}.{prepared.master.extension}", prepared.master),
            alt=(article.cover_alt or article.title)[:300],
            width=prepared.master.width,
            height=prepared.master.height,
            original_name=name.rsplit("/", 1)[-1][:200],
            uploaded_by_id=article.author_id,
        )
        Rendition.objects.bulk_create(
            Rendition(
                image=image,
                file=_write(f"{stem}-{encoded.width}.{encoded.extension}", encoded),
                width=encoded.width,
                height=encoded.height,
            )
            for encoded in prepared.renditions
        )
        Article.objects.filter(pk=article.pk).update(cover=image)


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0008_engaged_reads_and_referrers"),
        ("images", "0001_library"),
    ]

    operations = [
        migrations.RenameField(model_name="article", old_name="cover", new_name="old_cover"),
        migrations.AddField(
            model_name="article",
            name="cover",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="cover_of",
                to="images.image",
                verbose_name="обложка",
            ),
        ),
        migrations.RunPython(covers_into_library, migrations.RunPython.noop),
    ]
