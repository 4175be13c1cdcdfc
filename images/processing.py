"""From an upload that passed config.uploads.PictureField to the files the site keeps: the
picture turned upright (EXIF orientation), converted to sRGB, stripped of every metadata (EXIF,
GPS, comments), and resized with Pillow. Everything here happens in memory, before anything is
stored, so a picture that fails half-way leaves nothing behind."""

import io
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps

# The widths of the WebP renditions; a narrower picture gets its own width as the largest.
RENDITION_WIDTHS = (480, 960, 1600)
# The kept picture (the file OpenGraph points at) is no bigger than this; a tall infographic
# keeps its height up to MASTER_MAX_HEIGHT.
MASTER_MAX_WIDTH = 2400
MASTER_MAX_HEIGHT = 8000
WEBP_QUALITY = 80
JPEG_QUALITY = 85


@dataclass(frozen=True)
class Encoded:
    """One file to store: its bytes, extension and size in pixels."""

    data: bytes
    extension: str
    width: int
    height: int


@dataclass(frozen=True)
class Prepared:
    """What an upload becomes: the kept picture and its renditions, narrowest first."""

    master: Encoded
    renditions: tuple[Encoded, ...]


def prepare(upload) -> Prepared:
    """The kept picture and its renditions for an upload (first frame of an animation);
    raises Pillow's errors (config.uploads.DECODING_ERRORS) when the file does not decode."""
    upload.seek(0)
    with Image.open(upload) as source:
        source.seek(0)
        _draft(source)
        picture = _upright_srgb(source)
    picture.thumbnail((MASTER_MAX_WIDTH, MASTER_MAX_HEIGHT), Image.Resampling.LANCZOS)
    return Prepared(
        master=_encode_master(picture),
        renditions=tuple(
            _encode_webp(_resized(picture, width)) for width in rendition_widths(picture.width)
        ),
    )


def rendition_widths(width: int) -> list[int]:
    """The rendition widths for a picture this wide: 480, 960 and 1600, none wider than it."""
    return sorted({min(wanted, width) for wanted in RENDITION_WIDTHS})


def _draft(source: Image.Image) -> None:
    """A big JPEG is decoded at the smallest scale (1/2, 1/4, 1/8) still wider than the master
    needs: a quarter of the memory and time for a 40-megapixel photo."""
    if source.format != "JPEG":
        return
    width, height = source.size
    source.draft(source.mode, (MASTER_MAX_WIDTH, 1) if width >= height else (1, MASTER_MAX_WIDTH))


def _upright_srgb(source: Image.Image) -> Image.Image:
    """The first frame, rotated as its EXIF says, in sRGB, RGB or RGBA, with no metadata."""
    profile = source.info.get("icc_profile")
    picture = ImageOps.exif_transpose(source)
    alpha = picture.mode in ("RGBA", "LA", "PA") or (
        picture.mode == "P" and "transparency" in picture.info
    )
    picture = picture.convert("RGBA" if alpha else "RGB")
    if profile:
        picture = _to_srgb(picture, profile)
    # Nothing of the upload's info (EXIF, XMP, ICC, comments) reaches the files: PNG, for one,
    # would write the profile it finds there.
    picture.info = {}
    return picture


def _to_srgb(picture: Image.Image, profile: bytes) -> Image.Image:
    """Colours of a Display P3 or Adobe RGB photo kept right once its profile is dropped."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        return ImageCms.profileToProfile(
            picture, source, ImageCms.createProfile("sRGB"), outputMode=picture.mode
        )
    except (ImageCms.PyCMSError, OSError, ValueError):
        return picture  # a broken profile: the colours as they are


def _resized(picture: Image.Image, width: int) -> Image.Image:
    if width >= picture.width:
        return picture
    height = max(1, round(picture.height * width / picture.width))
    return picture.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)


def _encode_master(picture: Image.Image) -> Encoded:
    buffer = io.BytesIO()
    if picture.mode == "RGBA":
        picture.save(buffer, "PNG", compress_level=6)
        extension = "png"
    else:
        picture.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
        extension = "jpg"
    return Encoded(buffer.getvalue(), extension, picture.width, picture.height)


def _encode_webp(picture: Image.Image) -> Encoded:
    buffer = io.BytesIO()
    picture.save(buffer, "WEBP", quality=WEBP_QUALITY, method=4)
    return Encoded(buffer.getvalue(), "webp", picture.width, picture.height)
