"""A reader searches from the header of a page in a real Chromium and opens what was found."""

import pytest
from django.db import connection

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_from_the_header_and_open_a_result(live_server, page, make_article):
    make_article(title="Как договориться о предоплате", body="Клиенты не любят предоплату.")
    make_article(title="Про маркетинг", body="Ничего общего.")
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(live_server.url + "/")
    box = page.get_by_role("searchbox", name="Поиск по статьям")
    # PostgreSQL finds the other forms of the word; SQLite needs a part of it
    box.fill("предоплата" if connection.vendor == "postgresql" else "предоплат")
    box.press("Enter")
    page.wait_for_url("**/search/?q=*")
    assert "Найдена 1 статья" in page.locator("main").inner_text()
    if connection.vendor == "postgresql":
        assert page.locator("main mark").first.inner_text().lower().startswith("предоплат")
    page.locator("main .card__title a").first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Как договориться о предоплате"
