"""Rebuild every article's search document (after changing how it is made)."""

from django.core.management.base import BaseCommand

from articles.search_index import index_all_articles


class Command(BaseCommand):
    help = "Rebuild the search document of every article (PostgreSQL; a no-op on SQLite)."

    def handle(self, *args, **options):
        index_all_articles()
        self.stdout.write("Search documents rebuilt.")
