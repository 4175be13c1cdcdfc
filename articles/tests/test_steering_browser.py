"""An editor in a real Chromium pins an article from "Почему в тренде"; a reader then finds it
first in the sidebar. SCREENSHOT_DIR keeps the screenshots."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.permissions import EDITORS
from articles.models import Steering, SteeringLog
from articles.ranking import rebuild_rankings
from articles.services import add_daily_stats
from tests.test_csp import LISTEN, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_editor_pins_and_a_reader_sees_it_first(
    live_server, browser, page, make_staff, make_article, tmp_path
):
    shots = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    site = live_server.url
    published = timezone.now() - timedelta(hours=3)
    for title, views in (("Тендер без боли", 30), ("Скидки и маржа", 20), ("Холодные письма", 5)):
        article = make_article(title=title, published_at=published)
        add_daily_stats(article_id=article.pk, date=timezone.localdate(), views=views)
    rebuild_rankings()
    editor = make_staff(EDITORS, username="editor", display_name="Редактор")
    page.add_init_script(LISTEN)
    log_in(page, live_server, editor)

    page.goto(site + "/admin/articles/steering/explain/")
    trending = page.locator("table", has=page.locator("caption", has_text="Сейчас в тренде"))
    row = trending.locator("tr", has_text="Холодные письма")
    assert row.locator("td").nth(2).inner_text() == "5"  # its views, one of the terms
    page.screenshot(path=shots / "steering-explain.png", full_page=True)
    row.get_by_role("link", name="решение…").click()
    page.select_option("#id_kind", "pin")
    page.fill("#id_position", "1")
    page.fill("#id_until_0", (timezone.localdate() + timedelta(days=2)).strftime("%d.%m.%Y"))
    page.fill("#id_until_1", "12:00")
    page.fill("#id_reason", "Выбор редакции: разбор недели")
    page.screenshot(path=shots / "steering-form.png", full_page=True)
    page.get_by_role("button", name="Принять решение").click()
    page.wait_for_url("**/admin/articles/steering/explain/")
    assert page.get_by_text("Решение принято").is_visible()
    assert page.evaluate("window.cspViolations") == []
    assert Steering.objects.get().created_by == editor
    assert SteeringLog.objects.get().reason == "Выбор редакции: разбор недели"

    reader = browser.new_context(viewport={"width": 390, "height": 844}, locale="ru-RU")
    home = reader.new_page()
    home.goto(site + "/")
    first = home.locator("#panel-trending .mini-card__title").first
    assert first.inner_text().strip().startswith("Холодные письма")
    home.screenshot(path=shots / "steering-sidebar.png", full_page=True)
    reader.close()
