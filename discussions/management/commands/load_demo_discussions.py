from django.core.management.base import BaseCommand

from articles.ranking import rebuild_rankings
from discussions.demo import DEMO_PASSWORD, load_demo_discussions
from discussions.demo.generated import load_generated_discussions


class Command(BaseCommand):
    help = (
        "Add demo members, their threaded discussions and votes to the hand-written demo articles, "
        "and generated ones to the articles of `load_demo --articles N`. Safe to run again: "
        "articles that already have demo comments or votes are left alone, and no other article "
        "is touched."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-rankings", action="store_true", help="Do not rebuild the rankings afterwards."
        )

    def handle(self, *args, **options):
        totals = load_demo_discussions()
        self.stdout.write(
            "Demo discussions: {members} members; {comments} comments and {votes} votes "
            "added under {articles} articles.".format(**totals)
        )
        generated = load_generated_discussions()
        if generated["articles"]:
            self.stdout.write(
                "Generated discussions: {comments} comments and {votes} votes added under "
                "{articles} generated articles.".format(**generated)
            )
        self.stdout.write(f"Demo members log in with the password {DEMO_PASSWORD!r}.")
        if not options["no_rankings"]:
            rebuild_rankings()
