"""`manage.py announce`: new public articles posted to the Telegram channel (every minute)."""

from django.core.management.base import BaseCommand

from telegram.announcements import announce_due


class Command(BaseCommand):
    help = (
        "Post each article made public (at once or at its scheduled time) to TELEGRAM_CHANNEL_ID, "
        "once; failed posts are tried again by a later run. Safe to run twice at once."
    )

    def handle(self, *args, **options):
        run = announce_due()
        if run is None:
            self.stdout.write("announcements: Telegram is not configured")
        else:
            self.stdout.write(f"announcements: {run.sent} sent, {run.failed} failed")
