from django.core.management.base import BaseCommand

from articles.services import rebuild_feeds
from discussions.demo import DEMO_PASSWORD, load_demo_discussions


class Command(BaseCommand):
    help = (
        "Add demo members, threaded discussions and votes to the newest demo articles. "
        "Safe to run again: articles that already have demo comments are left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-feeds", action="store_true", help="Do not rebuild the feeds afterwards."
        )

    def handle(self, *args, **options):
        totals = load_demo_discussions()
        self.stdout.write(
            "Demo discussions: {members} members; {comments} comments and {votes} votes "
            "added under {articles} articles.".format(**totals)
        )
        self.stdout.write(f"Demo members log in with the password {DEMO_PASSWORD!r}.")
        if not options["no_feeds"]:
            rebuild_feeds()
