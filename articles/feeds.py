from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from .models import Article, Rubric, TaggedArticle

FEED_SIZE = 30


class LatestArticlesFeed(Feed):
    """RSS: readers treat the description, and most of them the title, as HTML, so both carry
    escaped text; an article's markup never reaches a reader as markup."""

    title = _("Продажи в IT: новые статьи")
    link = "/"
    description = _("Новые статьи сообщества о продажах IT-услуг.")

    def items(self):
        return self.newest_first(Article.objects.published())

    def newest_first(self, articles):
        items = list(articles.for_feed().newest_first()[:FEED_SIZE])
        tags = TaggedArticle.objects.names_by_article([item.pk for item in items])
        for item in items:
            item.tag_names = tags.get(item.pk, [])
        return items

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

    def items(self, rubric):
        return self.newest_first(Article.objects.published().filter(rubric=rubric))
