from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import (
    Article,
    ArticleDailyStats,
    ArticleReferrerDaily,
    Period,
    Ranking,
    RankingEntry,
)
from articles.ranking import rebuild_rankings
from articles.services import add_daily_stats, add_referrer_visits, record_view, unpublish

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120 Safari/537.36"
ADDRESS = "198.51.100.20"


def ranking_titles(ranking, period):
    entries = RankingEntry.objects.filter(ranking=ranking, period=period).order_by("position")
    return [entry.article.title for entry in entries.select_related("article")]


def test_record_view_counts_once_per_visitor_and_skips_bots_and_author(make_article, make_user):
    article = make_article()

    def view(visitor, **kwargs):
        kwargs.setdefault("user_agent", BROWSER)
        return record_view(article=article, visitor=visitor, address=ADDRESS, **kwargs)

    assert view("a")
    assert not view("a")  # within 30 minutes
    assert view("b")
    assert not view("c", user_agent="Googlebot/2.1")
    assert not view("d", user_agent="")
    assert not view("e", user_agent="Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/130.0.0.0")
    assert not view("f", user=article.author)
    article.refresh_from_db()
    assert article.views_count == 2
    stats = ArticleDailyStats.objects.get(article=article, date=timezone.localdate())
    assert stats.views == 2


def test_record_view_ignores_unpublished(make_article):
    draft = make_article(status=Article.Status.DRAFT)
    assert not record_view(article=draft, visitor="a", address=ADDRESS, user_agent=BROWSER)


def test_trending_weighs_engagement_by_freshness(make_article):
    now = timezone.now()
    today = timezone.localdate()
    fresh = make_article(title="fresh", published_at=now - timedelta(hours=2))
    talked = make_article(title="talked", published_at=now - timedelta(hours=10))
    old = make_article(title="old", published_at=now - timedelta(hours=48))
    add_daily_stats(article_id=fresh.pk, date=today, views=10)  # 10 / 4^1.8 = 0.82
    add_daily_stats(article_id=talked.pk, date=today, comments=3)  # 15 / 12^1.8 = 0.17
    add_daily_stats(article_id=old.pk, date=today, views=50)  # 50 / 50^1.8 = 0.04
    Article.objects.filter(pk=old.pk).update(views_count=50)
    Article.objects.filter(pk=fresh.pk).update(views_count=10)
    Article.objects.filter(pk=talked.pk).update(comments_count=3)
    rebuild_rankings()
    assert ranking_titles(Ranking.TRENDING, Period.DAY) == ["fresh", "talked", "old"]
    # All time has no gravity: plain engagement, 50 > 15 > 10.
    assert ranking_titles(Ranking.TRENDING, Period.ALL) == ["old", "talked", "fresh"]
    entry = RankingEntry.objects.get(ranking=Ranking.TRENDING, period=Period.DAY, article=fresh)
    assert (entry.views, entry.comments) == (10, 0)
    assert entry.decay == pytest.approx(1 / 4**1.8, rel=0.01)
    assert entry.rank == pytest.approx(10 * entry.decay)


def test_trending_weighs_an_engaged_read_as_four_views(make_article):
    today = timezone.localdate()
    published = timezone.now() - timedelta(hours=3)
    read = make_article(title="read", published_at=published)
    clicked = make_article(title="clicked", published_at=published)
    add_daily_stats(article_id=read.pk, date=today, views=10, engaged_reads=4)  # 10 + 3 x 4 = 22
    add_daily_stats(article_id=clicked.pk, date=today, views=21)  # 21
    rebuild_rankings()
    assert ranking_titles(Ranking.TRENDING, Period.DAY) == ["read", "clicked"]
    entry = RankingEntry.objects.get(ranking=Ranking.TRENDING, period=Period.DAY, article=read)
    assert (entry.views, entry.engaged_reads) == (10, 4)
    assert entry.rank == pytest.approx(22 * entry.decay)


def test_windows_only_count_engagement_inside_them(make_article):
    today = timezone.localdate()
    article = make_article(title="last month")
    add_daily_stats(article_id=article.pk, date=today - timedelta(days=10), views=5, comments=1)
    rebuild_rankings()
    assert ranking_titles(Ranking.TRENDING, Period.WEEK) == []
    assert ranking_titles(Ranking.TRENDING, Period.MONTH) == ["last month"]


