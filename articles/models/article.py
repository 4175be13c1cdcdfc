"""The article and its QuerySet: every read of articles starts here."""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager

from config.text import validate_one_line

from .. import markup
from .catalogue import Rubric, Series, TaggedArticle, transliterated_slug
from .search import ArticleSearchMixin


class ArticleQuerySet(ArticleSearchMixin, models.QuerySet):
    def published(self, *, now=None):
        """Articles the public may see: published, with a publish date that has come (by `now`,
        the time now unless a compiled query gives its stand-in)."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=now or timezone.now())

    def for_listing(self):
        """What an article card shows, in one query; the `cards` template tag adds the tags of
        the cards it has to render (most come from the cache)."""
        return self.select_related("rubric", "author", "series", "cover").defer(
            "body", "body_html", "author__bio", "rubric__description", "series__description"
        )

    def for_feed(self):
        """What a feed item shows, in one query; its tags come from TaggedArticle.names_by_article
        in one more (a prefetch through the tag manager costs more than the feed itself)."""
        return self.select_related("rubric", "author").only(
            "title",
            "slug",
            "excerpt",
            "published_at",
            "updated_at",
            "rubric__name",
            "author__username",
            "author__display_name",
        )

    def card_states(self):
        """(id, updated_at, views_count, comments_count, cover_id) rows: enough to find cached
        cards."""
        return self.values_list(
            "id", "updated_at", "views_count", "comments_count", "cover_id", named=True
        )

    def newest_first(self):
        """Newest first; the id breaks ties so pages never overlap."""
        return self.order_by("-published_at", "-id")

    def related_to(self, article: "Article", *, size: int = 3):
        """The newest other articles of the same rubric, with what their links show."""
        return (
            self.filter(rubric_id=article.rubric_id)
            .exclude(pk=article.pk)
            .only("title", "slug", "views_count", "comments_count")
            .newest_first()[:size]
        )

    def next_in_series(self, article: "Article", *, previous: bool = False) -> "Article | None":
        """The issue after this one in its series (before it, with `previous`), or None."""
        if not article.series_id or article.series_number is None:
            return None
        lookup, order = ("lt", "-series_number") if previous else ("gt", "series_number")
        return (
            self.filter(
                series_id=article.series_id, **{f"series_number__{lookup}": article.series_number}
            )
            .order_by(order)
            .only("title", "slug", "series_number")
            .first()
        )


class ArticleManager(models.Manager.from_queryset(ArticleQuerySet)):
    def get_queryset(self):
        # The search columns are as big as the text and only PostgreSQL's search reads them:
        # left unloaded, they are never fetched with an article nor written back by its save().
        return super().get_queryset().defer("search_summary", "search_document")


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("черновик")
        PUBLISHED = "published", _("опубликована")

    title = models.CharField(_("заголовок"), max_length=200, validators=[validate_one_line])
    slug = models.SlugField(_("адрес"), max_length=220, unique=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("автор"),
        on_delete=models.PROTECT,
        related_name="articles",
    )
    rubric = models.ForeignKey(
        Rubric, verbose_name=_("рубрика"), on_delete=models.PROTECT, related_name="articles"
    )
    series = models.ForeignKey(
        Series,
        verbose_name=_("серия"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
    )
    series_number = models.PositiveIntegerField(_("номер в серии"), null=True, blank=True)
    # by name wherever they are shown (the default is the order they were added in)
    tags = TaggableManager(_("теги"), through=TaggedArticle, blank=True, ordering=["name"])
    lead = models.TextField(
        _("лид"), max_length=600, blank=True, help_text=_("Пусто: начало текста станет анонсом.")
    )
    excerpt = models.TextField(_("анонс"), editable=False, blank=True)
    body = models.TextField(_("текст (Markdown)"))
    body_html = models.TextField(editable=False, blank=True)
    cover = models.ForeignKey(
        "images.Image",
        verbose_name=_("обложка"),
        on_delete=models.PROTECT,  # a picture on show stays in the library
        null=True,
        blank=True,
        related_name="cover_of",
    )
    cover_alt = models.CharField(
        _("описание обложки"),
        max_length=200,
        blank=True,
        help_text=_("Пусто: описание картинки из медиатеки."),
    )
    status = models.CharField(
        _("статус"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(
        _("дата публикации"),
        null=True,
        blank=True,
        help_text=_("Дата в будущем: статья выйдет в это время."),
    )
    reading_time = models.PositiveSmallIntegerField(_("минут чтения"), default=1, editable=False)
    views_count = models.PositiveIntegerField(_("просмотры"), default=0, editable=False)
    comments_count = models.PositiveIntegerField(_("комментарии"), default=0, editable=False)
    # Who talks in the visible comments, kept by discussions with comments_count: the distinct
    # members, and the comments that answer another member ("Обсуждаемое" of all time reads them).
    participants_count = models.PositiveIntegerField(
        _("участники обсуждения"), default=0, editable=False
    )
    replies_count = models.PositiveIntegerField(_("ответы другим"), default=0, editable=False)
    score = models.IntegerField(_("рейтинг"), default=0, editable=False)
    discussion_closed = models.BooleanField(_("обсуждение закрыто"), default=False)
    # Title, tags, lead and body as PostgreSQL searches them, written with the article and its
    # tags by articles/search_index.py (a generated column cannot read the tags); its GIN index
    # is made by the migration, on PostgreSQL only.
    search_document = SearchVectorField(null=True, editable=False)
    # Title, tags and lead alone: what relevance ranks (GIN index by the migration too).
    search_summary = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(_("создана"), auto_now_add=True)
    updated_at = models.DateTimeField(_("изменена"), auto_now=True)
    # A new title, lead or text after publication (articles.services.save_article), shown to
    # readers as "обновлено"; counters and publication changes leave it alone.
    content_updated_at = models.DateTimeField(
        _("текст обновлён"), null=True, blank=True, editable=False
    )

    objects = ArticleManager()

    class Meta:
        verbose_name = _("статья")
        verbose_name_plural = _("статьи")
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-published_at", "-id"], name="article_pub_idx"),
            models.Index(
                fields=["rubric", "status", "-published_at", "-id"], name="article_rubric_idx"
            ),
            models.Index(
                fields=["author", "status", "-published_at", "-id"], name="article_author_idx"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "series_number"],
                condition=Q(series__isnull=False),
                name="%(app_label)s_%(class)s_unique_series_number",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "published"]),
                name="%(app_label)s_%(class)s_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="%(app_label)s_%(class)s_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = self._unique_slug()
        derived = markup.derive(self.body, self.lead)
        self.body_html, self.excerpt = derived.body_html, derived.excerpt
        self.reading_time = derived.reading_time
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("articles:detail", kwargs={"slug": self.slug})

    def _unique_slug(self) -> str:
        base = transliterated_slug(self.title)
        slug, n = base, 2
        while Article.objects.filter(slug=slug).exclude(pk=self.pk).exists():
            slug, n = f"{base}-{n}", n + 1
        return slug

    @property
    def is_public(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def is_scheduled(self) -> bool:
        return self.status == self.Status.PUBLISHED and not self.is_public
