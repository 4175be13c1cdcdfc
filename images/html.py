"""A library picture as a responsive <img>: every rendition in srcset, the page's layout in
sizes, width and height so the page does not jump while it loads."""

from django.utils.html import format_html
from django.utils.safestring import SafeString

from .models import Image

# The rendition the src names, for browsers without srcset (and for crawlers).
DEFAULT_WIDTH = 960


def img_tag(
    image: Image, *, alt: str, sizes: str, lazy: bool = True, title: str = ""
) -> SafeString:
    """The <img> for a picture whose renditions are loaded (ImageQuerySet.with_renditions)."""
    renditions = sorted(image.renditions.all(), key=lambda rendition: rendition.width)
    if not renditions:  # an image whose renditions are gone: the kept picture alone
        return format_html(
            '<img src="{}" alt="{}" width="{}" height="{}"{}>',
            image.file.url, alt, image.width, image.height, _loading(lazy, title),
        )  # fmt: skip
    largest = renditions[-1]
    default = ([r for r in renditions if r.width <= DEFAULT_WIDTH] or renditions)[-1]
    srcset = ", ".join(f"{rendition.file.url} {rendition.width}w" for rendition in renditions)
    return format_html(
        '<img src="{}" srcset="{}" sizes="{}" alt="{}" width="{}" height="{}"{}>',
        default.file.url, srcset, sizes, alt, largest.width, largest.height, _loading(lazy, title),
    )  # fmt: skip


def _loading(lazy: bool, title: str) -> SafeString:
    attributes = format_html(' title="{}"', title) if title else SafeString("")
    if lazy:
        return format_html('{} loading="lazy" decoding="async"', attributes)
    return attributes
