"""The search results cache and the workers' copies of search pages: a hit shows what a miss
would, a change to the articles shows at once, each query, filter, page and language has an entry
of its own shared by everyone who asks (members with their own header), and a cache that does not
answer only makes every search a miss."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from articles import search_views, services
from articles.models import Article, Rubric
from articles.tests.test_search import card_titles
from config import cache_keys

SEARCH = reverse("articles:search")

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="passages are PostgreSQL's (CI runs these there)"
)

# A hit: the form's rubrics (the page is the worker's copy).
HIT_QUERIES = 1
# A miss on a page of cards already in the card cache: the rubrics, the count, the page's ids,
# their passages (PostgreSQL only), the tags and the authors whose names match, the cards' states.
MISS_QUERIES = 6 + (connection.vendor == "postgresql")


titles = card_titles


def test_a_hit_shows_what_the_miss_showed(client, make_article, make_user):
    writer = make_user(username="tendernik", display_name="Автор о тендерах")
    for n in range(3):
        make_article(title=f"Тендеры {n}", author=writer, tags=["тендеры"])
    miss = client.get(SEARCH, {"q": "тендер"})
    hit = client.get(SEARCH, {"q": "тендер"})
    assert miss.status_code == hit.status_code == 200
    assert titles(hit) == titles(miss) == ["Тендеры 0", "Тендеры 1", "Тендеры 2"]
    assert "Найдено 3 статьи" in miss.content.decode()
    assert [tag.name for tag in miss.context["tags"]] == ["тендеры"]
    assert [author.username for author in miss.context["authors"]] == ["tendernik"]
    assert hit.content == miss.content
    search_views.shown_pages.clear()  # another worker: the page from the stored results
    assert client.get(SEARCH, {"q": "тендер"}).content == miss.content


@postgresql_only
def test_a_hit_keeps_the_passages_and_the_suggestion(client, make_article):
    from articles.search_index import refresh_search_terms

    make_article(title="Разное", body="Здесь сказано о предоплате и <b>скидках</b>.")
    refresh_search_terms()
    for _ in range(2):
        html = client.get(SEARCH, {"q": "скидки"}).content.decode()
        assert "<mark>скидках</mark>" in html and "<b>" not in html
    for _ in range(2):
        html = client.get(SEARCH, {"q": "разнае"}).content.decode()
        assert 'Возможно, вы искали: <a href="?q=%D1%80' in html and ">разное</a>" in html


@postgresql_only
def test_passages_show_the_words_and_not_the_markdown(client, make_article):
    from articles.search_index import refresh_search_terms

    body = (
        "## Скидки по пятницам при цене < 100\n\n"
        "- **скидка** для [постоянных](https://example.com/a) клиентов\n"
        "> скидки `не` для всех\n1. ![скидка на фото](/media/a.png) ещё одна"
    )
    make_article(title="Разное", body=body)
    refresh_search_terms()
    html = client.get(SEARCH, {"q": "скидка"}).content.decode()
    passage = html.split('<p class="card__excerpt card__excerpt--found">', 1)[1].split("</p>")[0]
    assert "<mark>Скидки</mark> по пятницам при цене &lt; 100" in passage  # a lone "<" is text
    assert "<mark>скидка</mark> для постоянных клиентов" in passage
    for mark in ("##", "*", "](", "example.com", "&gt;", "`", "1.", "!"):
        assert mark not in passage


def test_the_cards_counters_are_read_again_once_the_workers_copy_is_gone(client, make_article):
    article = make_article(title="Тендеры")
    client.get(SEARCH, {"q": "Тендеры"})
    Article.objects.filter(pk=article.pk).update(views_count=4321)
    assert "4321 просмотр" not in client.get(SEARCH, {"q": "Тендеры"}).content.decode()
    search_views.shown_pages.clear()  # as SEARCH_PAGE_SECONDS passing does
    assert "4321 просмотр" in client.get(SEARCH, {"q": "Тендеры"}).content.decode()


def test_a_takedown_shows_at_once(client, make_article):
    from articles.caching import bump_content_generation

    article = make_article(title="Тендеры")
    client.get(SEARCH, {"q": "Тендеры"})
    Article.objects.filter(pk=article.pk).update(views_count=4321)
    bump_content_generation()  # a comment hidden, say: its count changes
    assert "4321 просмотр" in client.get(SEARCH, {"q": "Тендеры"}).content.decode()


def test_members_share_the_page_below_their_own_header(client, make_article, make_user):
    make_article(title="Тендеры")
    member = make_user(display_name="Участница Тендерова")
    client.force_login(member)
    first = client.get(SEARCH, {"q": "Тендеры"})
    assert titles(first) == ["Тендеры"] and "Участница Тендерова" in first.content.decode()
    client.logout()
    anonymous = client.get(SEARCH, {"q": "Тендеры"})
    assert titles(anonymous) == ["Тендеры"]
    assert "Участница Тендерова" not in anonymous.content.decode()
    assert "Войти" in anonymous.content.decode()
    client.force_login(make_user(display_name="Другой Участник"))
    other = client.get(SEARCH, {"q": "Тендеры"}).content.decode()
    assert "Другой Участник" in other and "Участница Тендерова" not in other


def test_each_language_has_its_own_page(client, make_article):
    make_article(title="Тендеры")
    russian = client.get(SEARCH, {"q": "Тендеры"}).content.decode()
    english = client.get("/en" + SEARCH, {"q": "Тендеры"}).content.decode()
    assert "Найдена 1 статья" in russian and "Найдена 1 статья" not in english
    assert client.get(SEARCH, {"q": "Тендеры"}).content.decode() == russian


def test_a_published_article_is_found_at_once_and_a_withdrawn_one_is_gone(client, make_article):
    make_article(title="Тендеры вчера")
    draft = make_article(title="Тендеры сегодня", status=Article.Status.DRAFT)
    assert titles(client.get(SEARCH, {"q": "Тендеры"})) == ["Тендеры вчера"]
    assert titles(client.get(SEARCH, {"q": "Тендеры"})) == ["Тендеры вчера"]  # a hit
    services.publish(articles=Article.objects.filter(pk=draft.pk))  # as the admin's action does
    assert titles(client.get(SEARCH, {"q": "Тендеры"})) == ["Тендеры сегодня", "Тендеры вчера"]
    services.unpublish(articles=Article.objects.filter(pk=draft.pk))
    assert titles(client.get(SEARCH, {"q": "Тендеры"})) == ["Тендеры вчера"]


def test_an_edit_and_a_deletion_show_at_once(client, make_article):
    article = make_article(title="Тендеры и закупки")
    assert titles(client.get(SEARCH, {"q": "Тендеры"})) == ["Тендеры и закупки"]
    assert titles(client.get(SEARCH, {"q": "Закупки"})) == ["Тендеры и закупки"]
    article.title = "Тендеры без конкурса"
    services.save_article(article=article)
    assert titles(client.get(SEARCH, {"q": "Тендеры"})) == ["Тендеры без конкурса"]
    assert titles(client.get(SEARCH, {"q": "Закупки"})) == []
    services.delete_articles(articles=[article])
    assert titles(client.get(SEARCH, {"q": "Тендеры"})) == []


def test_filters_and_pages_have_entries_of_their_own(client, make_article, rubric, settings):
    settings.ARTICLES_PER_PAGE = 2
    other = Rubric.objects.create(name="Маркетинг", slug="marketing")
    for n in range(3):
        make_article(title=f"Тендеры {n}")
    make_article(title="Тендеры в маркетинге", rubric=other)
    pages = [titles(client.get(SEARCH, {"q": "Тендеры", "page": page})) for page in "12"]
    assert pages == [["Тендеры 0", "Тендеры 1"], ["Тендеры 2", "Тендеры в маркетинге"]]
    assert titles(client.get(SEARCH, {"q": "Тендеры", "rubric": "marketing"})) == [
        "Тендеры в маркетинге"
    ]
    assert titles(client.get(SEARCH, {"q": "Тендеры", "rubric": rubric.slug, "page": "2"})) == [
        "Тендеры 2"
    ]
    newest = titles(client.get(SEARCH, {"q": "Тендеры", "sort": "new"}))
    assert newest == ["Тендеры 0", "Тендеры 1"]
    assert client.get(SEARCH, {"q": "Тендеры", "page": "3"}).status_code == 404
    keys = {
        cache_keys.search_results(query="Тендеры", rubric="", period="", sort="", page="1"),
        cache_keys.search_results(query="Тендеры", rubric="", period="", sort="", page="2"),
        cache_keys.search_results(
            query="Тендеры", rubric="marketing", period="", sort="", page="1"
        ),
        cache_keys.search_results(query="Тендеры", rubric="", period="week", sort="", page="1"),
        cache_keys.search_results(query="Тендеры", rubric="", period="", sort="new", page="1"),
        cache_keys.search_results(query="Тендерам", rubric="", period="", sort="", page="1"),
    }
    assert len(keys) == 6


def test_the_entry_is_shared_by_everyone_and_its_key_keeps_no_query_text(
    client, make_article, make_user, rubric
):
    article = make_article(title="Тендеры")
    assert titles(client.get(SEARCH, {"q": "Тендеры  ", "rubric": rubric.slug})) == ["Тендеры"]
    # Moved without a word to the search cache: only the stored entry still finds it here.
    other = Rubric.objects.create(name="Маркетинг", slug="marketing")
    Article.objects.filter(pk=article.pk).update(rubric=other)
    client.force_login(make_user())
    response = client.get(SEARCH, {"q": "  Тендеры", "rubric": rubric.slug})
    assert titles(response) == ["Тендеры"]
    key = cache_keys.search_results(query="Тендеры", rubric="", period="", sort="", page="1")
    assert "Тендеры" not in key


@pytest.mark.parametrize("size", [3, 30])
def test_the_query_count_of_a_miss_and_a_hit_is_fixed(
    client, make_article, django_assert_num_queries, size
):
    for n in range(size):
        make_article(title=f"Продажи номер {n}", tags=["продажи", f"тег {n % 3}"])
    client.get(SEARCH, {"q": "продажи", "sort": "new"})  # the cards, the sidebar and the menu
    with django_assert_num_queries(MISS_QUERIES):
        response = client.get(SEARCH, {"q": "продажи"})
    assert len(response.context["results"]) == min(size, 20)
    with django_assert_num_queries(HIT_QUERIES):
        response = client.get(SEARCH, {"q": "продажи"})
    assert len(titles(response)) == min(size, 20)
    search_views.shown_pages.clear()  # another worker: the stored results, the cards' states
    with django_assert_num_queries(HIT_QUERIES + 1):
        response = client.get(SEARCH, {"q": "продажи"})
    assert len(titles(response)) == min(size, 20)
    # Nothing found: the rubrics, the count, the names, the lookup of similar words on
    # PostgreSQL; then only the rubrics.
    with django_assert_num_queries(4 + (connection.vendor == "postgresql")):
        assert client.get(SEARCH, {"q": "тендеры"}).context["results"] == []
    with django_assert_num_queries(1):
        assert titles(client.get(SEARCH, {"q": "тендеры"})) == []


def test_with_the_cache_down_every_search_is_a_miss_that_answers(client, make_article, settings):
    make_article(title="Тендеры")
    client.get(SEARCH, {"q": "Тендеры"})
    settings.CACHES = {
        "default": {"BACKEND": "config.cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    for views in (10, 20):
        Article.objects.update(views_count=views)
        response = client.get(SEARCH, {"q": "Тендеры"})
        assert response.status_code == 200
        assert titles(response) == ["Тендеры"]
        assert f"{views} просмотр" in response.content.decode()  # no generation, no copy


def test_without_a_lifetime_nothing_is_stored(client, make_article, settings):
    settings.SEARCH_CACHE_SECONDS = 0
    make_article(title="Тендеры")
    for views in (10, 20):
        Article.objects.update(views_count=views)
        response = client.get(SEARCH, {"q": "Тендеры"})
        assert titles(response) == ["Тендеры"]
        assert f"{views} просмотр" in response.content.decode()  # no worker's copy either
    key = cache_keys.search_results(query="Тендеры", rubric="", period="", sort="", page="1")
    assert cache.get(key) is None
