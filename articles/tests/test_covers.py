"""Covers and pictures in the text: responsive <img> with their sizes, on cards, on the article
page and in its OpenGraph; covers uploaded from the article form are checked like any picture."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from accounts.permissions import EDITORS
from articles.models import Article
from images.models import Image
from images.tests.factories import make_image, picture_bytes, png_bomb, upload


class _Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images, self.meta = [], {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs)
        if tag == "meta" and attrs.get("property", "").startswith("og:image"):
            self.meta[attrs["property"]] = attrs["content"]


def _parsed(response) -> _Images:
    parser = _Images()
    parser.feed(response.content.decode())
    return parser


def _responsive(attrs: dict, image: Image) -> bool:
    urls = [rendition.file.url for rendition in image.renditions.order_by("width")]
    return (
        attrs.get("srcset")
        == ", ".join(f"{url} {w}w" for url, w in zip(urls, (480, 960, 1600), strict=True))
        and attrs["width"] == "1600"
        and attrs["height"] == str(round(1600 * image.height / image.width))
        and bool(attrs.get("sizes"))
    )


@pytest.fixture
def cover():
    return make_image(alt="Переговорная с доской", size=(2000, 1250))


def test_the_cover_shows_on_the_card_lazily(client, make_article, cover):
    article = make_article(title="Статья с обложкой", cover=cover)

    images = _parsed(client.get("/")).images

    card_cover = [attrs for attrs in images if _responsive(attrs, cover)]
    assert len(card_cover) == 1
    attrs = card_cover[0]
    assert attrs["loading"] == "lazy" and attrs["alt"] == ""  # the title beside it says it all
    assert article.get_absolute_url() in client.get("/").content.decode()


def test_the_article_page_shows_the_cover_and_carries_it_as_og_image(
    client, make_article, cover, settings
):
    article = make_article(title="Статья с обложкой", cover=cover, cover_alt="Доска со схемой")

    page = _parsed(client.get(article.get_absolute_url()))

    shown = [attrs for attrs in page.images if attrs.get("srcset") and _responsive(attrs, cover)]
    assert len(shown) == 1
    assert shown[0]["alt"] == "Доска со схемой" and "loading" not in shown[0]  # above the fold
    assert page.meta == {
        "og:image": f"{settings.SITE_URL}{cover.file.url}",  # absolute, the kept JPEG
        "og:image:width": "2000",
        "og:image:height": "1250",
        "og:image:alt": "Доска со схемой",
    }


def test_an_article_without_a_cover_has_no_og_image(client, make_article):
    article = make_article()
    assert _parsed(client.get(article.get_absolute_url())).meta == {}


def test_a_new_cover_shows_on_the_cached_card(client, make_article, cover):
    article = make_article(title="Статья без обложки")
    assert cover.renditions.first().file.url not in client.get("/").content.decode()

    # Even written without touching updated_at, the cover is part of the card's key.
    Article.objects.filter(pk=article.pk).update(cover=cover)

    assert cover.renditions.first().file.url in client.get("/").content.decode()


def test_a_library_picture_in_the_text_is_responsive(client, make_article, cover):
    article = make_article(body=f"Начало.\n\n![Схема сделки]({cover.reference})\n\nКонец.")

    prose = [a for a in _parsed(client.get(article.get_absolute_url())).images if "srcset" in a]

    assert len(prose) == 1
    assert prose[0]["alt"] == "Схема сделки" and _responsive(prose[0], cover)
    assert prose[0]["loading"] == "lazy" and prose[0]["decoding"] == "async"


ADD = "/admin/articles/article/add/"


def _article_form(author, rubric, **fields):
    return {
        "title": "Статья редактора",
        "slug": "",
        "rubric": rubric.pk,
        "author": author.pk,
        "body": "Текст статьи.",
        "status": "draft",
        "lead": "",
        "cover_alt": "",
        **fields,
    }


@pytest.fixture
def editor(make_staff):
    return make_staff(EDITORS, username="redaktor")


def test_an_editor_uploads_a_cover_from_the_article_form(client, editor, rubric):
    client.force_login(editor)
    data = picture_bytes("JPEG", size=(1800, 1000))
    form = _article_form(editor, rubric, cover_upload=upload(data, "cover.jpg", "image/jpeg"))

    response = client.post(ADD, form)

    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get()
    assert article.cover.alt == "Статья редактора" and article.cover.uploaded_by == editor
    assert [r.width for r in article.cover.renditions.order_by("width")] == [480, 960, 1600]


def test_a_huge_cover_is_refused_and_nothing_is_stored(client, editor, rubric):
    client.force_login(editor)
    form = _article_form(editor, rubric, cover_upload=upload(png_bomb(12_000, 12_000), "b.png"))

    response = client.post(ADD, form)

    assert response.status_code == 200
    assert "Картинка слишком большая" in response.content.decode()
    assert not Article.objects.exists() and not Image.objects.exists()


def test_a_cover_is_picked_from_the_library(client, editor, rubric, cover):
    client.force_login(editor)

    response = client.post(ADD, _article_form(editor, rubric, cover=cover.pk))

    assert response.status_code == 302
    assert Article.objects.get().cover == cover
    assert Image.objects.count() == 1


def test_a_text_naming_a_picture_the_library_lacks_is_an_error(client, editor, rubric, cover):
    client.force_login(editor)
    body = f"![есть]({cover.reference})\n\n![нет](image:{cover.pk + 1000})"

    response = client.post(ADD, _article_form(editor, rubric, body=body))

    assert response.status_code == 200
    assert f"В медиатеке нет картинки image:{cover.pk + 1000}" in response.content.decode()
    assert not Article.objects.exists()


def test_the_article_form_shows_the_preview_and_the_latest_pictures(client, editor, cover):
    client.force_login(editor)

    html = client.get(ADD).content.decode()

    assert reverse("admin:articles_article_markdown_preview") in html
    assert f'data-snippet="{cover.snippet}"' in html
    assert reverse("admin:images_image_add") in html
    assert "/static/js/admin_media.js" in html and "Предпросмотр" in html
