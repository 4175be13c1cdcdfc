"""Search: Russian word forms, ranking, the user's syntax, filters, snippets that never let an
article's HTML through, the simpler mode of SQLite, hostile queries, a fixed number of queries."""

import datetime
import html
import re

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from articles import services
from articles.models import Article, Rubric, Tag
from articles.templatetags.search_tags import highlighted

SEARCH = reverse("articles:search")

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Russian stemming and ranking are PostgreSQL's; SQLite searches by substrings (CI "
    "runs these on PostgreSQL)",
)
sqlite_only = pytest.mark.skipif(
    connection.vendor == "postgresql", reason="SQLite's simpler search"
)


CARD_TITLE_RE = re.compile(r'<h2 class="card__title"><a href="[^"]*">(.*?)</a></h2>')


def card_titles(response) -> list[str]:
    """The titles of the cards on the page, in its order."""
    return [html.unescape(title) for title in CARD_TITLE_RE.findall(response.content.decode())]


def found(client, **params) -> list[str]:
    """The titles found, in the order of the page."""
    response = client.get(SEARCH, params)
    assert response.status_code == 200
    return card_titles(response)


@postgresql_only
def test_russian_word_forms_are_found(client, make_article):
    make_article(title="Как растут продажи", body="Текст.")
    make_article(title="Школа продаж", body="Текст.")
    make_article(title="Про маркетинг", body="Ничего общего.")
    assert sorted(found(client, q="продажам")) == ["Как растут продажи", "Школа продаж"]


@postgresql_only
def test_a_title_match_ranks_above_a_body_match(client, make_article):
    body_match = make_article(title="Разное", body="Здесь мимоходом сказано о переговорах.")
    title_match = make_article(title="Переговоры с закупками", body="Текст без того слова.")
    tag_match = make_article(title="Заметки", body="Текст.", tags=["переговоры"])
    # the newest first by date would be the body match: relevance must reorder them
    Article.objects.filter(pk=body_match.pk).update(published_at=timezone.now())
    assert found(client, q="переговорам") == [title_match.title, tag_match.title, body_match.title]
    assert found(client, q="переговорам", sort="new")[0] == body_match.title


@postgresql_only
def test_phrases_and_exclusions_as_in_search_engines(client, make_article):
    make_article(title="Холодные звонки без скрипта", body="Текст.")
    make_article(title="Звонки холодные и скрипт", body="Текст.")
    assert found(client, q='"холодные звонки"') == ["Холодные звонки без скрипта"]
    assert found(client, q="звонки -скрипт") == []
    assert len(found(client, q="звонки")) == 2


@postgresql_only
def test_the_document_follows_the_tags_and_their_names(client, make_article):
    article = make_article(title="Заметки", body="Текст.", tags=["воронка"])
    assert found(client, q="воронки") == ["Заметки"]
    tag = Tag.objects.get(name="воронка")
    tag.name = "конверсия"
    services.save_tag(tag=tag)
    assert found(client, q="воронки") == []
    assert found(client, q="конверсии") == ["Заметки"]
    services.delete_tags(tags=[tag])
    assert found(client, q="конверсии") == []
    article.title = "Новый заголовок про тендеры"
    services.save_article(article=article)
    assert found(client, q="тендер") == ["Новый заголовок про тендеры"]


@postgresql_only
def test_drafts_and_scheduled_articles_are_not_found(client, make_article):
    make_article(title="Черновик о тендерах", status=Article.Status.DRAFT)
    make_article(
        title="Будущее о тендерах", published_at=timezone.now() + datetime.timedelta(days=1)
    )
    assert found(client, q="тендеры") == []


def test_filters_by_rubric_and_period(client, make_article, rubric):
    other = Rubric.objects.create(name="Маркетинг", slug="marketing")
    make_article(title="Тендеры сегодня", rubric=other, published_at=timezone.now())
    old = make_article(title="Тендеры давно")
    Article.objects.filter(pk=old.pk).update(
        published_at=timezone.now() - datetime.timedelta(days=90)
    )
    assert sorted(found(client, q="Тендеры")) == ["Тендеры давно", "Тендеры сегодня"]
    assert found(client, q="Тендеры", rubric="marketing") == ["Тендеры сегодня"]
    assert found(client, q="Тендеры", period="month") == ["Тендеры сегодня"]
    assert found(client, q="Тендеры", period="year", rubric=rubric.slug) == ["Тендеры давно"]


