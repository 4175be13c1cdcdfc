from django.core.management.base import BaseCommand

from discussions.services import recount_counters


class Command(BaseCommand):
    help = (
        "Recount comment scores and votes, Article.comments_count, participants_count, "
        "replies_count and score, and "
        "User.comments_count and score from the rows they count."
    )

    def handle(self, *args, **options):
        fixed = recount_counters()
        self.stdout.write(
            "Recounted. Rows that were wrong: {comments} comments, {articles} articles, "
            "{users} members.".format(**fixed)
        )
