from django.urls import path

from . import feeds, search_views, views
from .caching import anonymous_page_cache
from .models import Ranking

app_name = "articles"
urlpatterns = [
    path("", views.home, name="home"),
    path("articles/<slug:slug>/", views.detail, name="detail"),
    path("articles/<slug:slug>/preview/", views.preview, name="preview"),
    path("articles/<int:pk>/view/", views.record_view, name="record_view"),
    path("articles/<int:pk>/read/", views.record_engaged_read, name="record_engaged_read"),
    path("rubrics/<slug:slug>/", views.rubric, name="rubric"),
    path(
        "rubrics/<slug:slug>/rss/", anonymous_page_cache()(feeds.RubricFeed()), name="rubric_feed"
    ),
    path("tags/<slug:slug>/", views.tag, name="tag"),
    path("authors/<str:username>/", views.author, name="author"),
    path("series/<slug:slug>/", views.series, name="series"),
    path("trending/", views.ranking_list, {"ranking": Ranking.TRENDING}, name="trending"),
    path("discussed/", views.ranking_list, {"ranking": Ranking.DISCUSSED}, name="discussed"),
    path("search/", search_views.search, name="search"),
    path("opensearch.xml", search_views.opensearch, name="opensearch"),
    path("rss/", anonymous_page_cache()(feeds.LatestArticlesFeed()), name="rss"),
    path("atom/", anonymous_page_cache()(feeds.LatestArticlesAtomFeed()), name="atom"),
]
