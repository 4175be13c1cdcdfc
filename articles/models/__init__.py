"""The articles app's models, by concern; callers import them from here (`articles.models`)."""

from .analytics import (
    ANALYTICS_PERIODS,
    METRICS,
    AnalyticsBuild,
    ArticlePeriodStats,
    SiteDailyStats,
)
from .article import Article, ArticleQuerySet
from .catalogue import Rubric, Series, Tag, TaggedArticle, transliterated_slug
from .rankings import (
    PERIOD_DAYS,
    SIDEBAR_LINK_FIELDS,
    Period,
    Ranking,
    RankingEntry,
    RankingEntryQuerySet,
)
from .search import SearchTerm
from .site import ChatBlock, Counter, FlushedBatch
from .stats import ArticleDailyStats, ArticleReferrerDaily, ReferrerKind
from .steering import Steering, SteeringLog, SteeringQuerySet

__all__ = [
    "ANALYTICS_PERIODS",
    "METRICS",
    "PERIOD_DAYS",
    "SIDEBAR_LINK_FIELDS",
    "AnalyticsBuild",
    "Article",
    "ArticleDailyStats",
    "ArticlePeriodStats",
    "ArticleQuerySet",
    "ArticleReferrerDaily",
    "ChatBlock",
    "Counter",
    "FlushedBatch",
    "Period",
    "Ranking",
    "RankingEntry",
    "RankingEntryQuerySet",
    "ReferrerKind",
    "Rubric",
    "SearchTerm",
    "Series",
    "SiteDailyStats",
    "Steering",
    "SteeringLog",
    "SteeringQuerySet",
    "Tag",
    "TaggedArticle",
    "transliterated_slug",
]
