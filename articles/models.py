from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from taggit.models import ItemBase, TagBase
from unidecode import unidecode

from config.text import validate_one_line

from . import markup


def transliterated_slug(text: str, max_length: int = 200, fallback: str = "article") -> str:
    """A URL slug of Latin letters for any title, Cyrillic included; `fallback` when nothing in
    the text has a Latin spelling (emoji, punctuation)."""
    return slugify(unidecode(text or ""))[:max_length].strip("-") or fallback


class Rubric(models.Model):
    name = models.CharField(_("название"), max_length=100, unique=True)
    slug = models.SlugField(_("адрес"), max_length=100, unique=True)
    description = models.TextField(_("описание"), blank=True)
    order = models.PositiveSmallIntegerField(_("порядок"), default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("рубрика")
        verbose_name_plural = _("рубрики")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("articles:rubric", kwargs={"slug": self.slug})


class Series(models.Model):
    title = models.CharField(_("название"), max_length=200)
    slug = models.SlugField(_("адрес"), max_length=100, unique=True)
    description = models.TextField(_("описание"), blank=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("серия")
        verbose_name_plural = _("серии")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("articles:series", kwargs={"slug": self.slug})


class Tag(TagBase):
    """A tag whose address is always a non-empty Latin slug, whatever its name: taggit's own
    slug is empty for a name like "🔥" or "-->", and such a tag broke every page it was on."""

    name = models.CharField(_("название"), max_length=100, unique=True)
    slug = models.SlugField(
        _("адрес"),
        max_length=100,
        unique=True,
        blank=True,
        help_text=_("Пусто: адрес составится из названия."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("тег")
        verbose_name_plural = _("теги")
        constraints = [
            models.CheckConstraint(
                condition=~Q(slug=""), name="%(app_label)s_%(class)s_slug_not_empty"
            )
        ]

    def clean(self):
        # Before the constraints are checked: the admin form may leave the slug empty.
        if not self.slug:
            self.slug = self._unique_slug()

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = self._unique_slug()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("articles:tag", kwargs={"slug": self.slug})

    def slugify(self, tag: str, i: int | None = None) -> str:
        suffix = "" if i is None else f"-{i}"
        max_length = self._meta.get_field("slug").max_length - len(suffix)
        return transliterated_slug(tag, max_length=max_length, fallback="tag") + suffix

    def _unique_slug(self) -> str:
        taken = set(
            Tag.objects.filter(slug__startswith=self.slugify(self.name))
            .exclude(pk=self.pk)
            .values_list("slug", flat=True)
        )
        slug, n = self.slugify(self.name), 2
        while slug in taken:
            slug, n = self.slugify(self.name, n), n + 1
        return slug


class TaggedArticle(ItemBase):
    """Tag links with a real foreign key to the article, so joins and integrity stay simple."""

    content_object = models.ForeignKey("Article", on_delete=models.CASCADE)
    tag = models.ForeignKey(
        Tag, related_name="%(app_label)s_%(class)s_items", on_delete=models.CASCADE
    )

    class Meta:
        verbose_name = _("тег статьи")
        verbose_name_plural = _("теги статей")
        constraints = [
            models.UniqueConstraint(
                fields=["content_object", "tag"], name="%(app_label)s_%(class)s_unique_tag"
            )
        ]


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """Articles the public may see: published, with a publish date that has come."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=timezone.now())

    def for_listing(self):
        """What an article card shows, in one query; the `cards` template tag adds the tags of
        the cards it has to render (most come from the cache)."""
        return self.select_related("rubric", "author", "series", "cover").defer(
            "body", "body_html", "author__bio", "rubric__description", "series__description"
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
    tags = TaggableManager(_("теги"), through=TaggedArticle, blank=True)
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
    score = models.IntegerField(_("рейтинг"), default=0, editable=False)
    discussion_closed = models.BooleanField(_("обсуждение закрыто"), default=False)
    created_at = models.DateTimeField(_("создана"), auto_now_add=True)
    updated_at = models.DateTimeField(_("изменена"), auto_now=True)

    objects = ArticleQuerySet.as_manager()

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


class ArticleDailyStats(models.Model):
    """What happened to one article on one day: the source of the windowed rankings."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="daily_stats")
    date = models.DateField(_("день"))
    views = models.PositiveIntegerField(_("просмотры"), default=0)
    # Reads where the page stayed visible 30 s and the reader scrolled past 3/4 of the body:
    # counted like views (signed visitor, de-duplicated, capped), harder to fake than a view.
    # A database default too, so bulk writers that name only the older columns keep working.
    engaged_reads = models.PositiveIntegerField(_("дочитывания"), default=0, db_default=0)
    comments = models.IntegerField(_("комментарии"), default=0)
    votes = models.IntegerField(_("голоса"), default=0)

    class Meta:
        verbose_name = _("статистика за день")
        verbose_name_plural = _("статистика по дням")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "date"], name="%(app_label)s_%(class)s_one_row_per_day"
            )
        ]
        # Covering on PostgreSQL: the rankings sum a month of rows from the index alone.
        indexes = [
            models.Index(
                fields=["date", "article"],
                include=["views", "engaged_reads", "comments", "votes"],
                name="stats_date_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.article_id} @ {self.date}"


class ReferrerKind(models.TextChoices):
    SEARCH = "search", _("поисковые системы")
    TELEGRAM = "telegram", _("Telegram")
    DIRECT = "direct", _("прямые заходы и переходы по сайту")
    OTHER = "other", _("другие сайты")


class ArticleReferrerDaily(models.Model):
    """Where one article's counted views came from on one day: only the kind of source and the
    referring page's host (lowercased, no path, nothing about the reader), with a count."""

    HOST_MAX_LENGTH = 100

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="referrers")
    date = models.DateField(_("день"))
    kind = models.CharField(_("источник"), max_length=10, choices=ReferrerKind.choices)
    # Empty for direct visits; a host longer than this is cut (a real one rarely is).
    host = models.CharField(_("сайт"), max_length=HOST_MAX_LENGTH, blank=True)
    count = models.PositiveIntegerField(_("переходы"), default=0)

    class Meta:
        verbose_name = _("источник переходов за день")
        verbose_name_plural = _("источники переходов по дням")
        constraints = [
            # Also the index the per-article page reads a range of days from.
            models.UniqueConstraint(
                fields=["article", "date", "kind", "host"],
                name="%(app_label)s_%(class)s_one_row_per_host",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["search", "telegram", "direct", "other"]),
                name="%(app_label)s_%(class)s_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article_id} @ {self.date}: {self.kind} {self.host}"


class Ranking(models.TextChoices):
    TRENDING = "trending", _("Сейчас в тренде")
    DISCUSSED = "discussed", _("Обсуждаемое")


class Period(models.TextChoices):
    DAY = "day", _("за день")
    WEEK = "week", _("за неделю")
    MONTH = "month", _("за месяц")
    ALL = "all", _("за всё время")


PERIOD_DAYS = {Period.DAY: 1, Period.WEEK: 7, Period.MONTH: 30, Period.ALL: None}


# What a sidebar link shows of a ranked article.
SIDEBAR_LINK_FIELDS = (
    "position article__title article__slug article__excerpt article__series_number "
    "article__series__title article__views_count article__comments_count article__rubric__name "
    "article__rubric__slug"
).split()


class RankingEntryQuerySet(models.QuerySet):
    def of(self, ranking: str, period: str):
        """One ranking for one period, best first."""
        return self.filter(ranking=ranking, period=period).order_by("position")

    def article_ids(self, start: int, stop: int) -> list[int]:
        """The ids of the articles at positions start to stop - 1, best first."""
        positions = self.filter(position__gte=start, position__lt=stop)
        return list(positions.values_list("article_id", flat=True))

    def top_public(self, size: int):
        """The first `size` places whose articles are public now, with what a sidebar link shows:
        whatever the last rebuild saw, a link never leads to a 404."""
        return (
            self.filter(
                position__lt=size,
                article__status=Article.Status.PUBLISHED,
                article__published_at__lte=timezone.now(),
            )
            .select_related("article__rubric", "article__series")
            .only(*SIDEBAR_LINK_FIELDS)
        )


class RankingEntry(models.Model):
    """One position of a precomputed ranking for one period; rebuilt by
    ranking.rebuild_rankings()."""

    ranking = models.CharField(max_length=10, choices=Ranking.choices)
    period = models.CharField(max_length=5, choices=Period.choices)
    position = models.PositiveIntegerField()
    # No database constraint: the table is rebuilt whole every few minutes, and checking 50,000
    # keys on each rebuild costs more than the rest of it. Deleting an article still cascades.
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    rank = models.FloatField()

    objects = RankingEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("место в рейтинге")
        verbose_name_plural = _("места в рейтингах")
        constraints = [
            models.UniqueConstraint(
                fields=["ranking", "period", "position"],
                name="%(app_label)s_%(class)s_one_position",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ranking}/{self.period} #{self.position}"


class FlushedBatch(models.Model):
    """A batch of buffered views already applied; its unique id makes applying it twice fail."""

    batch_id = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return self.batch_id


class Counter(models.Model):
    """A counter every worker shares when there is no Redis (rate limits, view caps); one row
    per key, changed by single atomic upserts (articles.counters)."""

    name = models.CharField(max_length=250, primary_key=True)
    value = models.BigIntegerField(default=0)
    expires_at = models.BigIntegerField(db_index=True)  # Unix time: compared as plain numbers

    def __str__(self) -> str:
        return self.name


class ChatBlock(models.Model):
    """The community chat shown on every page; one row, edited in the admin."""

    name = models.CharField(_("название чата"), max_length=100)
    url = models.URLField(_("ссылка"))
    members_count = models.PositiveIntegerField(_("участников"), default=0)
    call_to_action = models.CharField(_("призыв"), max_length=100)
    is_visible = models.BooleanField(_("показывать"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("блок чата")
        verbose_name_plural = _("блок чата")

    def __str__(self) -> str:
        return self.name
