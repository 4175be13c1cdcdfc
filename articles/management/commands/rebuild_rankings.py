import time

from django.core.management.base import BaseCommand

from articles.ranking import rebuild_rankings


class Command(BaseCommand):
    help = "Recompute the trending and discussed rankings (run every few minutes)."

    def handle(self, *args, **options):
        started = time.perf_counter()
        rebuild_rankings()
        self.stdout.write(f"rankings rebuilt in {time.perf_counter() - started:.2f} s")
