"""The editors' media library: uploaded pictures and their resized copies (renditions)."""

import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# How an article's Markdown names a library picture: ![описание](image:42)
REFERENCE = "image:{pk}"
REFERENCE_RE = re.compile(r"^image:(\d{1,18})$")


class ImageQuerySet(models.QuerySet):
    def with_renditions(self):
        """Pictures with their renditions, smallest first, in one more query."""
        return self.prefetch_related(
            models.Prefetch("renditions", queryset=Rendition.objects.order_by("width"))
        )

    def newest_first(self):
        """The latest uploads first; the id breaks ties."""
        return self.order_by("-uploaded_at", "-id")


class Image(models.Model):
    """A picture as the site keeps it: turned upright, its metadata (EXIF, GPS) gone, no wider
    than MASTER_MAX_WIDTH, in JPEG (or PNG when it has transparency): the file OpenGraph points
    at. Pages show its WebP renditions."""

    file = models.FileField(_("файл"), max_length=200)
    alt = models.CharField(
        _("описание"),
        max_length=300,
        help_text=_("Что на картинке, для тех, кто её не видит: станет текстом alt."),
    )
    width = models.PositiveIntegerField(_("ширина"))
    height = models.PositiveIntegerField(_("высота"))
    original_name = models.CharField(_("имя файла"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("загрузил"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("загружена"), auto_now_add=True)

    objects = ImageQuerySet.as_manager()

    class Meta:
        verbose_name = _("картинка")
        verbose_name_plural = _("картинки")
        ordering = ["-uploaded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(width__gt=0, height__gt=0), name="%(app_label)s_%(class)s_has_size"
            )
        ]

    def __str__(self) -> str:
        return self.alt or self.original_name or f"#{self.pk}"

    @property
    def reference(self) -> str:
        """What the Markdown of an article points at: image:42."""
        return REFERENCE.format(pk=self.pk)

    @property
    def snippet(self) -> str:
        """The Markdown that puts this picture into an article."""
        alt = re.sub(r"[\[\]\\]", "", " ".join(self.alt.split()))
        return f"![{alt}]({self.reference})"


class Rendition(models.Model):
    """One resized WebP copy of a picture, for srcset."""

    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="renditions")
    file = models.FileField(_("файл"), max_length=200)
    width = models.PositiveIntegerField(_("ширина"))
    height = models.PositiveIntegerField(_("высота"))

    class Meta:
        verbose_name = _("размер картинки")
        verbose_name_plural = _("размеры картинки")
        constraints = [
            models.UniqueConstraint(
                fields=["image", "width"], name="%(app_label)s_%(class)s_one_per_width"
            ),
            models.CheckConstraint(
                condition=Q(width__gt=0, height__gt=0), name="%(app_label)s_%(class)s_has_size"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.width} × {self.height}"
