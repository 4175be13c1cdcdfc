"""An article taken down leaves every cached page on the very next request, whichever way."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, RankingEntry, Series
from articles.ranking import rebuild_rankings
from articles.services import add_daily_stats

TITLE = "Снятая с публикации статья"


@pytest.fixture
def site(make_article, rubric, settings):
    """A taken-down candidate that every kind of page shows, and a neighbour that links to it
    from its sidebar, its series navigation and its related articles."""
    settings.PAGE_CACHE_SECONDS = 60
    series = Series.objects.create(title="Разборы сделок", slug="razbory")
    target = make_article(
        title=TITLE, series=series, series_number=1, tags=["тендеры"], lead="Анонс снятой статьи."
    )
    neighbour = make_article(title="Соседний выпуск", series=series, series_number=2)
    add_daily_stats(article_id=target.pk, date=timezone.localdate(), views=50, comments=3)
    Article.objects.filter(pk=target.pk).update(comments_count=3, views_count=50)
    rebuild_rankings()
    target.refresh_from_db()
    pages = [
        "/",
        reverse("articles:rubric", args=[rubric.slug]),
        reverse("articles:tag", args=["tendery"]),
        reverse("articles:series", args=[series.slug]),
        "/trending/",
        "/trending/?period=all",
        "/discussed/",
        "/rss/",
        "/atom/",
        reverse("articles:rubric_feed", args=[rubric.slug]),
        neighbour.get_absolute_url(),  # sidebar, series navigation, related articles
    ]
    return target, pages


def warm(client, target, pages):
    for url in pages:
        client.get(url)
        response = client.get(url)
        assert response["X-Page-Cache"] == "hit", url
        assert TITLE in response.content.decode(), url
    assert client.get(target.get_absolute_url()).status_code == 200


def unpublish_action(admin_client, target):
    url = reverse("admin:articles_article_changelist")
    admin_client.post(url, {"action": "unpublish", "_selected_action": [target.pk]})


def change_form(admin_client, target, **changes):
    local = timezone.localtime(target.published_at)
    data = {
        "title": target.title,
        "slug": target.slug,
        "rubric": target.rubric_id,
        "author": target.author_id,
        "tags": "тендеры",
        "lead": target.lead,
        "body": target.body,
        "cover_alt": "",
        "series": target.series_id,
        "series_number": target.series_number,
        "status": target.status,
        "published_at_0": local.strftime("%d.%m.%Y"),
        "published_at_1": local.strftime("%H:%M:%S"),
        **changes,
    }
    response = admin_client.post(reverse("admin:articles_article_change", args=[target.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]


def draft_in_change_form(admin_client, target):
    change_form(admin_client, target, status=Article.Status.DRAFT)


def date_moved_ahead(admin_client, target):
    later = timezone.localtime() + timedelta(days=3)
    change_form(
        admin_client,
        target,
        published_at_0=later.strftime("%d.%m.%Y"),
        published_at_1=later.strftime("%H:%M:%S"),
    )


def delete_view(admin_client, target):
    url = reverse("admin:articles_article_delete", args=[target.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302


def delete_action(admin_client, target):
    url = reverse("admin:articles_article_changelist")
    admin_client.post(
        url, {"action": "delete_selected", "_selected_action": [target.pk], "post": "yes"}
    )


@pytest.mark.parametrize(
    "take_down",
    [unpublish_action, draft_in_change_form, date_moved_ahead, delete_view, delete_action],
)
def test_a_takedown_leaves_every_cached_page_at_once(client, admin_client, site, take_down):
    target, pages = site
    warm(client, target, pages)
    take_down(admin_client, target)
    assert not Article.objects.published().filter(pk=target.pk).exists()
    assert not RankingEntry.objects.filter(article_id=target.pk).exists()
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert TITLE not in response.content.decode(), url
    assert client.get(target.get_absolute_url()).status_code == 404


def test_an_edit_keeps_the_cached_pages_for_their_time(client, admin_client, site):
    """Not a takedown: readers get the cached page until it expires (the edit's own fragments
    and cards show it on the next rendering)."""
    target, pages = site
    warm(client, target, pages)
    change_form(admin_client, target, title="Исправленный заголовок")
    assert client.get("/")["X-Page-Cache"] == "hit"
    assert TITLE in client.get("/").content.decode()


def test_the_sidebar_never_links_to_an_article_that_is_not_public(client, make_article):
    """Even before the next rebuild, and whatever wrote the article row."""
    article = make_article(title=TITLE)
    add_daily_stats(article_id=article.pk, date=timezone.localdate(), views=10, comments=1)
    rebuild_rankings()
    Article.objects.filter(pk=article.pk).update(status=Article.Status.DRAFT)
    assert TITLE not in client.get("/").content.decode()
