import time

from django.core.management.base import BaseCommand

from articles.rollups import rebuild_analytics


class Command(BaseCommand):
    help = (
        "Sum the complete days before today for the admin's analytics page; does nothing when "
        "today's build exists (run it hourly: the first run after midnight builds)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="build again even if built today")

    def handle(self, *args, **options):
        started = time.perf_counter()
        if rebuild_analytics(force=options["force"]):
            self.stdout.write(f"analytics rebuilt in {time.perf_counter() - started:.2f} s")
        else:
            self.stdout.write("analytics already built today")