@sqlite_only
def test_sqlite_finds_words_in_titles_leads_and_tags_whatever_their_case(client, make_article):
    make_article(title="Продажи в IT", body="Текст.")
    make_article(title="Заметки", lead="О продажах коротко.", body="Текст.")
    make_article(title="Разное", body="Текст.", tags=["Продажи"])
    make_article(title="Другое", body="Продажи только в тексте.")
    assert sorted(found(client, q="продаж")) == ["Заметки", "Продажи в IT", "Разное"]


@postgresql_only
def test_the_snippet_marks_the_words_and_escapes_everything_else(client, make_article):
    make_article(
        title="Разное",
        body='Про <script>alert("x")</script> скидки и <b onclick="x">скидку</b> в конце.',
    )
    html = client.get(SEARCH, {"q": "скидки"}).content.decode()
    assert "<mark>скидки</mark>" in html
    assert "<mark>скидку</mark>" in html
    assert "<script>alert" not in html
    assert "onclick" not in html


def test_highlighting_escapes_and_drops_stray_marks():
    snippet = "a <img src=x onerror=1> \ue000word\ue001 & \ue001tail\ue000"
    html = highlighted(snippet)
    assert "<img" not in html and "&lt;img" in html
    assert "<mark>word</mark>" in html
    assert "&amp;" in html
    assert "\ue000" not in html and "\ue001" not in html


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '""',
        '"незакрытая фраза',
        "-",
        "--",
        "- -",
        "OR",
        "or or or",
        "!",
        "&|!():*",
        "'; DROP TABLE articles_article; --",
        "' OR 1=1 --",
        "\\",
        "%",
        "_",
        "<script>alert(1)</script>",
        "и",  # a stop word only: an empty tsquery
        "🔥",
        "\u202e",
        "a" * 200,
        "слово " * 33,
    ],
)
def test_hostile_queries_get_an_answer(client, make_article, query):
    make_article(title="Продажи", body="Текст.")
    for sort in ("", "new"):
        response = client.get(SEARCH, {"q": query, "sort": sort})
        assert response.status_code == 200, query


@pytest.mark.parametrize(
    "params",
    [
        {"q": "a" * 10_000},
        {"q": "продажи", "rubric": "no-such"},
        {"q": "продажи", "period": "decade"},
        {"q": "продажи", "sort": "random"},
    ],
)
def test_bad_parameters_are_a_400_that_says_why(client, db, params):
    response = client.get(SEARCH, params)
    assert response.status_code == 400
    assert response.context["form"].errors


def test_a_nul_byte_is_a_400(client, db):
    assert client.get(SEARCH, {"q": "a\x00b"}).status_code == 400


def test_a_page_past_the_end_is_a_404(client, make_article):
    make_article(title="Продажи")
    assert client.get(SEARCH, {"q": "Продажи", "page": "99"}).status_code == 404
    assert client.get(SEARCH, {"q": "Продажи", "page": "x"}).status_code == 404


def test_pages_keep_the_query_and_filters(client, make_article, settings):
    settings.ARTICLES_PER_PAGE = 2
    for n in range(5):
        make_article(title=f"Тендеры {n}")
    response = client.get(SEARCH, {"q": "Тендеры", "sort": "new"})
    html = response.content.decode()
    tenders = "%D0%A2%D0%B5%D0%BD%D0%B4%D0%B5%D1%80%D1%8B"
    assert f'href="/search/?q={tenders}&amp;sort=new&amp;page=2"' in html
    second = client.get(SEARCH, {"q": "Тендеры", "sort": "new", "page": "2"})
    assert found(client, q="Тендеры", sort="new", page="2") == ["Тендеры 2", "Тендеры 3"]
    assert second.status_code == 200


def test_the_header_has_the_search_box_on_every_page(client, make_article):
    article = make_article(title="Продажи")
    for url in ("/", article.get_absolute_url(), "/accounts/login/"):
        html = client.get(url).content.decode()
        assert 'role="search"' in html, url
        assert f'action="{SEARCH}"' in html, url
        assert '<label class="visually-hidden" for="site-search-q">' in html, url


def test_the_search_page_is_never_stored_in_the_page_cache(client, make_article):
    make_article(title="Продажи")
    client.get(SEARCH, {"q": "Продажи"})
    response = client.get(SEARCH, {"q": "Продажи"})
    assert response.get("X-Page-Cache") is None
    assert response["X-Robots-Tag"] == "noindex"


# The form's rubrics, the count, the page's ids, their snippets (PostgreSQL), the tags and the
# authors whose names match, the cards' states, then the cards not in the cache (articles, their
# tags); the sidebar and the rubric menu on top. A page that finds little asks for a corrected
# query too. (The same search again is a hit: articles/tests/test_search_cache.py.)
SEARCH_QUERIES = 8 + (connection.vendor == "postgresql") + 4


