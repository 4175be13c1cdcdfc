from django.core.management.base import BaseCommand

from discussions.services import notify_followers


class Command(BaseCommand):
    help = (
        "Tell the followers of each author (the bell, and email to those who opted in) about "
        "their articles that became public in the last two days; each article once, however "
        "many runs at once."
    )

    def handle(self, *args, **options):
        told = notify_followers()
        self.stdout.write(f"Followers told about new articles: {told}.")
