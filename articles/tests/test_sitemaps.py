"""sitemap.xml: an index of sections of at most SITEMAP_SECTION_SIZE addresses that together list
every public article and every rubric, tag, series and author's page."""

import re

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from articles.models import Article, Rubric, Series, Tag

LOC = re.compile(r"<loc>([^<]+)</loc>")


def locations(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/xml")
    return LOC.findall(response.content.decode())


def every_listed_address(client):
    """Every address the sitemap lists, through its index."""
    found = []
    for section in locations(client, "/sitemap.xml"):
        found += locations(client, section.removeprefix(django_settings.SITE_URL))
    return found


def test_sections_hold_at_most_the_limit_and_together_every_public_article(
    client, make_article, settings
):
    settings.SITEMAP_SECTION_SIZE = 3
    public = [make_article() for _ in range(10)]
    draft = make_article(status=Article.Status.DRAFT)
    scheduled = make_article(published_at=timezone.now() + timezone.timedelta(days=1))
    public[4].delete()  # a gap in the ids: a section holds fewer, never more
    public.pop(4)

    sections = [url for url in locations(client, "/sitemap.xml") if "/sitemap-articles-" in url]
    assert len(sections) >= 4  # ten articles, three ids to a section
    listed = []
    for section in sections:
        in_section = locations(client, section.removeprefix(settings.SITE_URL))
        assert 1 <= len(in_section) <= 3
        listed += in_section
    assert sorted(listed) == sorted(f"{settings.SITE_URL}{a.get_absolute_url()}" for a in public)
    assert not any(draft.slug in url or scheduled.slug in url for url in listed)


def test_index_carries_each_article_sections_latest_change(client, make_article, settings):
    settings.SITEMAP_SECTION_SIZE = 1000
    articles = [make_article() for _ in range(3)]
    latest = max(a.updated_at for a in articles)
    body = client.get("/sitemap.xml").content.decode()
    section = settings.SITE_URL + f"/sitemap-articles-{articles[0].pk // 1000}.xml"
    assert f"<loc>{section}</loc><lastmod>{latest.isoformat(timespec='seconds')}</lastmod>" in body
    urls = client.get(section.removeprefix(settings.SITE_URL)).content.decode()
    assert f"<lastmod>{articles[0].updated_at.isoformat(timespec='seconds')}</lastmod>" in urls


def test_rubrics_tags_series_and_authors_are_listed(client, make_article, make_user):
    series = Series.objects.create(title="Серия", slug="seriya")
    author = make_user(username="avtor.s+tochkoi")
    make_article(author=author, series=series, series_number=1, tags=["переговоры"])
    silent = make_user(username="molchun")  # no public article: not an author's page
    make_article(author=silent, status=Article.Status.DRAFT)

    listed = every_listed_address(client)
    site = django_settings.SITE_URL
    assert f"{site}{Rubric.objects.get().get_absolute_url()}" in listed
    assert f"{site}{Tag.objects.get().get_absolute_url()}" in listed
    assert f"{site}{series.get_absolute_url()}" in listed
    assert f"{site}{author.get_absolute_url()}" in listed  # quoted as reverse() quotes it
    assert f"{site}{silent.get_absolute_url()}" not in listed


def test_real_limit_is_ten_thousand_and_a_section_is_a_range_of_ids(client, make_article):
    """The real structure: 10,000 addresses per section, section n = ids n×10,000 and on."""
    assert django_settings.SITEMAP_SECTION_SIZE == 10_000
    article = make_article()
    number = article.pk // 10_000
    assert f"/sitemap-articles-{number}.xml" in client.get("/sitemap.xml").content.decode()
    assert article.slug in client.get(f"/sitemap-articles-{number}.xml").content.decode()
    assert client.get(f"/sitemap-articles-{number + 1}.xml").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/sitemap-nothing-0.xml",
        "/sitemap-articles-99999999999999999999999999.xml",
        "/sitemap-articles-922337203685477.xml",
    ],
)
def test_unknown_or_empty_sections_are_404(client, make_article, url):
    make_article()
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("size", [3, 30])
def test_query_counts_are_fixed(client, make_article, settings, django_assert_num_queries, size):
    settings.SITEMAP_SECTION_SIZE = 5
    articles = [make_article(tags=[f"тег {i}"]) for i in range(size)]
    with django_assert_num_queries(5):  # one grouped query per kind of page
        client.get("/sitemap.xml")
    with django_assert_num_queries(1):
        response = client.get(f"/sitemap-articles-{articles[-1].pk // 5}.xml")
    assert response.status_code == 200