@pytest.mark.parametrize("size", [3, 30])
def test_the_query_count_is_fixed(client, make_article, django_assert_num_queries, size):
    for n in range(size):
        make_article(title=f"Продажи номер {n}", tags=["продажи", f"тег {n % 3}"])
    with django_assert_num_queries(SEARCH_QUERIES):
        response = client.get(SEARCH, {"q": "продажи"})
    assert len(response.context["results"]) == min(size, 20)
    # Nothing found: the form's rubrics, the count, the tags and authors (the sidebar and the
    # menu are cached now, no ids to fetch, no card to load), and the lookup of similar words on
    # PostgreSQL.
    with django_assert_num_queries(4 + (connection.vendor == "postgresql")):
        response = client.get(SEARCH, {"q": "тендеры"})
    assert response.context["results"] == []


@postgresql_only
def test_a_typo_gets_a_suggestion_that_finds_the_articles(client, make_article):
    from articles.search_index import refresh_search_terms

    make_article(title="Как договориться о предоплате", body="Текст.")
    make_article(title="Ещё о предоплате и тендерах", body="Текст.", tags=["переговоры"])
    assert refresh_search_terms() > 0
    response = client.get(SEARCH, {"q": "предаплате тендерах", "sort": "new"})
    assert response.context["results"] == []
    assert response.context["suggestion"] == "предоплате тендерах"
    html = response.content.decode()
    assert "Возможно, вы искали:" in html
    link = "?q=%D0%BF%D1%80%D0%B5%D0%B4%D0%BE%D0%BF%D0%BB%D0%B0%D1%82%D0%B5+"
    assert link in html and "sort=new" in html
    assert found(client, q=response.context["suggestion"]) == ["Ещё о предоплате и тендерах"]
    # a query that finds enough is left alone
    assert "suggestion" not in client.get(SEARCH, {"q": "предоплате"}).context


@postgresql_only
def test_refreshing_the_words_twice_at_once_is_safe(make_article):
    from articles.models import SearchTerm
    from articles.search_index import refresh_search_terms

    make_article(title="Предоплата")
    assert refresh_search_terms() == refresh_search_terms()
    assert SearchTerm.objects.filter(word="предоплата").exists()


def test_authors_and_tags_whose_names_match_are_shown_above(client, make_article, make_user):
    writer = make_user(username="sokolova", display_name="Ирина Соколова")
    make_user(username="sokolov-reader", display_name="Соколов Читатель")  # wrote nothing
    make_article(title="Тендеры", author=writer, tags=["Соколовские тендеры"])
    response = client.get(SEARCH, {"q": "Соколов"})
    assert [author.username for author in response.context["authors"]] == ["sokolova"]
    assert [tag.name for tag in response.context["tags"]] == ["Соколовские тендеры"]
    html = response.content.decode()
    assert html.index("Ирина Соколова") < html.index('role="status"')  # above the articles


def test_the_opensearch_description(client, db, settings):
    response = client.get(reverse("articles:opensearch"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/opensearchdescription+xml")
    body = response.content.decode()
    assert body.startswith('<?xml version="1.0"')
    assert f'template="{settings.SITE_URL}/search/?q={{searchTerms}}"' in body
    home = client.get("/").content.decode()
    assert 'rel="search" type="application/opensearchdescription+xml"' in home


@postgresql_only
def test_an_article_saved_in_the_admin_is_found_by_its_new_tags(client, make_user, roles, rubric):
    from accounts.permissions import EDITORS

    editor = make_user(username="editor", is_staff=True)
    editor.groups.add(roles[EDITORS])
    client.force_login(editor)
    response = client.post(
        reverse("admin:articles_article_add"),
        {
            "title": "Новая статья",
            "slug": "novaia-statia",
            "rubric": rubric.pk,
            "author": editor.pk,
            "tags": "тендеры",
            "body": "Текст.",
            "status": "published",
            "published_at_0": "01.01.2020",
            "published_at_1": "10:00:00",
        },
    )
    assert response.status_code == 302
    client.logout()
    assert found(client, q="тендер") == ["Новая статья"]


@postgresql_only
def test_pages_run_from_the_summary_matches_to_the_body_matches(client, make_article, settings):
    settings.ARTICLES_PER_PAGE = 2
    in_titles = [make_article(title=f"Тендеры {n}", body="Текст.").title for n in range(3)]
    in_bodies = [make_article(title=f"Разное {n}", body="О тендерах.").title for n in range(3)]
    pages = [found(client, q="тендер", page=str(number)) for number in (1, 2, 3)]
    titles = [title for page in pages for title in page]
    assert titles == in_titles + in_bodies  # each part newest first (made oldest last)
