"""Rubrics, series and tags: how articles are grouped."""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from taggit.models import ItemBase, TagBase
from unidecode import unidecode


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


class TaggedArticleQuerySet(models.QuerySet):
    def names_by_article(self, article_ids) -> dict[int, list[str]]:
        """{article id: its tags' names, by name} for these articles, in one query."""
        names: dict[int, list[str]] = {}
        rows = self.filter(content_object_id__in=article_ids).order_by("tag__name")
        for article_id, name in rows.values_list("content_object_id", "tag__name"):
            names.setdefault(article_id, []).append(name)
        return names


class TaggedArticle(ItemBase):
    """Tag links with a real foreign key to the article, so joins and integrity stay simple."""

    objects = TaggedArticleQuerySet.as_manager()
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