def test_ties_are_broken_by_date_then_id(make_article):
    published = timezone.now() - timedelta(hours=5)
    first = make_article(title="first", published_at=published)
    second = make_article(title="second", published_at=published)
    newer = make_article(title="newer", published_at=published + timedelta(minutes=1))
    for article in (first, second, newer):
        add_daily_stats(article_id=article.pk, date=timezone.localdate(), views=2)
        Article.objects.filter(pk=article.pk).update(views_count=2)
    rebuild_rankings()
    assert ranking_titles(Ranking.TRENDING, Period.ALL) == ["newer", "second", "first"]
    rebuild_rankings()  # rebuilding is repeatable
    assert ranking_titles(Ranking.TRENDING, Period.ALL) == ["newer", "second", "first"]


def test_rankings_leave_out_unpublished_and_future_articles(make_article):
    today = timezone.localdate()
    public = make_article(title="public")
    future = make_article(title="future", published_at=timezone.now() + timedelta(days=1))
    draft = make_article(title="draft", status=Article.Status.DRAFT)
    for article in (public, future, draft):
        add_daily_stats(article_id=article.pk, date=today, views=3)
    rebuild_rankings()
    assert ranking_titles(Ranking.TRENDING, Period.WEEK) == ["public"]
    unpublish(articles=[public])
    assert ranking_titles(Ranking.TRENDING, Period.WEEK) == []


def test_daily_stats_upsert_adds(make_article):
    article = make_article()
    today = timezone.localdate()
    add_daily_stats(article_id=article.pk, date=today, views=2)
    add_daily_stats(article_id=article.pk, date=today, views=3, comments=1, votes=-1)
    row = ArticleDailyStats.objects.get(article=article)
    assert (row.views, row.comments, row.votes) == (5, 1, -1)


def test_engaged_reads_add_up_beside_views(make_article):
    article, today = make_article(), timezone.localdate()
    add_daily_stats(article_id=article.pk, date=today, views=4)
    add_daily_stats(article_id=article.pk, date=today, engaged_reads=1)
    add_daily_stats(article_id=article.pk, date=today, engaged_reads=2, views=1)
    stats = ArticleDailyStats.objects.get(article=article, date=today)
    assert (stats.views, stats.engaged_reads) == (5, 3)


def test_referrer_visits_are_one_row_per_day_source_and_host(make_article):
    article, today = make_article(), timezone.localdate()
    add_referrer_visits(article_id=article.pk, date=today, kind="search", host="yandex.ru")
    add_referrer_visits(article_id=article.pk, date=today, kind="search", host="yandex.ru", count=2)
    add_referrer_visits(article_id=article.pk, date=today, kind="search", host="google.com")
    add_referrer_visits(article_id=article.pk, date=today, kind="other", host="x" * 300)
    rows = ArticleReferrerDaily.objects.filter(article=article).order_by("kind", "host")
    assert [(r.kind, r.host, r.count) for r in rows] == [
        ("other", "x" * ArticleReferrerDaily.HOST_MAX_LENGTH, 1),
        ("search", "google.com", 1),
        ("search", "yandex.ru", 3),
    ]


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Как преодолеть страх закрытия продаж", "kak-preodolet-strakh-zakrytiia-prodazh"),
        ("Истории сейлзов #101", "istorii-seilzov-101"),
    ],
)
def test_slug_is_transliterated_and_unique(make_article, title, slug):
    assert make_article(title=title).slug == slug
    assert make_article(title=title).slug == f"{slug}-2"


def test_save_computes_excerpt_and_reading_time(make_article):
    article = make_article(body="Слово " * 400, lead="")
    assert article.reading_time == 3
    assert article.excerpt.endswith("..") and len(article.excerpt) <= 302
    with_lead = make_article(lead="Короткий лид.")
    assert with_lead.excerpt == "Короткий лид."


def test_a_just_published_article_counts_views_at_once(client, make_article, signed_visitor):
    from articles.services import publish

    draft = make_article(status=Article.Status.DRAFT)
    url = f"/articles/{draft.pk}/view/"
    visitor = signed_visitor("visitor-1234")
    assert client.post(url, {"visitor": visitor}, HTTP_USER_AGENT=BROWSER).status_code == 404
    publish(articles=[draft])
    answer = client.post(url, {"visitor": visitor}, HTTP_USER_AGENT=BROWSER)
    assert answer.status_code == 200 and answer.json()["counted"]


@pytest.mark.django_db(transaction=True)
def test_the_rankings_migration_keeps_the_ranked_rows(make_article):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    article = make_article()
    executor = MigrationExecutor(connection)
    before = [("articles", "0006_shared_counters")]
    after = [("articles", "0007_rankings")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("articles", "FeedEntry")
    old.objects.create(feed="trending", period="week", position=0, article_id=article.pk, rank=2.5)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    new = executor.loader.project_state(after).apps.get_model("articles", "RankingEntry")
    assert list(new.objects.values_list("ranking", "period", "position", "article_id", "rank")) == [
        ("trending", "week", 0, article.pk, 2.5)
    ]
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
