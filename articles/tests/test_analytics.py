"""The admin's analytics: the numbers against hand-made statistics, who may see them, and a fixed
number of queries whatever the size of the site."""

import datetime
import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.permissions import EDITORS, MODERATORS
from articles import analytics
from articles.models import (
    AnalyticsBuild,
    ArticlePeriodStats,
    ArticleReferrerDaily,
    Rubric,
    SiteDailyStats,
)
from articles.rollups import rebuild_analytics
from articles.services import add_daily_stats, add_referrer_visits

TODAY = timezone.localdate()  # the page always speaks of the days before the real today
SITE_URL = "/admin/articles/article/analytics/"


def ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


def _joined(make_user, username: str, days_ago: int):
    moment = datetime.datetime.combine(
        ago(days_ago), datetime.time(12), timezone.get_current_timezone()
    )
    user = make_user(username=username)
    type(user).objects.filter(pk=user.pk).update(date_joined=moment)
    return user


@pytest.fixture
def site(make_article, make_user, rubric):
    """Two articles in two rubrics by two authors, with days in and out of every period."""
    other_rubric = Rubric.objects.create(name="Переговоры", slug="peregovory")
    first_author = make_user(username="anna", display_name="Анна Крылова")
    second_author = make_user(username="oleg", display_name="Олег Ветров")
    hot = make_article(title="Горячая", author=first_author, rubric=rubric)
    calm = make_article(title="Спокойная", author=second_author, rubric=other_rubric)
    days = [
        # article, days ago, views, engaged reads, comments, votes
        (hot, 0, 999, 999, 99, 99),  # today: in no period yet
        (hot, 1, 100, 30, 4, 2),  # yesterday: in every period
        (hot, 2, 50, 10, 1, 0),  # the day before: 1 day's "before", in 7 and 30
        (hot, 10, 200, 20, 0, 5),  # the 7 days' "before", in 30
        (hot, 40, 70, 7, 7, 7),  # the 30 days' "before"
        (calm, 1, 40, 20, 2, 4),
        (calm, 5, 10, 0, 0, -1),
        (calm, 61, 1000, 0, 0, 0),  # older than anything the page compares
    ]
    for article, days_ago, views, engaged, comments, votes in days:
        add_daily_stats(
            article_id=article.pk,
            date=ago(days_ago),
            views=views,
            engaged_reads=engaged,
            comments=comments,
            votes=votes,
        )
    _joined(make_user, "new-yesterday", 1)
    _joined(make_user, "new-last-week", 3)
    _joined(make_user, "new-two-weeks", 12)
    assert rebuild_analytics()
    return hot, calm


def _cells(report, label):
    row = next(row for row in report.totals if row.label == label)
    return [(cell.value, cell.before, cell.change) for cell in row.cells]


def test_totals_and_their_change_against_the_period_before(site):
    report = analytics.site_report(days=7, order="views")
    assert report.built_for == TODAY
    assert [(p.days, p.first, p.last) for p in report.periods] == [
        (1, ago(1), ago(1)),
        (7, ago(7), ago(1)),
        (30, ago(30), ago(1)),
    ]
    # 1 day: yesterday against the day before; 7: days 1-7 against 8-14; 30: 1-30 against 31-60
    assert _cells(report, "Просмотры") == [(140, 50, 180), (200, 200, 0), (400, 70, 471)]
    assert _cells(report, "Дочитывания") == [(50, 10, 400), (60, 20, 200), (80, 7, 1043)]
    assert _cells(report, "Комментарии") == [(6, 1, 500), (7, 0, None), (7, 7, 0)]
    assert _cells(report, "Голоса") == [(6, 0, None), (5, 5, 0), (10, 7, 43)]
    assert _cells(report, "Новые участники") == [(1, 0, None), (2, 1, 100), (3, 0, None)]


def test_top_articles_of_a_period_with_engagement_per_100_views(site):
    hot, calm = site
    week = analytics.site_report(days=7, order="views").top
    assert [(row.article_id, row.views, row.engaged_reads) for row in week] == [
        (hot.pk, 150, 40),
        (calm.pk, 50, 20),
    ]
    assert (week[0].engaged_per_100, week[0].comments_per_100, week[0].votes_per_100) == (
        26.7,
        3.3,
        1.3,
    )
    by_votes = analytics.site_report(days=30, order="votes").top
    assert [(row.article_id, row.votes) for row in by_votes] == [(hot.pk, 7), (calm.pk, 3)]
    day = analytics.site_report(days=1, order="engaged_reads").top
    assert [(row.article_id, row.engaged_reads) for row in day] == [(hot.pk, 30), (calm.pk, 20)]


