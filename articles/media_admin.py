"""The media library in the admin: editors upload pictures, see them as thumbnails and copy the
Markdown that puts one into an article. It lives with the articles because it knows which
articles show a picture (a picture on show cannot be deleted); the pictures themselves are
the images app's."""

import re

from django.contrib import admin
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from config.admin_wording import FEMININE, WordedAdmin, Wording
from config.middleware import max_body
from images import services as image_services
from images.forms import ImageUploadForm
from images.models import Image

from .models import Article

THUMBNAIL_WIDTH = 160


class PictureUploads:
    """For a model admin whose add and change pages take a picture: bodies up to
    IMAGE_MAX_BYTES (and the form's other fields) reach the form, which says what is wrong
    with a file a little too big; a bigger body is still a 413, unread."""

    def get_urls(self):
        urls = super().get_urls()
        opts = self.model._meta
        pages = {f"{opts.app_label}_{opts.model_name}_{page}" for page in ("add", "change")}
        for pattern in urls:
            if pattern.name in pages:
                max_body("IMAGE_MAX_BYTES")(pattern.callback)
        return urls


def articles_showing(image: Image):
    """Articles whose cover is the picture or whose text shows it."""
    shows = rf"\]\(\s*{re.escape(image.reference)}[\s)]"
    return Article.objects.filter(Q(cover=image) | Q(body__regex=shows)).only("title", "slug")


def thumbnail(image: Image, width: int = THUMBNAIL_WIDTH) -> str:
    """A small copy of the picture (its narrowest rendition), for the admin's pages."""
    rendition = min(image.renditions.all(), key=lambda r: r.width, default=None) or image
    height = max(1, round(rendition.height * width / rendition.width))
    return format_html(
        '<img class="library-thumb" src="{}" alt="" width="{}" height="{}" loading="lazy">',
        rendition.file.url, width, height,
    )  # fmt: skip


def snippet_box(image: Image) -> str:
    """The picture's Markdown, with a button that copies it (static/js/admin_media.js)."""
    return format_html(
        '<span class="library-snippet"><input class="library-snippet__text" type="text" readonly'
        ' value="{}" aria-label="{}"> <button class="button library-copy" type="button"'
        ' data-copy="{}" data-done="{}">{}</button></span>',
        image.snippet, _("Markdown картинки"), image.snippet, _("Скопировано"), _("Скопировать"),
    )  # fmt: skip


@admin.register(Image)
class ImageAdmin(PictureUploads, WordedAdmin, admin.ModelAdmin):
    wording = Wording(
        pgettext_lazy("accusative", "картинку"),
        pgettext_lazy("genitive", "картинки"),
        pgettext_lazy("genitive plural", "картинок"),
        FEMININE,
    )
    list_display = ["preview", "alt", "size", "markdown", "uploaded_by", "uploaded_at"]
    list_display_links = ["preview", "alt"]
    list_select_related = ["uploaded_by"]
    search_fields = ["alt", "original_name"]
    list_per_page = 40
    show_full_result_count = False
    readonly_fields = [
        "large_preview", "markdown", "size", "rendition_list", "used_in", "original_name",
        "uploaded_by", "uploaded_at",
    ]  # fmt: skip
    add_fieldsets = [(None, {"fields": ["upload", "alt"]})]
    fieldsets = [
        (None, {"fields": ["large_preview", "alt", "markdown"]}),
        (
            _("Файлы"),
            {"fields": ["size", "rendition_list", "original_name", "uploaded_by", "uploaded_at"]},
        ),
        (_("Где показана"), {"fields": ["used_in"]}),
    ]

    class Media:
        css = {"all": ["css/admin_media.css"]}
        js = ["js/admin_media.js"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_renditions()

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else self.fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ImageUploadForm
        return super().get_form(request, obj, change, **kwargs)

    def changelist_view(self, request, extra_context=None):
        # Django's generic title gets the Russian case wrong ("Выберите картинка...").
        extra_context = {"title": _("Медиатека"), **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["alt"])
            return
        upload = form.cleaned_data["upload"]
        image_services.store_image(
            image=obj,
            prepared=upload.prepared,
            uploaded_by=request.user,
            original_name=upload.name,
        )

    def delete_model(self, request, obj):
        image_services.delete_images(images=[obj])

    def delete_queryset(self, request, queryset):
        image_services.delete_images(images=queryset)

    def get_deleted_objects(self, objs, request):
        """Django's list of what a deletion takes along, with the articles whose text shows a
        picture as protected: deleting it would leave a hole in them."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        for image in objs:
            for article in articles_showing(image).exclude(cover=image):
                protected.append(
                    format_html(
                        '{}: <a href="{}">{}</a>',
                        capfirst(Article._meta.verbose_name),
                        reverse("admin:articles_article_change", args=[article.pk]),
                        article.title,
                    )
                )
        return deleted, counts, perms_needed, protected

    @admin.display(description=_("картинка"))
    def preview(self, obj):
        return thumbnail(obj)

    @admin.display(description=_("картинка"))
    def large_preview(self, obj):
        return thumbnail(obj, width=480)

    @admin.display(description=_("Markdown"))
    def markdown(self, obj):
        return snippet_box(obj)

    @admin.display(description=_("размер"))
    def size(self, obj):
        return f"{obj.width} × {obj.height}"

    @admin.display(description=_("копии для страниц"))
    def rendition_list(self, obj):
        return format_html_join(
            ", ",
            '<a href="{}">{} × {}</a>',
            ((r.file.url, r.width, r.height) for r in obj.renditions.all()),
        )

    @admin.display(description=_("статьи"))
    def used_in(self, obj):
        links = format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            (
                (reverse("admin:articles_article_change", args=[article.pk]), article.title)
                for article in articles_showing(obj)
            ),
        )
        return links or _("пока нигде")
