"""A reader in a real Chromium: home, sidebar tabs, 'Смотреть все', an article and its counter."""

import pytest
from django.utils import timezone

from articles.models import (
    ArticleDailyStats,
    ArticleReferrerDaily,
    ChatBlock,
    Period,
    Ranking,
    RankingEntry,
)
from articles.ranking import rebuild_rankings
from articles.services import add_daily_stats

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(make_article):
    ChatBlock.objects.create(
        name="Чат продавцов IT",
        url="https://t.me/example",
        members_count=1755,
        call_to_action="Заходите в чат",
    )
    hot = make_article(title="Как пережить первый тендер", body="## План\n\nТекст. " * 200)
    talked = make_article(title="Спор о предоплате", tags=["переговоры"])
    add_daily_stats(article_id=hot.pk, date=timezone.localdate(), views=40)
    add_daily_stats(article_id=talked.pk, date=timezone.localdate(), comments=4)
    rebuild_rankings()
    # "Обсуждаемое" counts participants from comment rows, which this app's tests do not make.
    RankingEntry.objects.create(
        ranking=Ranking.DISCUSSED, period=Period.WEEK, position=0, article=talked, rank=1.0
    )
    return hot, talked


def test_reader_journey(live_server, page, demo):
    hot, _talked = demo
    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text() == "Свежее"
    assert page.get_by_text("1755 участников").is_visible()

    trending_tab = page.get_by_role("tab", name="Сейчас в тренде")
    discussed_tab = page.get_by_role("tab", name="Обсуждаемое")
    trending_panel = page.locator("#panel-trending")
    discussed_panel = page.locator("#panel-discussed")
    assert trending_tab.get_attribute("aria-selected") == "true"
    assert trending_panel.is_visible() and not discussed_panel.is_visible()

    discussed_tab.click()
    assert discussed_tab.get_attribute("aria-selected") == "true"
    assert discussed_panel.is_visible() and not trending_panel.is_visible()
    assert discussed_panel.get_by_text("Спор о предоплате").is_visible()

    discussed_tab.press("ArrowLeft")  # keyboard: arrows move between tabs
    assert trending_tab.get_attribute("aria-selected") == "true"
    assert page.evaluate("document.activeElement.id") == "tab-trending"

    trending_panel.get_by_role("link", name="Смотреть все").click()
    page.wait_for_url("**/trending/?period=week")
    assert page.locator("h1").inner_text() == "Сейчас в тренде"
    page.get_by_role("link", name="за всё время").click()
    page.wait_for_url("**/trending/?period=all")

    page.locator(".card__title a", has_text="Как пережить первый тендер").click()
    page.wait_for_url("**" + hot.get_absolute_url())
    assert page.locator("h1").inner_text() == "Как пережить первый тендер"
    assert page.get_by_text("3 минуты читать").first.is_visible()
    assert page.get_by_role("heading", name="Мнения").is_visible()
    counter = page.locator(".article__meta [data-views-count]")
    page.wait_for_function(
        "() => document.querySelector('.article__meta [data-views-count]')"
        ".dataset.viewsCount === '1'"
    )
    assert counter.inner_text() == "1"
    hot.refresh_from_db()
    assert hot.views_count == 1
    assert page.evaluate("localStorage.getItem('visitor')").count(":") == 1  # the signed id, kept
    with page.expect_response("**/view/") as reported:
        page.reload()
    assert reported.value.json()["counted"] is False  # the same reader within half an hour
    hot.refresh_from_db()
    assert hot.views_count == 1


def test_a_headless_browser_is_not_counted(live_server, browser, demo):
    hot, _ = demo
    context = browser.new_context(locale="ru-RU")  # Chromium's own agent: "HeadlessChrome"
    page = context.new_page()
    reports = []
    page.on("response", lambda r: reports.append(r.json()) if r.url.endswith("/view/") else None)
    page.goto(live_server.url + hot.get_absolute_url())
    page.wait_for_function("() => (localStorage.getItem('visitor') || '').includes(':')")
    page.wait_for_load_state("networkidle")
    context.close()
    # it got an id and reported again with it, as a reader's browser does, and was not counted
    assert [report["counted"] for report in reports] == [False, False]
    assert "visitor" in reports[0] and "visitor" not in reports[1]
    hot.refresh_from_db()
    assert hot.views_count == 0


def test_phone_layout_has_no_horizontal_scroll(live_server, browser, demo):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ru-RU")
    page = context.new_page()
    for path in ("/", demo[0].get_absolute_url(), "/trending/"):
        page.goto(live_server.url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
    context.close()


def test_an_engaged_read_is_reported_after_30_visible_seconds_and_the_text_read(
    live_server, page, demo
):
    hot, _ = demo
    page.clock.install()
    reads = []
    page.on("response", lambda r: reads.append(r.json()) if r.url.endswith("/read/") else None)
    with page.expect_response("**/view/"):
        page.goto(live_server.url + hot.get_absolute_url(), referer="https://t.me/sellers/1")
    page.wait_for_function("() => (localStorage.getItem('visitor') || '').includes(':')")
    page.clock.run_for(40_000)  # visible long enough, but the reader stayed at the top
    page.wait_for_timeout(500)  # a report would have had time to come back
    assert reads == []
    page.mouse.wheel(0, 100_000)
    with page.expect_response("**/read/") as reported:
        page.clock.run_for(2_000)
    assert reported.value.json() == {"counted": True}
    page.clock.run_for(60_000)
    page.wait_for_timeout(500)
    assert len(reads) == 1  # once per page load
    stats = ArticleDailyStats.objects.get(article=hot, date=timezone.localdate())
    assert (stats.views, stats.engaged_reads) == (41, 1)  # the demo's 40 views, and this one
    referrer = ArticleReferrerDaily.objects.get(article=hot)
    assert (referrer.kind, referrer.host, referrer.count) == ("telegram", "t.me", 1)
