import time

from django.core.management.base import BaseCommand

from articles.services import rebuild_feeds


class Command(BaseCommand):
    help = "Recompute the trending and discussed feeds (run every few minutes)."

    def handle(self, *args, **options):
        started = time.perf_counter()
        rebuild_feeds()
        self.stdout.write(f"feeds rebuilt in {time.perf_counter() - started:.2f} s")
