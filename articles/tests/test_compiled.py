from datetime import timedelta

from django.utils import timezone

from articles.compiled import NOW, CompiledQuery
from articles.models import Article, Series

STAND_IN = "\x00slug"
by_slug = CompiledQuery(
    lambda slug, now: (
        Article.objects.published(now=now)
        .select_related("rubric", "author", "series")
        .filter(slug=slug)
    ),
    slug=STAND_IN,
    now=NOW,
)


def test_runs_the_statement_with_the_real_values_and_the_time_now(
    make_article, django_assert_num_queries
):
    series = Series.objects.create(title="Серия", slug="seriya")
    article = make_article(series=series, series_number=2)
    later = make_article(published_at=timezone.now() + timedelta(minutes=1))
    draft = make_article(status=Article.Status.DRAFT)
    with django_assert_num_queries(1):
        [found] = by_slug.objects(slug=article.slug, now=timezone.now())
        assert (found.pk, found.title, found.series_number) == (
            article.pk,
            article.title,
            2,
        )
        assert found.rubric.name == article.rubric.name
        assert found.author.public_name == article.author.public_name
        assert found.series.title == "Серия"
    assert by_slug.objects(slug=draft.slug, now=timezone.now()) == []
    assert by_slug.objects(slug=later.slug, now=timezone.now()) == []
    # "now" is each call's own, not the first one's.
    [found_later] = by_slug.objects(slug=later.slug, now=timezone.now() + timedelta(minutes=2))
    assert found_later.pk == later.pk
    # The search columns stay unloaded, as with the manager's own queries.
    assert found.get_deferred_fields() == {"search_summary", "search_document"}


def test_an_article_without_a_series_has_none(make_article):
    article = make_article()
    [found] = by_slug.objects(slug=article.slug, now=timezone.now())
    assert found.series is None
