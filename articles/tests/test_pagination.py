"""Every list shows page numbers (1 … 4 5 6 … 50) with previous and next, and its own canonical
address and OpenGraph."""

import re

import pytest
from django.conf import settings as django_settings

NAV = re.compile(r'<nav class="pagination".*?</nav>', re.S)


def pagination(client, url, **params):
    html = client.get(url, params).content.decode()
    found = NAV.search(html)
    return found.group(0) if found else ""


def shown_numbers(nav):
    numbers = re.findall(r">(\d+|…)</(?:a|span|li)>", nav)
    return " ".join(numbers)


@pytest.fixture
def fifty_pages(make_article, settings):
    settings.ARTICLES_PER_PAGE = 1
    return [make_article() for _ in range(50)]


def test_page_numbers_elide_the_middle(client, fifty_pages):
    assert shown_numbers(pagination(client, "/", page=5)) == "1 … 4 5 6 … 50"
    assert shown_numbers(pagination(client, "/")) == "1 2 … 50"
    assert shown_numbers(pagination(client, "/", page=50)) == "1 … 49 50"
    assert shown_numbers(pagination(client, "/", page=3)) == "1 2 3 4 … 50"


def test_links_are_accessible_and_page_one_has_no_number(client, fifty_pages):
    nav = pagination(client, "/", page=2)
    assert 'aria-label="Страницы"' in nav
    assert '<span class="pagination__current" aria-current="page"' in nav
    assert 'aria-label="Страница 2 из 50">2</span>' in nav
    assert '<a class="pagination__step" rel="prev" href="/">' in nav
    assert '<a href="/" aria-label="Страница 1">1</a>' in nav
    assert 'rel="next" href="/?page=3"' in nav
    assert '<a href="/?page=50" aria-label="Страница 50">50</a>' in nav


def test_a_list_keeps_its_own_parameters(client, fifty_pages):
    nav = pagination(client, "/trending/", period="all", page=2)
    # no ranking was built: nothing to paginate; the parameters are checked on a rubric list
    assert nav == ""
    rubric = fifty_pages[0].rubric
    nav = pagination(client, rubric.get_absolute_url(), page=2)
    assert f'href="{rubric.get_absolute_url()}?page=3"' in nav


def test_one_page_shows_no_pagination(client, make_article):
    make_article()
    assert pagination(client, "/") == ""


def test_home_and_lists_carry_canonical_and_opengraph(client, fifty_pages):
    site = django_settings.SITE_URL
    html = client.get("/").content.decode()
    assert f'<link rel="canonical" href="{site}/">' in html
    assert '<meta property="og:type" content="website">' in html
    assert f'<meta property="og:url" content="{site}/">' in html
    rubric = fifty_pages[0].rubric
    html = client.get(rubric.get_absolute_url(), {"page": 3}).content.decode()
    canonical = f"{site}{rubric.get_absolute_url()}?page=3"
    assert f'<link rel="canonical" href="{canonical}">' in html
    assert f'<meta property="og:url" content="{canonical}">' in html
    assert f'<meta property="og:title" content="{rubric.name}">' in html
    html = client.get("/trending/", {"period": "all"}).content.decode()
    assert f'<link rel="canonical" href="{site}/trending/?period=all">' in html


def test_article_keeps_its_own_opengraph(client, make_article):
    article = make_article()
    html = client.get(article.get_absolute_url()).content.decode()
    assert '<meta property="og:type" content="article">' in html
    assert '<meta property="og:type" content="website">' not in html
