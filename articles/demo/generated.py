"""Synthetic published articles for trying the site at size (`load_demo --articles N`).

Bodies are assembled from the sections of the hand-written articles, titles from the words in
site.toml; everything is written in bulk, with derived fields as `Article.save` derives them.
"""

import datetime
import random
import re

from django.contrib.auth import get_user_model
from django.utils import timezone

from articles import demo, markup
from articles.models import (
    Article,
    ArticleDailyStats,
    Rubric,
    Tag,
    TaggedArticle,
    transliterated_slug,
)
from articles.search_index import index_articles

GENERATED_PREFIX = "gen-"
GENERATED_BODY_VARIANTS = 120
GENERATED_DAYS = 365
STATS_DAYS = 60
BATCH_SIZE = 2000


class ArticleGenerator:
    """Synthetic articles for load tests, assembled from the hand-written sections."""

    def __init__(self):
        site = demo.site()
        self.rng = random.Random(GENERATED_PREFIX)
        self.rubrics = list(Rubric.objects.all())
        self.authors = list(
            get_user_model().objects.filter(username__in=[a["username"] for a in site["authors"]])
        )
        self.tags = list(Tag.objects.filter(name__in=site["tags"]))
        self.variants = self.body_variants()
        self.titles = [
            (f"{prefix} {topic}", transliterated_slug(f"{prefix} {topic}", max_length=80))
            for topic in site["generated"]["title_topics"]
            for prefix in site["generated"]["title_prefixes"]
        ]
        self.taken = set(
            Article.objects.filter(slug__startswith=GENERATED_PREFIX).values_list("slug", flat=True)
        )
        self.index = 0
        self.now = timezone.now()
        self.today = timezone.localdate()

    def body_variants(self) -> list[dict]:
        """Bodies of an intro and a few sections, each rendered once for the whole run."""
        intros, sections = [], []
        for item in demo.articles():
            intro, *rest = re.split(r"(?m)^(?=## )", item.body)
            intros.append(intro.strip())
            sections.extend(part.strip() for part in rest)
        variants = []
        for _ in range(GENERATED_BODY_VARIANTS):
            parts = [self.rng.choice(intros), *self.rng.sample(sections, self.rng.randint(2, 3))]
            body = "\n\n".join(parts) + "\n"
            variants.append({"body": body, **vars(markup.derive(body))})
        return variants

    def next_title_and_slug(self) -> tuple[str, str]:
        """The next title and a slug no article has; a slug depends only on its index."""
        while True:
            title, base = self.titles[self.index % len(self.titles)]
            slug = f"{GENERATED_PREFIX}{base}-{self.index}"
            self.index += 1
            if slug not in self.taken:
                return title, slug

    def next_article(self) -> tuple[Article, list[ArticleDailyStats]]:
        """An unsaved published article and its unsaved daily rows, views counted."""
        rng = self.rng
        title, slug = self.next_title_and_slug()
        published_at = self.now - datetime.timedelta(
            seconds=rng.randint(3600, GENERATED_DAYS * 86400)
        )
        published = timezone.localdate(published_at)
        age_days = min((self.today - published).days + 1, STATS_DAYS)
        days = rng.sample(range(age_days), min(age_days, rng.randint(2, 5)))
        rows = [
            ArticleDailyStats(date=published + datetime.timedelta(days=d), views=rng.randint(1, 40))
            for d in days
        ]
        article = Article(
            slug=slug,
            title=title,
            rubric=rng.choice(self.rubrics),
            author=rng.choice(self.authors),
            status=Article.Status.PUBLISHED,
            published_at=published_at,
            views_count=sum(row.views for row in rows),
            **rng.choice(self.variants),
        )
        return article, rows

    def create_batch(self, *, size: int) -> int:
        """Insert `size` published articles with their tags and daily statistics; returns size."""
        articles, tag_ids, stats = [], [], []
        for _ in range(size):
            article, rows = self.next_article()
            articles.append(article)
            tag_ids.append([tag.pk for tag in self.rng.sample(self.tags, self.rng.randint(2, 3))])
            stats.append(rows)
        Article.objects.bulk_create(articles, batch_size=BATCH_SIZE)
        TaggedArticle.objects.bulk_create(
            [
                TaggedArticle(content_object_id=article.pk, tag_id=tag_id)
                for article, ids in zip(articles, tag_ids, strict=True)
                for tag_id in ids
            ],
            batch_size=BATCH_SIZE,
        )
        for article, rows in zip(articles, stats, strict=True):
            for row in rows:
                row.article = article
        ArticleDailyStats.objects.bulk_create(
            [row for rows in stats for row in rows], batch_size=BATCH_SIZE
        )
        index_articles(article_ids=[article.pk for article in articles])
        self.taken.update(article.slug for article in articles)
        return size
