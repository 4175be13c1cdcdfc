import copy

from django.contrib.syndication.views import Feed
from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.http import http_date
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from config import cache_keys

from .compiled import NOW, CompiledQuery
from .local_copies import RecentValues
from .models import Article, Rubric, TaggedArticle

FEED_SIZE = 30
# A rubric's feed is compiled with this id in place of the rubric's (compiled.py).
RUBRIC = -424_242_001
# This worker's copies of the feeds it sent last: their keys name what they show.
recent_feeds = RecentValues(entries=64, seconds=10)


class LatestArticlesFeed(Feed):
    """RSS: readers treat the description, and most of them the title, as HTML, so both carry
    escaped text; an article's markup never reaches a reader as markup."""

    title = _("Продажи в IT: новые статьи")
    link = "/"
    description = _("Новые статьи сообщества о продажах IT-услуг.")

    # The newest public articles, what a feed item shows of them, in a query written once per
    # process.
    newest = CompiledQuery(
        lambda now: Article.objects.published(now=now).for_feed().newest_first()[:FEED_SIZE],
        now=NOW,
    )

    def newest_articles(self, obj) -> list[Article]:
        """The articles this feed lists (obj: what get_object() found), newest first."""
        return self.newest.objects(now=timezone.now())

    def __call__(self, request, *args, **kwargs):
        """The feed, from the cache (cache_keys.feed) while its articles are the same; Django's
        Feed.__call__ otherwise, on the articles already read."""
        try:
            obj = self.get_object(request, *args, **kwargs)
        except ObjectDoesNotExist:
            raise Http404("Feed object does not exist.") from None
        items = self.newest_articles(obj)
        key = cache_keys.feed(
            url=request.build_absolute_uri(request.path),
            language=get_language(),
            items=[
                (item.pk, item.updated_at.timestamp(), item.author.public_name, item.rubric.name)
                for item in items
            ],
        )
        stored = recent_feeds.get_many([key]).get(key) or cache.get(key)
        if stored is None:
            stored = self._render(request, obj, items)
            cache.set(key, stored, cache_keys.FEED_SECONDS)
        recent_feeds.put_many({key: stored})
        content_type, last_modified, body = stored
        response = HttpResponse(body, content_type=content_type)
        response.headers["Last-Modified"] = last_modified
        return response

    def _render(self, request, obj, items) -> tuple[str, str, bytes]:
        """(content type, Last-Modified, body) of the feed of these articles."""
        tags = TaggedArticle.objects.names_by_article([item.pk for item in items])
        for item in items:
            item.tag_names = tags.get(item.pk, [])
        feed = copy.copy(self)  # this request's own, with its articles: one feed serves all
        feed.fetched = items
        feedgen = feed.get_feed(obj, request)
        last_modified = http_date(feedgen.latest_post_date().timestamp())
        return feedgen.content_type, last_modified, feedgen.writeString("utf-8").encode()

    def items(self, obj):
        return self.fetched

    def item_title(self, item):
        return escape(item.title)

    def item_description(self, item):
        return escape(item.excerpt)

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        return item.author.public_name

    def item_categories(self, item):
        return [item.rubric.name, *item.tag_names]


class LatestArticlesAtomFeed(LatestArticlesFeed):
    """Atom declares its summary HTML (escaped text, as in RSS) and its title text (as it is)."""

    feed_type = Atom1Feed
    subtitle = LatestArticlesFeed.description

    def item_title(self, item):
        return item.title


class RubricFeed(LatestArticlesFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Rubric, slug=slug)

    def title(self, rubric):
        return _("Продажи в IT: %(rubric)s") % {"rubric": rubric.name}

    def link(self, rubric):
        return rubric.get_absolute_url()

    def description(self, rubric):
        return escape(rubric.description or rubric.name)

    newest = CompiledQuery(
        lambda rubric, now: (
            Article.objects.published(now=now)
            .filter(rubric_id=rubric)
            .for_feed()
            .newest_first()[:FEED_SIZE]
        ),
        rubric=RUBRIC,
        now=NOW,
    )

    def newest_articles(self, rubric) -> list[Article]:
        return self.newest.objects(rubric=rubric.pk, now=timezone.now())
