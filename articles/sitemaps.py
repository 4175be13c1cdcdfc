from django.contrib.sitemaps import Sitemap

from .models import Article, Rubric


class ArticleSitemap(Sitemap):
    changefreq = "weekly"
    limit = 10000

    def items(self):
        return Article.objects.published().only("slug", "updated_at").order_by("-id")

    def lastmod(self, item):
        return item.updated_at


class RubricSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return Rubric.objects.all()


sitemaps = {"articles": ArticleSitemap, "rubrics": RubricSitemap}
