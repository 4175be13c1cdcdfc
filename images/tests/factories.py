"""Pictures made in memory, and library pictures stored from them as an upload would be."""

import io
import zlib

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


def png_bomb(width: int, height: int) -> bytes:
    """A valid PNG of width x height black pixels, a few hundred KB however big it claims to be:
    made by hand, since Pillow would need the whole picture in memory to write it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([1, 0, 0, 0, 0])
    compressor = zlib.compressobj(9)
    row = b"\x00" + b"\x00" * ((width + 7) // 8)  # filter byte + one bit per pixel
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    chunks = chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)


def make_image(*, alt: str = "Схема воронки продаж", uploaded_by=None, size=(1200, 800)) -> Image:
    """A library picture with its renditions, stored through the service."""
    data = upload(picture_bytes(size=size), "voronka.png")
    return services.store_image(
        image=Image(alt=alt),
        prepared=processing.prepare(data),
        uploaded_by=uploaded_by,
        original_name="voronka.png",
    )
