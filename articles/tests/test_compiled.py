from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.compiled import LIMIT, NOW, OFFSET, CompiledQuery, CompiledRows
from articles.models import Article, Rubric, Series

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


def test_annotations_come_with_the_objects(make_article):
    from django.db.models import F, Value

    article = make_article()
    with_extra = CompiledQuery(
        lambda slug: Article.objects.filter(slug=slug).annotate(
            twice=F("views_count") * 2, label=Value("x")
        ),
        slug=STAND_IN,
    )
    Article.objects.filter(pk=article.pk).update(views_count=21)
    [found] = with_extra.objects(slug=article.slug)
    assert (found.pk, found.twice, found.label) == (article.pk, 42, "x")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL prepares statements")
def test_on_postgresql_the_statement_is_prepared_once_per_connection(make_article, settings):
    article = make_article()

    def prepared() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements")
            return cursor.fetchone()[0]

    before = prepared()
    for _ in range(3):
        with CaptureQueriesContext(connection) as queries:
            [found] = by_slug.objects(slug=article.slug, now=timezone.now())
        assert found.pk == article.pk
        # counted and logged as any other query, with its values
        [query] = queries.captured_queries
        assert query["sql"].startswith('SELECT "articles_article"."id"')
        assert f"'{article.slug}'" in query["sql"]
    assert prepared() == before + 1
    # off: as any other query
    settings.PREPARE_COMPILED_QUERIES = False
    other = CompiledQuery(lambda slug: Article.objects.filter(slug=slug), slug=STAND_IN)
    assert [a.pk for a in other.objects(slug=article.slug)] == [article.pk]
    assert prepared() == before + 1


RUBRIC = -424_242_099
newest_states = CompiledRows(
    lambda rubric, now, offset, limit: (
        Article.objects.published(now=now)
        .filter(rubric_id=rubric)
        .newest_first()
        .card_states()[offset : offset + limit]
    ),
    rubric=RUBRIC,
    now=NOW,
    offset=OFFSET,
    limit=LIMIT,
)


def test_rows_come_for_each_call_s_own_slice(make_article, rubric, django_assert_num_queries):
    articles = [make_article() for _ in range(5)]
    make_article(rubric=Rubric.objects.create(name="Другая", slug="drugaya"))
    expected = list(Article.objects.filter(rubric=rubric).newest_first().card_states())
    assert [a.pk for a in articles] == [row.id for row in expected]
    for offset, limit in ((0, 2), (1, 3), (4, 20), (9, 1)):
        with django_assert_num_queries(1):
            found = newest_states.rows(
                rubric=rubric.pk, now=timezone.now(), offset=offset, limit=limit
            )
        assert found == expected[offset : offset + limit]
    [first] = newest_states.rows(rubric=rubric.pk, now=timezone.now(), offset=0, limit=1)
    assert first._fields == expected[0]._fields  # named as values_list(named=True) names them


def test_rows_take_only_a_values_list():
    with pytest.raises(ValueError):
        CompiledRows(lambda now: Article.objects.published(now=now), now=NOW).rows(
            now=timezone.now()
        )


by_pk = CompiledQuery(lambda pk: Rubric.objects.filter(pk=pk), pk=-424_242_777)


def test_queries_together_give_what_each_gives_alone(make_article, django_assert_num_queries):
    """One statement on PostgreSQL (one after the other elsewhere); a query that finds nothing
    gives an empty list beside the others, and the objects are the same as alone: converted
    columns (a datetime), related objects, annotations."""
    from articles.compiled import objects_together

    article = make_article()
    now = timezone.now()
    alone = by_slug.objects(slug=article.slug, now=now)
    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 2):
        found, rubric = objects_together(
            (by_slug, {"slug": article.slug, "now": now}), (by_pk, {"pk": article.rubric_id})
        )
    assert [a.pk for a in found] == [a.pk for a in alone] and rubric == [article.rubric]
    assert found[0].published_at == alone[0].published_at and found[0].author == article.author
    missing, rubric = objects_together(
        (by_slug, {"slug": "no-such-article", "now": now}), (by_pk, {"pk": article.rubric_id})
    )
    assert missing == [] and rubric == [article.rubric]
    found, missing = objects_together(
        (by_slug, {"slug": article.slug, "now": now}), (by_pk, {"pk": 0})
    )
    assert [a.pk for a in found] == [article.pk] and missing == []
