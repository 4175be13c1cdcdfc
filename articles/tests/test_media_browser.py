"""An editor in a real Chromium: uploads a picture to the media library, copies its Markdown,
pastes it into a new article, sees the live preview, publishes, and finds the responsive picture
on the article's page, on a wide screen and on a phone. SCREENSHOT_DIR keeps the screenshots."""

import os
from pathlib import Path

import pytest

from accounts.permissions import EDITORS
from articles.models import Article
from images.models import Image
from images.tests.factories import picture_bytes
from tests.test_csp import LISTEN, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _violations(page) -> list[str]:
    return page.evaluate("window.cspViolations")


def test_an_editor_puts_a_library_picture_into_an_article(
    live_server, page, make_staff, rubric, tmp_path
):
    shots = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    site = live_server.url
    editor = make_staff(EDITORS, username="editor", display_name="Редактор")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site)
    page.add_init_script(LISTEN)
    log_in(page, live_server, editor)

    # The library: upload, then copy the picture's Markdown.
    page.goto(site + "/admin/images/image/add/")
    photo = picture_bytes("JPEG", size=(2400, 1350), color=(40, 110, 190))
    page.set_input_files(
        "input[name=upload]",
        files=[{"name": "doska.jpg", "mimeType": "image/jpeg", "buffer": photo}],
    )
    page.fill("input[name=alt]", "Доска со схемой сделки")
    page.click("input[name=_save]")
    image = Image.objects.get()
    copy = page.locator(".library-copy")
    copy.click()
    page.wait_for_function(
        "() => document.querySelector('.library-copy').textContent === 'Скопировано'"
    )
    assert page.evaluate("() => navigator.clipboard.readText()") == image.snippet
    page.screenshot(path=shots / "media-library.png", full_page=True)
    assert _violations(page) == []

    # The article form: paste the snippet, the preview shows the picture.
    page.goto(site + "/admin/articles/article/add/")
    page.fill("#id_title", "Сделка на одной доске")
    page.select_option("#id_rubric", str(rubric.pk))
    page.fill("#id_body", "Как мы рисуем сделку.\n\n")
    page.focus("#id_body")
    page.keyboard.press("End")
    page.keyboard.press("Control+End")
    page.keyboard.press("Control+V")
    preview_image = page.locator(".md-editor__preview img[srcset]")
    preview_image.wait_for()
    assert preview_image.get_attribute("alt") == "Доска со схемой сделки"
    assert "Как мы рисуем сделку." in page.locator(".md-editor__preview").inner_text()
    page.screenshot(path=shots / "article-form.png", full_page=True)
    page.select_option("#id_status", "published")
    # The admin's own shortcuts: a published article needs its date (the form checks it).
    page.get_by_role("link", name="Сегодня").click()
    page.get_by_role("link", name="Сейчас").click()
    page.click("input[name=_save]")
    page.wait_for_url(site + "/admin/articles/article/")
    article = Article.objects.get()
    assert image.snippet in article.body
    assert _violations(page) == []

    # The article's page: the picture with its renditions, sizes, and lazily loaded.
    for width, name in ((1280, "article-wide.png"), (390, "article-phone.png")):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(site + article.get_absolute_url())
        picture = page.locator(".prose img")
        assert picture.get_attribute("loading") == "lazy"
        assert (picture.get_attribute("width"), picture.get_attribute("height")) == ("1600", "900")
        assert picture.get_attribute("srcset").count("w,") == 2  # three widths
        picture.scroll_into_view_if_needed()
        page.wait_for_function(
            "() => { const i = document.querySelector('.prose img');"
            " return i.complete && i.naturalWidth > 0; }"
        )
        chosen = picture.evaluate("i => i.currentSrc")
        shown = picture.evaluate("i => i.getBoundingClientRect().width")
        assert chosen.endswith("-480.webp" if width == 390 else "-960.webp"), chosen
        assert shown <= width - 40
        page.screenshot(path=shots / name, full_page=False)
    assert _violations(page) == []
