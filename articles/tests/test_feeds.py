"""RSS and Atom carry titles and excerpts as text: a reader never gets markup from an article."""

from xml.etree import ElementTree

import pytest
from django.utils.html import escape

ATOM = "{http://www.w3.org/2005/Atom}"
TITLE = "<b>Скидки</b> & <script>alert(1)</script>"
LEAD = "Лид со <script>alert('lead')</script> & <img src=x onerror=alert(2)> внутри."


@pytest.fixture
def article(make_article):
    return make_article(title=TITLE, lead=LEAD)


def test_rss_holds_escaped_text_in_its_html_fields(client, article):
    response = client.get("/rss/")
    assert response.status_code == 200
    item = ElementTree.fromstring(response.content).find("channel/item")
    # RSS readers treat the description (and most of them the title) as HTML.
    assert item.findtext("description") == escape(article.excerpt)
    assert item.findtext("title") == escape(TITLE)
    assert "<script" not in item.findtext("description")


def test_rubric_rss_too(client, article):
    response = client.get(f"/rubrics/{article.rubric.slug}/rss/")
    item = ElementTree.fromstring(response.content).find("channel/item")
    assert item.findtext("description") == escape(article.excerpt)


def test_a_feed_lists_the_public_articles_of_its_rubric_newest_first(client, make_article):
    from datetime import timedelta

    from django.utils import timezone

    from articles.models import Article, Rubric

    other = Rubric.objects.create(name="Другая", slug="drugaya")
    older, newer = make_article(title="Старая"), make_article(title="Новая")
    older.published_at, newer.published_at = timezone.now() - timedelta(days=2), timezone.now()
    Article.objects.bulk_update([older, newer], ["published_at"])
    make_article(title="Чужая", rubric=other, published_at=timezone.now() - timedelta(days=1))
    make_article(title="Черновик", status=Article.Status.DRAFT)
    make_article(title="Завтрашняя", published_at=timezone.now() + timedelta(days=1))

    def titles(url):
        channel = ElementTree.fromstring(client.get(url).content).find("channel")
        return [item.findtext("title") for item in channel.findall("item")]

    assert titles(f"/rubrics/{older.rubric.slug}/rss/") == ["Новая", "Старая"]
    assert titles("/rubrics/drugaya/rss/") == ["Чужая"]
    assert titles("/rss/") == ["Новая", "Чужая", "Старая"]


def test_atom_holds_escaped_text_in_its_html_summary_and_a_text_title(client, article):
    response = client.get("/atom/")
    assert response.status_code == 200
    entry = ElementTree.fromstring(response.content).find(f"{ATOM}entry")
    summary = entry.find(f"{ATOM}summary")
    assert summary.get("type") == "html"
    assert summary.text == escape(article.excerpt)
    title = entry.find(f"{ATOM}title")
    assert title.get("type", "text") == "text"  # shown as it is: no markup is read from it
    assert title.text == TITLE


def test_a_feed_comes_from_the_cache_while_its_articles_are_the_same(
    client, article, make_article, django_assert_num_queries
):
    from articles import services

    first = client.get("/rss/")
    with django_assert_num_queries(1):  # its articles, to find the stored feed
        second = client.get("/rss/")
    assert second.content == first.content
    assert second["Last-Modified"] == first["Last-Modified"]
    assert second["Content-Type"] == first["Content-Type"]
    newer = make_article(title="Свежая статья")
    assert "Свежая статья" in client.get("/rss/").content.decode()  # a new list, a new key
    newer.title = "Свежая статья, исправленная"
    services.save_article(article=newer)
    assert "Свежая статья, исправленная" in client.get("/rss/").content.decode()
    services.unpublish(articles=[newer])
    assert "Свежая статья" not in client.get("/rss/").content.decode()


def test_a_members_feed_is_the_readers_feed(client, article, make_user):
    member = make_user(display_name="Секретное Имя")
    client.force_login(member)
    mine = client.get("/rss/")
    client.logout()
    client.cookies.clear()
    assert "Секретное Имя" not in client.get("/rss/").content.decode()
    assert client.get("/rss/").content == mine.content
