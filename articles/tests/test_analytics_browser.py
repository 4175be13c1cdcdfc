"""An editor in a real Chromium: the analytics page, then an article's charts, under the policy."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from accounts.permissions import EDITORS
from articles.rollups import rebuild_analytics
from articles.services import add_daily_stats, add_referrer_visits
from tests.test_csp import LISTEN

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_editor_reads_the_analytics_and_an_articles_charts(
    live_server, page, make_staff, make_article
):
    article = make_article(title="Как пережить первый тендер")
    today = timezone.localdate()
    for days_ago in range(1, 20):
        add_daily_stats(
            article_id=article.pk,
            date=today - datetime.timedelta(days_ago),
            views=100 - days_ago,
            engaged_reads=30,
            comments=days_ago % 3,
        )
    add_referrer_visits(article_id=article.pk, date=today, kind="telegram", host="t.me", count=4)
    rebuild_analytics()
    client = Client()
    client.force_login(make_staff(EDITORS, username="editor"))
    cookie = client.cookies["sessionid"].value
    page.context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])
    page.add_init_script(LISTEN)

    page.goto(live_server.url + "/admin/")
    page.get_by_role("link", name="Аналитика").click()
    assert page.get_by_role("heading", name="Итоги и изменение к предыдущему периоду").is_visible()
    page.locator("#id_days").select_option(label="за 30 дней")
    page.get_by_role("button", name="Показать").click()
    page.wait_for_url("**/analytics/?days=30*")
    page.get_by_role("link", name="Как пережить первый тендер").click()
    page.wait_for_url(f"**/admin/articles/article/{article.pk}/analytics/")

    chart = page.get_by_role("img", name="Просмотры и дочитывания по дням")
    assert chart.is_visible()
    assert chart.bounding_box()["height"] > 100
    assert page.locator("polyline.chart__line--views").count() == 1
    assert "Просмотры: всего 1\xa0710" in page.locator(".chart__description").first.inner_text()
    assert page.get_by_role("row", name="Telegram").is_visible()
    page.locator("#id_days").select_option(label="за 90 дней")
    page.get_by_role("button", name="Показать").click()
    page.wait_for_url("**?days=90")
    assert page.locator("#chart-reads table tbody tr").count() == 90  # the table behind the chart
    assert page.evaluate("window.cspViolations") == []
