"""Rebuild the words a mistyped search is compared with; scheduled hourly (README's crontab)."""

from django.core.management.base import BaseCommand

from articles.search_index import refresh_search_terms


class Command(BaseCommand):
    help = (
        "Replace the words that search suggestions («Возможно, вы искали») are drawn from by the "
        "words of today's published titles and tags (PostgreSQL; safe to run twice at once)."
    )

    def handle(self, *args, **options):
        words = refresh_search_terms()
        self.stdout.write(f"{words} search words.")
