"""Pictures made in memory, and library pictures stored from them as an upload would be."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage

from images import processing, services
from images.models import Image


def picture_bytes(fmt: str = "PNG", size=(1200, 800), color=(200, 80, 20), **save) -> bytes:
    buffer = io.BytesIO()
    mode = "RGBA" if len(color) == 4 else "RGB"
    PILImage.new(mode, size, color).save(buffer, fmt, **save)
    return buffer.getvalue()


def upload(data: bytes, name: str = "picture.png", content_type: str = "image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def make_image(*, alt: str = "Схема воронки продаж", uploaded_by=None, size=(1200, 800)) -> Image:
    """A library picture with its renditions, stored through the service."""
    data = upload(picture_bytes(size=size), "voronka.png")
    return services.store_image(
        image=Image(alt=alt),
        prepared=processing.prepare(data),
        uploaded_by=uploaded_by,
        original_name="voronka.png",
    )
