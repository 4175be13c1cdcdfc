import datetime

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.db import models
from django.db.models import Count, Q
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy
from taggit.models import Tag as TaggitTag

from config.admin_wording import FEMININE, MASCULINE, WordedAdmin, Wording
from images import services as image_services
from images.forms import LibraryPictureField
from images.models import Image

from . import caching, search_index, services, steering_admin  # noqa: F401 (steering_admin registers its admins)
from .admin_editor import MarkdownEditor, markdown_preview, missing_pictures_error
from .admin_revisions import restore_view, revisions_view
from .analytics_admin import ArticleAnalytics
from .media_admin import PictureUploads, thumbnail
from .models import Article, ChatBlock, Rubric, Series, Tag

admin.site.site_header = _("Sales Label: редакция")
admin.site.site_title = _("Редакция")
admin.site.index_title = _("Управление сайтом")
admin.site.enable_nav_sidebar = False  # the article list needs the width


class DateHierarchyChangeList(ChangeList):
    """Django's change list, with junk in the date hierarchy's parameters treated like any other
    bad filter (a redirect to the whole list): a year such as 99999999999 or 9999 was a 500
    (Django ticket #37357, fixed after 5.2), and year 1 failed later, on its way to UTC."""

    def get_filters(self, request):
        try:
            filters = super().get_filters(request)
            if self.date_hierarchy:
                for bound in ("gte", "lt"):
                    for value in filters[2].get(f"{self.date_hierarchy}__{bound}", []):
                        value.astimezone(datetime.UTC)
        except (ValueError, OverflowError) as error:
            raise IncorrectLookupParameters(error) from error
        return filters


class DateHierarchyAdmin(WordedAdmin, admin.ModelAdmin):
    def get_changelist(self, request, **kwargs):
        return DateHierarchyChangeList


