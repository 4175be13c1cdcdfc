"""`manage.py sync_chat`: the chat block's member count from Telegram (every 10 minutes)."""

from django.core.management.base import BaseCommand

from telegram.services import sync_chat_members


class Command(BaseCommand):
    help = (
        "Read the member count of TELEGRAM_CHAT_ID from the Bot API and show it in the chat "
        "block. Without a token it does nothing; on a failure the last count stays."
    )

    def handle(self, *args, **options):
        count = sync_chat_members()
        if count is None:
            self.stdout.write("chat members not read")
        else:
            self.stdout.write(f"chat members: {count}")