def test_top_articles_filtered_by_rubric_and_author(site):
    hot, calm = site
    by_rubric = analytics.site_report(days=30, order="views", rubric_id=calm.rubric_id).top
    assert [row.article_id for row in by_rubric] == [calm.pk]
    by_author = analytics.site_report(days=30, order="views", author_id=hot.author_id).top
    assert [row.article_id for row in by_author] == [hot.pk]
    assert (
        analytics.site_report(
            days=30, order="views", rubric_id=calm.rubric_id, author_id=hot.author_id
        ).top
        == []
    )


def test_a_build_runs_once_a_day_and_twice_changes_nothing(site):
    rows = list(
        ArticlePeriodStats.objects.values_list("article_id", "days", "views").order_by("pk")
    )
    assert rebuild_analytics(today=TODAY) is False  # built already
    assert rebuild_analytics(today=TODAY, force=True) is True
    again = list(
        ArticlePeriodStats.objects.values_list("article_id", "days", "views").order_by("pk")
    )
    assert sorted(again) == sorted(rows)
    assert SiteDailyStats.objects.count() == 7  # the days with anything among the last 60
    assert AnalyticsBuild.objects.get().built_for == TODAY


def test_the_command_builds_for_today(make_article, capsys):
    article = make_article()
    add_daily_stats(
        article_id=article.pk, date=timezone.localdate() - datetime.timedelta(1), views=3
    )
    call_command("rebuild_analytics")
    call_command("rebuild_analytics")
    out = capsys.readouterr().out
    assert "analytics rebuilt" in out and "already built today" in out
    assert ArticlePeriodStats.objects.get(article=article, days=1).views == 3