class ArticleStatusFilter(admin.SimpleListFilter):
    """The status as editors think of it: a draft, scheduled (published with a date ahead), or
    out."""

    title = _("статус")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("draft", _("черновик")),
            ("scheduled", _("запланирована")),
            ("published", _("опубликована")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        published = Q(status=Article.Status.PUBLISHED)
        match self.value():
            case "draft":
                return queryset.filter(status=Article.Status.DRAFT)
            case "scheduled":
                return queryset.filter(published, published_at__gt=now)
            case "published":
                return queryset.filter(published, published_at__lte=now)
        return queryset


class ArticleAdminForm(forms.ModelForm):
    """The article as editors write it: Markdown with its preview beside it, and a cover picked
    from the media library or uploaded here (checked and resized like any library picture)."""

    cover_upload = LibraryPictureField(label=_("Загрузить новую обложку"), required=False)

    class Meta:
        model = Article
        fields = ["body"]  # and the rest of ArticleAdmin's fieldsets, which the admin adds
        widgets = {"body": MarkdownEditor(attrs={"rows": 24})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        upload = self.fields["cover_upload"]
        upload.help_text = _("%(limits)s Станет картинкой медиатеки и обложкой статьи.") % {
            "limits": upload.help_text_for_limits()
        }

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        error = missing_pictures_error(body)
        if error:
            raise error
        return body


@admin.register(Article)
class ArticleAdmin(ArticleAnalytics, PictureUploads, DateHierarchyAdmin):
    wording = Wording(
        pgettext_lazy("accusative", "статью"),
        pgettext_lazy("genitive", "статьи"),
        pgettext_lazy("genitive plural", "статей"),
        FEMININE,
    )
    form = ArticleAdminForm
    list_display = [
        "title",
        "status_label",
        "rubric",
        "author",
        "published_at",
        "views_count",
        "comments_count",
        "score",
        "analytics_link",
        "preview_link",
    ]
    list_filter = [
        ArticleStatusFilter,
        "rubric",
        ("author", admin.RelatedOnlyFieldListFilter),  # authors, not every member
        "series",
        "tags",
    ]
    list_select_related = ["rubric", "author"]
    search_fields = ["title", "lead", "body", "slug"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["author"]
    raw_id_fields = ["cover"]  # picked in the media library, thumbnails and all
    readonly_fields = [
        "cover_preview",
        "views_count",
        "comments_count",
        "score",
        "reading_time",
        "created_at",
        "updated_at",
        "preview_link",
        "analytics_link",
    ]
    actions = ["publish", "unpublish"]
    list_per_page = 50
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["title", "slug", "rubric", "author", "tags", "lead", "body"]}),
        (_("Обложка"), {"fields": ["cover_preview", "cover", "cover_upload", "cover_alt"]}),
        (_("Серия"), {"fields": ["series", "series_number"], "classes": ["collapse"]}),
        (
            _("Публикация"),
            {"fields": ["status", "published_at", "discussion_closed", "preview_link"]},
        ),
        (
            _("Счётчики"),
            {
                "fields": [
                    "analytics_link",
                    "views_count",
                    "comments_count",
                    "score",
                    "reading_time",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
    ]

    def get_changeform_initial_data(self, request):
        return {"author": request.user.pk}

    def get_urls(self):
        preview = self.admin_site.admin_view(lambda request: markdown_preview(request, self))
        versions = self.admin_site.admin_view(
            lambda request, object_id: revisions_view(request, self, object_id)
        )
        restore = self.admin_site.admin_view(
            lambda request, object_id, version_id: restore_view(
                request, self, object_id, version_id
            )
        )
        return [
            path("markdown-preview/", preview, name="articles_article_markdown_preview"),
            path("<path:object_id>/revisions/", versions, name="articles_article_revisions"),
            path(
                "<path:object_id>/revisions/<int:version_id>/restore/",
                restore,
                name="articles_article_restore",
            ),
            *super().get_urls(),
        ]

    # Through the services: an article that stops being public leaves the rankings and every
    # cached page at once, whichever way an editor takes it down.
    def save_model(self, request, obj, form, change):
        upload = form.cleaned_data.get("cover_upload")
        if upload:
            obj.cover = image_services.store_image(
                image=Image(alt=obj.cover_alt or obj.title),
                prepared=upload.prepared,
                uploaded_by=request.user,
                original_name=upload.name,
            )
        services.save_article(article=obj, editor=request.user)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The tags are saved only now, in the same transaction: the document needs them.
        search_index.index_articles(article_ids=[form.instance.pk])

    def delete_model(self, request, obj):
        services.delete_articles(articles=[obj])

    def delete_queryset(self, request, queryset):
        services.delete_articles(articles=queryset)

    @admin.display(description=_("статус"), ordering="status")
    def status_label(self, obj):
        if obj.is_scheduled:
            return _("запланирована")
        return obj.get_status_display()

    @admin.display(description=_("обложка сейчас"))
    def cover_preview(self, obj):
        return thumbnail(obj.cover, width=320) if obj.cover_id else _("нет")

    @admin.display(description=_("предпросмотр"))
    def preview_link(self, obj):
        if not obj.pk:
            return "—"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            reverse("articles:preview", kwargs={"slug": obj.slug}),
            _("открыть"),
        )

    @admin.action(description=_("Опубликовать выбранные статьи"), permissions=["change"])
    def publish(self, request, queryset):
        changed = services.publish(articles=queryset, editor=request.user)
        self.message_user(
            request,
            ngettext("Опубликована %(n)d статья.", "Опубликовано %(n)d статей.", changed)
            % {"n": changed},
            messages.SUCCESS,
        )

    @admin.action(description=_("Снять с публикации"), permissions=["change"])
    def unpublish(self, request, queryset):
        changed = services.unpublish(articles=queryset)
        self.message_user(
            request,
            ngettext(
                "Снята с публикации %(n)d статья.", "Снято с публикации %(n)d статей.", changed
            )
            % {"n": changed},
            messages.SUCCESS,
        )


@admin.register(Rubric)
class RubricAdmin(WordedAdmin, admin.ModelAdmin):
    wording = Wording(
        pgettext_lazy("accusative", "рубрику"),
        pgettext_lazy("genitive", "рубрики"),
        pgettext_lazy("genitive plural", "рубрик"),
        FEMININE,
    )
    list_display = ["name", "slug", "order", "articles_total"]
    list_editable = ["order"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(articles_total=Count("articles"))

    @admin.display(description=_("статей"), ordering="articles_total")
    def articles_total(self, obj):
        return obj.articles_total


@admin.register(Series)
class SeriesAdmin(WordedAdmin, admin.ModelAdmin):
    wording = Wording(
        pgettext_lazy("accusative", "серию"),
        pgettext_lazy("genitive", "серии"),
        pgettext_lazy("genitive plural", "серий"),
        FEMININE,
    )
    list_display = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    search_fields = ["title"]


# The site's tags are articles.Tag; taggit's own model stays empty.
admin.site.unregister(TaggitTag)


@admin.register(Tag)
class TagAdmin(WordedAdmin, admin.ModelAdmin):
    wording = Wording(
        pgettext_lazy("accusative", "тег"),
        pgettext_lazy("genitive", "тега"),
        pgettext_lazy("genitive plural", "тегов"),
        MASCULINE,
    )
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]

    # Articles are found by their tags' names: a rename or a delete rebuilds their documents.
    def save_model(self, request, obj, form, change):
        services.save_tag(tag=obj)

    def delete_model(self, request, obj):
        services.delete_tags(tags=[obj])

    def delete_queryset(self, request, queryset):
        services.delete_tags(tags=queryset)


@admin.register(ChatBlock)
class ChatBlockAdmin(WordedAdmin, admin.ModelAdmin):
    wording = Wording(
        pgettext_lazy("accusative", "блок чата"),
        pgettext_lazy("genitive", "блока чата"),
        pgettext_lazy("genitive plural", "блоков чата"),
        MASCULINE,
    )
    list_display = ["name", "members_count", "call_to_action", "url", "is_visible"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    readonly_fields = ["telegram_count", "telegram_read_at"]

    def has_add_permission(self, request):
        # One chat block for the whole site: editors change it, they do not add more.
        return super().has_add_permission(request) and not ChatBlock.objects.exists()

    def get_fields(self, request, obj=None):
        fields = ["name", "url", "members_count", "call_to_action", "is_visible"]
        if settings.TELEGRAM_BOT_TOKEN and settings.TELEGRAM_CHAT_ID:
            # manage.py sync_chat reads the count: the editor sees when, and may pin their own.
            fields[3:3] = ["members_pinned", "telegram_count", "telegram_read_at"]
        return fields

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        caching.forget_chat_block()  # the new count on the next page rendered
