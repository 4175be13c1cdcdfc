"""A page of a list is the page OFFSET gives, however deep, whatever changed since the list's
seek table was found (articles/listings.py)."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles import listings, services
from articles.models import Article, Rubric, Tag
from articles.search_index import index_articles
from config import cache_keys

PER_PAGE = 2
ARTICLES = 23


@pytest.fixture
def seek_every_three(monkeypatch, settings):
    """Seek tables with every third row, the rows before a page read from row 2 on."""
    monkeypatch.setattr(listings, "SEEK_STEP", 3)
    monkeypatch.setattr(listings, "SHALLOW_ROWS", 2)
    settings.ARTICLES_PER_PAGE = PER_PAGE


@pytest.fixture
def lists(make_article, rubric, seek_every_three):
    """ARTICLES articles, every other one in a second rubric and tagged "общий"; the three
    lists and their owners."""
    other = Rubric.objects.create(name="Переговоры", slug="peregovory")
    now = timezone.now()
    for n in range(ARTICLES):
        make_article(
            rubric=other if n % 2 else rubric,
            tags=["общий"] if n % 2 else ["другой"],
            # two articles at the same time: the id decides between them
            published_at=now - timedelta(hours=n // 2 if n < 4 else n),
        )
    tag = Tag.objects.get(name="общий")
    return [(listings.HOME, None), (listings.RUBRIC, other.pk), (listings.TAG, tag.pk)]


def plain(articles, owner, start, stop):
    """The rows OFFSET finds for this slice of the list now."""
    return [tuple(row) for row in articles.ordered(owner=owner).card_states()[start:stop]]


def assert_every_page_is_the_plain_one(lists):
    for articles, owner in lists:
        total = articles.count(owner)
        for start in range(total + PER_PAGE):
            found = [tuple(row) for row in articles.card_states(start, start + PER_PAGE, owner)]
            assert found == plain(articles, owner, start, start + PER_PAGE), (articles, start)


def test_every_page_is_the_page_offset_gives(lists):
    assert_every_page_is_the_plain_one(lists)  # the tables found on the way
    assert_every_page_is_the_plain_one(lists)  # and read from the cache
    for articles, owner in lists:
        assert cache.get(cache_keys.seek_table(articles.name, owner)) is not None


def test_a_deep_page_is_one_query_from_its_nearest_key(lists):
    home, _ = lists[0]
    home.card_states(10, 12)  # finds the table: the rows, the first scheduled article, the page
    with CaptureQueriesContext(connection) as queries:
        found = home.card_states(10, 12)
    assert len(queries) == 1
    # row 9 is the third key: the page skips one row after it, not ten
    assert "OFFSET 1" in queries[0]["sql"]
    assert [tuple(row) for row in found] == plain(home, None, 10, 12)


def test_new_withdrawn_and_moved_articles_move_the_deep_pages_at_once(lists, make_article):
    assert_every_page_is_the_plain_one(lists)
    make_article(published_at=timezone.now(), tags=["общий"])  # at the head
    assert_every_page_is_the_plain_one(lists)
    draft = make_article(
        status=Article.Status.DRAFT, published_at=timezone.now() - timedelta(hours=11, minutes=30)
    )
    services.publish(articles=[draft])  # keeping its date: in the middle of the list
    assert_every_page_is_the_plain_one(lists)
    services.unpublish(articles=[Article.objects.published().newest_first()[7]])
    assert_every_page_is_the_plain_one(lists)
    moved = Article.objects.published().newest_first()[2]
    moved.published_at -= timedelta(hours=9)
    services.save_article(article=moved)
    assert_every_page_is_the_plain_one(lists)
    retagged = Article.objects.published().newest_first()[12]
    retagged.tags.set(["общий"])
    index_articles(article_ids=[retagged.pk])  # as the admin does once the tags are saved
    assert_every_page_is_the_plain_one(lists)
    services.delete_articles(articles=[Article.objects.published().newest_first()[4]])
    assert_every_page_is_the_plain_one(lists)


def test_a_scheduled_article_moves_the_deep_pages_when_it_comes_out(
    lists, make_article, monkeypatch
):
    make_article(published_at=timezone.now() + timedelta(hours=1), tags=["общий"])
    assert_every_page_is_the_plain_one(lists)
    later = timezone.now() + timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert_every_page_is_the_plain_one(lists)


def test_without_the_cache_a_deep_page_steps_over_its_rows(lists, monkeypatch):
    monkeypatch.setattr(cache, "get_many", lambda keys: {})
    assert_every_page_is_the_plain_one(lists)


def test_a_deep_page_of_a_rubric_shows_the_articles_offset_finds(client, lists):
    _, rubric = lists[1]
    rubric = Rubric.objects.get(pk=rubric)
    for page in (1, 5, 6):
        start = (page - 1) * PER_PAGE
        ids = [row[0] for row in plain(listings.RUBRIC, rubric.pk, start, start + PER_PAGE)]
        html = client.get(reverse("articles:rubric", args=[rubric.slug]), {"page": page})
        shown = [a for a in Article.objects.filter(pk__in=ids) if f">{a.title}</a>" in html.text]
        assert sorted(a.pk for a in shown) == sorted(ids) and ids


@pytest.mark.parametrize(
    "page", ["13", "99", "99999999999999999999999", "-1", "0", "1e3", "abc", "12.0"]
)
def test_a_page_past_the_end_or_no_page_at_all_is_a_404(client, lists, page):
    assert client.get("/", {"page": page}).status_code == 404
    assert client.get(reverse("articles:tag", args=["obshchii"]), {"page": page}).status_code == 404
