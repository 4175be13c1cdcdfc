"""A comment hidden or deleted leaves every cached page on the very next request."""

import pytest
from django.test import Client
from django.urls import reverse

from articles.views import COMMENT_SORTS
from discussions import services
from discussions.thread import DEFAULT_SORT, SORTS

BODY = "Грубый комментарий, который снимут"


def count_on_card(html: str) -> str:
    marker = "Комментарии:</span> <span>"
    return html.split(marker, 1)[1].split("<", 1)[0]


@pytest.fixture
def cached(settings, article, make_comment, member):
    settings.PAGE_CACHE_SECONDS = 60
    settings.RATE_LIMITS_ENABLED = False
    comment = make_comment(body=BODY)
    reader = Client()
    pages = [article.get_absolute_url(), f"{article.get_absolute_url()}?sort=newest"]
    for url in pages:
        reader.get(url)
        assert reader.get(url)["X-Page-Cache"] == "hit"
        assert BODY in reader.get(url).content.decode()
    reader.get("/")
    assert count_on_card(reader.get("/").content.decode()) == "1"
    return comment, reader, pages


def hide_on_the_page(comment, moderator, **_):
    client = Client()
    client.force_login(moderator)
    url = reverse("discussions:comment_moderate", args=[comment.pk])
    assert client.post(url, {"action": "hide"}).status_code == 302


def author_deletes(comment, member, **_):
    client = Client()
    client.force_login(member)
    assert client.post(reverse("discussions:comment_delete", args=[comment.pk])).status_code == 302


def admin_action(comment, admin_client, **_):
    url = reverse("admin:discussions_comment_changelist")
    admin_client.post(url, {"action": "soft_delete", "_selected_action": [comment.pk]})


def reports_hide(comment, make_user, settings, **_):
    settings.COMMENT_HIDE_AFTER_REPORTS = 2
    for _ in range(2):
        services.report_comment(comment=comment, reporter=make_user(), reason="spam")


@pytest.mark.parametrize(
    "take_down", [hide_on_the_page, author_deletes, admin_action, reports_hide]
)
def test_a_comment_taken_down_leaves_every_cached_page_at_once(
    cached, take_down, moderator, member, admin_client, make_user, settings
):
    comment, reader, pages = cached
    take_down(
        comment,
        moderator=moderator,
        member=member,
        admin_client=admin_client,
        make_user=make_user,
        settings=settings,
    )
    comment.refresh_from_db()
    assert not comment.is_visible
    for url in pages:
        assert BODY not in reader.get(url).content.decode(), url
    assert count_on_card(reader.get("/").content.decode()) == "0"
    assert BODY not in reader.get(member.get_absolute_url()).content.decode()


def test_the_article_page_is_cached_by_the_threads_orders():
    assert set(COMMENT_SORTS.values) == set(SORTS)
    assert COMMENT_SORTS.default == DEFAULT_SORT
