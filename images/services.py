"""Writes of the media library: a picture stored with its renditions, pictures deleted."""

import secrets
from collections.abc import Iterable

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from .models import Image, Rendition
from .processing import Encoded, Prepared


def store_image(
    *,
    image: Image,
    prepared: Prepared,
    uploaded_by: AbstractBaseUser | None,
    original_name: str = "",
) -> Image:
    """Store a prepared upload (images.forms.LibraryPictureField) as `image`, with its alt text
    already set: the kept picture and every rendition under MEDIA_ROOT/images/<year>/<month>/,
    then the rows. Files written for rows that did not make it are deleted again."""
    stem = timezone.now().strftime("images/%Y/%m/") + secrets.token_hex(8)
    written = []
    try:
        image.file.name = _write(f"{stem}.{prepared.master.extension}", prepared.master, written)
        image.width, image.height = prepared.master.width, prepared.master.height
        image.original_name = original_name[: Image._meta.get_field("original_name").max_length]
        image.uploaded_by = uploaded_by
        renditions = [
            Rendition(
                file=_write(f"{stem}-{encoded.width}.{encoded.extension}", encoded, written),
                width=encoded.width,
                height=encoded.height,
            )
            for encoded in prepared.renditions
        ]
        with transaction.atomic():
            image.save()
            for rendition in renditions:
                rendition.image = image
            Rendition.objects.bulk_create(renditions)
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise
    return image


def delete_images(*, images: Iterable[Image]) -> int:
    """Delete pictures, their renditions and, once the deletion is committed, their files;
    returns how many pictures went."""
    ids = [image.pk for image in images]
    names = list(Image.objects.filter(pk__in=ids).values_list("file", flat=True))
    names += Rendition.objects.filter(image_id__in=ids).values_list("file", flat=True)
    with transaction.atomic():
        deleted = Image.objects.filter(pk__in=ids).delete()[1].get(Image._meta.label, 0)
        transaction.on_commit(lambda: [default_storage.delete(name) for name in names])
    return deleted


def _write(name: str, encoded: Encoded, written: list[str]) -> str:
    stored = default_storage.save(name, ContentFile(encoded.data))
    written.append(stored)
    return stored
