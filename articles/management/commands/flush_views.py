from django.core.management.base import BaseCommand

from articles.services import flush_views


class Command(BaseCommand):
    help = "Move buffered views from Redis into the article counters (run every minute)."

    def handle(self, *args, **options):
        flushed = flush_views()
        self.stdout.write(f"flushed {flushed} views")
