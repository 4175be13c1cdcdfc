"""Every page costs the same number of queries whatever the amount of data (no query per row)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.models import Period, Ranking, RankingEntry, Series
from articles.ranking import rebuild_rankings
from articles.services import add_daily_stats

# sidebar (chat, two tabs) and the header's rubric nav, on every page until cached
CHROME_QUERIES = 4
# card lists: the count, the states of the page's articles (enough to find cached cards; their ids
# in a subquery), then, for the cards not in the cache (all of them here), the articles and their
# tags
LIST_QUERIES = 4 + CHROME_QUERIES


@pytest.fixture
def site(make_article, make_user):
    """Build a site of n articles spread over authors, tags and a series; returns its urls."""

    def build(n):
        series = Series.objects.create(title="Серия", slug=f"seriya-{n}")
        author = make_user(username=f"author{n}")
        articles = []
        for i in range(n):
            article = make_article(
                author=author, tags=[f"тег {i % 3}", "общий"], series=series, series_number=i + 1
            )
            add_daily_stats(article_id=article.pk, date=timezone.localdate(), views=i, comments=1)
            articles.append(article)
        rebuild_rankings()
        # "Обсуждаемое" counts participants from the comment rows, which this app's tests do
        # not make: the page reads only the entries, so give it trending's.
        trending = RankingEntry.objects.filter(ranking=Ranking.TRENDING, period=Period.WEEK)
        RankingEntry.objects.bulk_create(
            RankingEntry(
                ranking=Ranking.DISCUSSED,
                period=Period.WEEK,
                position=entry.position,
                article_id=entry.article_id,
                rank=entry.rank,
            )
            for entry in trending
        )
        middle = articles[n // 2]
        return {
            "home": "/",
            "article": middle.get_absolute_url(),
            "rubric": reverse("articles:rubric", args=[middle.rubric.slug]),
            "tag": reverse("articles:tag", args=["obshchii"]),
            "series": reverse("articles:series", args=[series.slug]),
            "trending": reverse("articles:trending") + "?period=week",
            "discussed": reverse("articles:discussed") + "?period=week",
            "rss": reverse("articles:rss"),
        }

    return build


EXPECTED = {
    "home": LIST_QUERIES,
    # article (+tags), related, previous and next issue, the comment thread, + sidebar and nav
    "article": 6 + CHROME_QUERIES,
    "rubric": LIST_QUERIES + 1,  # the rubric itself
    "tag": LIST_QUERIES + 1,
    "series": LIST_QUERIES + 1,
    # the states come with a range of positions, not an OFFSET
    "trending": LIST_QUERIES,
    "discussed": LIST_QUERIES,
    "rss": 2,
}


@pytest.mark.parametrize("page", list(EXPECTED))
@pytest.mark.parametrize("size", [3, 30])
def test_page_query_count_is_constant(client, site, django_assert_num_queries, page, size):
    url = site(size)[page]
    with django_assert_num_queries(EXPECTED[page]):
        response = client.get(url)
    assert response.status_code == 200, url


def test_sidebar_is_cached_between_requests(client, site):
    urls = site(5)
    client.get(urls["home"])
    with CaptureQueriesContext(connection) as second:
        client.get(urls["home"])
    # the sidebar, the rubric nav, the list's count and the cards come from the cache:
    # what is left is the page's articles (their ids in a subquery)
    assert len(second) == 1
