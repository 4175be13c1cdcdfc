from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, ChatBlock, Series
from articles.ranking import rebuild_rankings


@pytest.fixture
def chat(db):
    return ChatBlock.objects.create(
        name="Чат продавцов IT",
        url="https://t.me/example",
        members_count=1755,
        call_to_action="Заходите в чат",
    )


def test_home_lists_published_articles_as_cards(client, make_article, chat):
    article = make_article(title="Как продавать аутсорс", tags=["переговоры"])
    make_article(title="Черновик про скидки", status=Article.Status.DRAFT)
    make_article(title="Статья из будущего", published_at=timezone.now() + timedelta(days=3))
    rebuild_rankings()
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Как продавать аутсорс" in html
    assert article.rubric.name in html
    assert "#переговоры" in html
    assert "1 минута читать" in html
    assert "Черновик про скидки" not in html
    assert "Статья из будущего" not in html
    # the sidebar: chat block with the plural, both tabs, "see all"
    assert "Чат продавцов IT" in html and "1755 участников" in html
    assert "Сейчас в тренде" in html and "Обсуждаемое" in html and "Смотреть все" in html


def test_article_page_shows_every_element(client, make_article, chat):
    series = Series.objects.create(title="Истории сейлзов", slug="istorii")
    first = make_article(title="Первый выпуск", series=series, series_number=100)
    article = make_article(
        title="Разница между маркетингом и продажами",
        body="Текст " * 900,
        tags=["маркетинг", "продажи"],
        series=series,
        series_number=101,
    )
    last = make_article(title="Третий выпуск", series=series, series_number=102)
    Article.objects.filter(pk=article.pk).update(views_count=1234, comments_count=3)
    html = client.get(article.get_absolute_url()).content.decode()
    assert '<h1 class="article__title">Разница между маркетингом и продажами</h1>' in html
    assert article.author.get_absolute_url() in html
    assert "5 минут читать" in html
    assert "1,2 тыс." in html
    assert "#маркетинг" in html
    assert "Мнения" in html
    assert "Истории сейлзов #101" in html
    assert first.get_absolute_url() in html and last.get_absolute_url() in html
    assert 'rel="canonical"' in html and 'property="og:title"' in html
    assert '"@type": "Article"' in html
    assert reverse("articles:record_view", args=[article.pk]) in html


@pytest.mark.parametrize(
    ("status", "delta"),
    [(Article.Status.DRAFT, None), (Article.Status.PUBLISHED, timedelta(days=2))],
)
def test_drafts_and_scheduled_articles_are_hidden_but_previewable(
    client, make_article, make_user, status, delta
):
    fields = {"status": status}
    if delta:
        fields["published_at"] = timezone.now() + delta
    article = make_article(**fields)
    assert client.get(article.get_absolute_url()).status_code == 404
    preview = reverse("articles:preview", args=[article.slug])
    assert client.get(preview).status_code == 302  # to the admin login
    member = make_user()
    client.force_login(member)
    assert client.get(preview).status_code == 302
    client.force_login(make_user(is_staff=True))
    response = client.get(preview)
    assert response.status_code == 200
    assert article.title in response.content.decode()
    assert "noindex" in response.content.decode()
    assert client.post(reverse("articles:record_view", args=[article.pk])).status_code == 404


def test_list_pages(client, make_article, make_user):
    series = Series.objects.create(title="Серия", slug="seriya")
    author = make_user(username="ivan", display_name="Иван Петров")
    article = make_article(author=author, tags=["холодные звонки"], series=series, series_number=1)
    pages = [
        reverse("articles:rubric", args=[article.rubric.slug]),
        reverse("articles:tag", args=["kholodnye-zvonki"]),
        reverse("articles:author", args=["ivan"]),
        reverse("articles:series", args=["seriya"]),
    ]
    for url in pages:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        assert article.title in response.content.decode(), url


@pytest.mark.parametrize(
    "url",
    [
        "/?page=abc",
        "/?page=99",
        "/rubrics/nope/",
        "/tags/nope/",
        "/authors/nobody/",
        "/series/nope/",
        "/articles/nope/",
        "/trending/?period=year",
        "/trending/?page=-1",
    ],
)
def test_bad_input_is_a_styled_404(client, db, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "Такой страницы нет" in response.content.decode()


def test_ranking_list_with_period_filter(client, make_article):
    article = make_article(title="Горячая статья")
    from articles.services import add_daily_stats

    add_daily_stats(article_id=article.pk, date=timezone.localdate(), views=10, comments=2)
    rebuild_rankings()
    for ranking in ("trending", "discussed"):
        for period in ("day", "week", "month", "all"):
            response = client.get(reverse(f"articles:{ranking}"), {"period": period})
            assert response.status_code == 200
            html = response.content.decode()
            assert 'aria-current="page"' in html
            if ranking == "trending" or period != "all":
                assert "Горячая статья" in html, (ranking, period)


def test_language_switch_serves_english(client, make_article):
    make_article(title="Статья")
    html = client.get("/en/").content.decode()
    assert '<html lang="en"' in html
    assert "Trending now" in html and "See all" in html
    assert client.get("/").content.decode().count('<html lang="ru"') == 1


def test_healthz_and_robots(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get("/healthz").content == b"ok"
    robots = client.get("/robots.txt").content.decode()
    assert "Disallow: /admin/" in robots and "Sitemap: http://testserver/sitemap.xml" in robots


def test_favicon_ico_is_served_at_the_root(client, db):
    """Browsers and crawlers ask for /favicon.ico whatever the page links: a file, not a 404
    page built for each of them."""
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] in {"image/x-icon", "image/vnd.microsoft.icon"}
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_feeds_and_sitemap(client, make_article):
    article = make_article(title="Статья для ленты")
    hidden = make_article(title="Черновик", status=Article.Status.DRAFT)
    for url in (
        "/rss/",
        "/atom/",
        f"/rubrics/{article.rubric.slug}/rss/",
        "/sitemap-articles-0.xml",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert article.slug in body, url
        assert hidden.slug not in body, url


def test_pages_keep_order_and_new_articles_push_the_list_down(client, make_article, settings):
    settings.ARTICLES_PER_PAGE = 4
    # the factory dates each new article an hour further back
    newest_first = [make_article(title=f"Заметка {n:02d}").title for n in range(10)]

    def shown(page):
        html = client.get("/", {"page": page}).content.decode()
        return [t for t in newest_first if f">{t}</a>" in html]

    assert shown(1) == newest_first[:4]
    assert shown(3) == newest_first[8:]
    make_article(title="Заметка новая", published_at=timezone.now())
    html = client.get("/").content.decode()
    assert ">Заметка новая</a>" in html  # even while the list's count is cached
    assert shown(1) == newest_first[:3]
    assert client.get("/", {"page": 4}).status_code == 404  # the count refreshes within a minute
