from django.core.management.base import BaseCommand

from articles import counters
from articles.services import flush_views


class Command(BaseCommand):
    help = (
        "Move buffered views from Redis into the article counters and forget expired counters "
        "(run every minute)."
    )

    def handle(self, *args, **options):
        flushed = flush_views()
        counters.purge_expired()
        self.stdout.write(f"flushed {flushed} views")
