"""Readers who are not logged in share the renderings of the article's vote and of the
discussion's frame (reading.fragments): the page built from them is the page built without,
a change of what they show is a new key, and nothing of a member is ever in them."""

import re
import time

import pytest
from django.test import Client
from django.urls import reverse

from discussions import services
from discussions.reading import fragments
from discussions.versions import FRESH_COOKIE, FRESH_SECONDS

TOKEN = re.compile(r'name="csrfmiddlewaretoken"')


@pytest.fixture
def built(settings):
    """Every request builds the page (no page cache)."""
    settings.PAGE_CACHE_SECONDS = 0
    return settings


def _page(url: str, client: Client | None = None) -> str:
    response = (client or Client()).get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_from_the_renderings_is_the_page_rendered_anew(article, make_comment, built):
    make_comment(body="Первое мнение")
    url = article.get_absolute_url()
    first = _page(url)
    assert {key[0] for key in fragments._values} == {"thread", "actions"}
    again = _page(url)
    fragments.clear()
    assert again == first == _page(url)
    assert "Первое мнение" in again


def test_what_a_rendering_shows_is_in_its_key(article, make_comment, member, other_member, built):
    url = article.get_absolute_url()
    assert 'class="comments__count">0<' in _page(url)
    comment = make_comment(author=other_member, body="Новое мнение")
    html = _page(url)
    assert "Новое мнение" in html and "1 мнение</a>" in html  # the count in the actions
    services.cast_vote(user=member, target=article, value=1)
    article.refresh_from_db()
    assert "vote__score--positive" in _page(url)
    assert "\u22121" not in _page(url)
    services.cast_vote(user=member, target=comment, value=-1)
    assert "\u22121" in _page(url)  # the comment's score
    # another order, another part of the frame
    assert 'aria-current="true" class="is-current">новые' in _page(f"{url}?sort=newest")


def test_a_closed_discussion_shows_at_once(article, make_comment, built):
    make_comment()
    url = article.get_absolute_url()
    assert "Войдите</a> или" in _page(url)
    article.discussion_closed = True
    article.save()
    html = _page(url)
    assert "Обсуждение закрыто" in html and "Войдите</a> или" not in html


def test_nothing_of_a_member_reaches_the_shared_renderings(
    article, make_comment, member, other_member, built
):
    theirs = make_comment(author=other_member, body="Мнение Олега")
    services.cast_vote(user=member, target=theirs, value=1)
    services.cast_vote(user=member, target=article, value=1)
    url = article.get_absolute_url()
    client = Client()
    client.force_login(member)
    member_html = _page(url, client)
    assert "Мария Петрова" in member_html and TOKEN.search(member_html)
    assert not fragments._values  # a member's page is rendered for them, not kept
    html = _page(url)
    for private in ("Мария Петрова", 'aria-pressed="true"', "thread-actions", "Выйти"):
        assert private not in html, private
    assert not TOKEN.search(html)
    for key, rendering in fragments.get_many(list(fragments._values)).items():
        assert not TOKEN.search(rendering) and "Мария Петрова" not in rendering, key
    # and the member still gets their own after the readers' renderings exist
    assert 'aria-pressed="true"' in _page(url, client)


def test_readers_take_the_threads_version_from_the_workers_copy_and_the_writer_the_current_one(
    article, member, other_member, redis_cache, settings
):
    """One Redis round trip less on a page: a new comment reaches readers and members within
    LOCAL_SECONDS (a takedown at once); its author, whose write set the cookie, sees it on the
    next page, and only while the cookie says so."""
    from articles.caching import bump_content_generation

    settings.PAGE_CACHE_SECONDS = 0
    url = article.get_absolute_url()
    reader = Client()
    reader.force_login(member)
    assert "Свежее мнение" not in _page(url) and "Свежее мнение" not in _page(url, reader)
    writer = Client()
    writer.force_login(other_member)
    posted = writer.post(
        reverse("discussions:comment_create", args=[article.pk]), {"body": "Свежее мнение"}
    )
    assert posted.status_code == 302
    assert posted.cookies[FRESH_COOKIE]["max-age"] == FRESH_SECONDS
    assert "Свежее мнение" not in _page(url)  # this worker's copy of the version
    assert "Свежее мнение" not in _page(url, reader)  # another member's too
    assert "Свежее мнение" in _page(url, writer)
    writer.cookies[FRESH_COOKIE] = str(int(time.time()) - 1)  # a browser that kept it too long
    assert "Свежее мнение" not in _page(url, writer)
    writer.cookies[FRESH_COOKIE] = "9" * 11 + "²"  # digits, but not ASCII ones: no 500
    assert "Свежее мнение" not in _page(url, writer)
    refused = writer.post(reverse("discussions:comment_create", args=[article.pk]), {"body": ""})
    assert refused.status_code >= 400 and FRESH_COOKIE not in refused.cookies
    bump_content_generation()  # a takedown drops the worker's copies
    assert "Свежее мнение" in _page(url) and "Свежее мнение" in _page(url, reader)