def test_before_the_first_build_the_page_says_so(client, make_staff):
    client.force_login(make_staff(EDITORS))
    page = client.get(SITE_URL).content.decode()
    assert "Сводка ещё не собрана" in page


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_an_editor_sees_the_numbers(client, make_staff, site, settings):
    hot, _calm = site
    client.force_login(make_staff(EDITORS))
    index = client.get("/admin/").content.decode()
    assert f'href="{SITE_URL}"' in index
    response = client.get(SITE_URL, {"days": "30", "order": "views"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Итоги и изменение к предыдущему периоду" in page
    assert f'href="/admin/articles/article/{hot.pk}/analytics/"' in page
    assert "Горячая" in page and "Спокойная" in page
    listing = client.get("/admin/articles/article/").content.decode()
    assert f'href="/admin/articles/article/{hot.pk}/analytics/"' in listing
    change = client.get(f"/admin/articles/article/{hot.pk}/change/").content.decode()
    assert f'href="/admin/articles/article/{hot.pk}/analytics/"' in change


def test_the_author_filter_lists_the_authors_and_keeps_the_one_chosen(
    client, make_staff, make_user, make_article, site
):
    hot, calm = site
    make_article(author=make_user(username="odd", display_name='<b>Жирный</b> "автор"'))
    client.force_login(make_staff(EDITORS))
    page = client.get(SITE_URL, {"days": "30", "author": hot.author_id}).content.decode()
    select = page.split('<select name="author" id="id_author">', 1)[1].split("</select>")[0]
    assert '<option value="">все авторы</option>' in select
    assert f'<option value="{hot.author_id}" selected>Анна Крылова</option>' in select
    assert f'<option value="{calm.author_id}">Олег Ветров</option>' in select
    assert "&lt;b&gt;Жирный&lt;/b&gt; &quot;автор&quot;" in select and "<b>" not in select
    assert select.count(" selected") == 1


def test_big_numbers_are_grouped_by_thousands(client, make_staff, site):
    hot, _ = site
    add_daily_stats(article_id=hot.pk, date=ago(3), views=1_234_567)
    assert rebuild_analytics(force=True)
    client.force_login(make_staff(EDITORS))
    page = client.get(SITE_URL, {"days": "30"}).content.decode()
    assert "1\xa0234\xa0967" in page  # the 30 days' views, in the totals and the top
    assert page.count("1\xa0234\xa0917") == 1  # the hot article's, in the top
    stats = client.get(f"/admin/articles/article/{hot.pk}/analytics/").content.decode()
    assert "Просмотров: 1\xa0235\xa0916" in stats  # its last 30 days, today's too


@pytest.mark.parametrize(
    "query",
    [{"days": "2"}, {"order": "score"}, {"rubric": "999999"}, {"author": "x"}, {"days": "1e9"}],
)
def test_bad_filters_are_a_400_with_a_message(client, make_staff, site, query):
    client.force_login(make_staff(EDITORS))
    response = client.get(SITE_URL, query)
    assert response.status_code == 400
    assert "Такого фильтра нет" in response.content.decode()


def test_members_and_moderators_do_not_get_in(client, make_user, make_staff, site):
    hot, _ = site
    pages = [SITE_URL, f"/admin/articles/article/{hot.pk}/analytics/"]
    client.force_login(make_user(username="reader"))
    assert [client.get(url).status_code for url in pages] == [302, 302]  # to the admin's login
    client.force_login(make_staff(MODERATORS, username="mod"))
    assert [client.get(url).status_code for url in pages] == [403, 403]
    assert SITE_URL not in client.get("/admin/").content.decode()


def test_an_articles_days_and_sources(client, make_staff, make_article):
    article = make_article(title="Статья с графиком")
    today = timezone.localdate()
    add_daily_stats(article_id=article.pk, date=today, views=12, engaged_reads=5)
    add_daily_stats(
        article_id=article.pk, date=today - datetime.timedelta(3), views=30, comments=2, votes=3
    )
    add_daily_stats(article_id=article.pk, date=today - datetime.timedelta(45), views=500)
    for kind, host, count in [
        ("search", "yandex.ru", 20),
        ("search", "google.com", 5),
        ("telegram", "t.me", 10),
        ("direct", "", 7),
    ]:
        add_referrer_visits(
            article_id=article.pk,
            date=today - datetime.timedelta(3),
            kind=kind,
            host=host,
            count=count,
        )
    add_referrer_visits(
        article_id=article.pk,
        date=today - datetime.timedelta(45),
        kind="other",
        host="vc.ru",
        count=9,
    )
    report = analytics.article_report(article, days=30)
    assert report.totals == {"views": 42, "engaged_reads": 5, "comments": 2, "votes": 3}
    reads, reactions = report.charts
    assert [line.series.values[-1] for line in reads.lines] == [12, 5]  # today, the last day
    assert [line.series.values[-4] for line in reactions.lines] == [2, 3]
    assert len(reads.days) == 30 and reads.days[-1] == today
    assert [(s.kind, s.visits, s.share, s.hosts) for s in report.sources] == [
        ("search", 25, 59.5, [("yandex.ru", 20), ("google.com", 5)]),
        ("telegram", 10, 23.8, [("t.me", 10)]),
        ("direct", 7, 16.7, []),
    ]
    assert analytics.article_report(article, days=90).totals["views"] == 542

    client.force_login(make_staff(EDITORS))
    url = f"/admin/articles/article/{article.pk}/analytics/"
    page = client.get(url).content.decode()
    assert '<svg class="chart__svg"' in page and "<title " in page and "<desc " in page
    assert "style=" not in page.split('<div id="content-main"')[1]  # the policy forbids them
    text = _text(page)
    assert "Просмотры: всего 42, больше всего" in text  # the description
    assert "поисковые системы 25 59,5 %" in text
    assert client.get(url, {"days": "90"}).status_code == 200
    assert client.get(url, {"days": "7"}).status_code == 400
    assert client.get("/admin/articles/article/999999/analytics/").status_code == 404
    assert ArticleReferrerDaily.objects.count() == 5  # a GET wrote nothing


def _grow(make_article, count: int) -> None:
    today = timezone.localdate()
    for n in range(count):
        article = make_article(title=f"Статья {n}")
        for days_ago in (1, 3, 20):
            day = today - datetime.timedelta(days_ago)
            add_daily_stats(article_id=article.pk, date=day, views=10 + n, engaged_reads=n)
            add_referrer_visits(article_id=article.pk, date=day, kind="search", host=f"s{n}.ru")


@pytest.mark.parametrize("size", [2, 30])
def test_the_pages_cost_the_same_whatever_the_size(
    client, make_staff, make_article, django_assert_num_queries, size
):
    _grow(make_article, size)
    rebuild_analytics()
    editor = make_staff(EDITORS)
    article = ArticlePeriodStats.objects.order_by("-views").first().article
    client.force_login(editor)
    client.get(SITE_URL)  # the authors of the filter, cached for 10 minutes
    # session, user, permissions (2), the build, the totals, the top, the chat block (the app
    # list asks whether one may be added), the rubrics
    with django_assert_num_queries(9):
        response = client.get(SITE_URL, {"days": "30"})
    assert response.status_code == 200
    assert response.content.decode().count('href="/admin/articles/article/') >= min(size, 25)
    # filtered: the rubric is looked up too
    with django_assert_num_queries(10):
        filtered = client.get(
            SITE_URL, {"days": "7", "rubric": article.rubric_id, "author": article.author_id}
        )
    assert filtered.status_code == 200
    assert "Статья" in filtered.content.decode()
    # session, user, permissions (2), the article, its days, its sources, the chat block
    with django_assert_num_queries(8):
        assert client.get(f"/admin/articles/article/{article.pk}/analytics/").status_code == 200
