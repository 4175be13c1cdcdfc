"""The scheduled jobs in one process, for `make run`; production runs them from cron (README)."""

import logging
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections

logger = logging.getLogger(__name__)

# (command, every so many seconds): the README's crontab, in the same order. Each job is safe to
# run twice at once, so this loop may run beside a cron that does the same.
JOBS = [
    ("flush_views", 60),
    ("announce", 60),
    ("notify_followers", 60),
    ("rebuild_rankings", 5 * 60),
    ("sync_chat", 10 * 60),
    ("refresh_search_terms", 60 * 60),
    ("rebuild_analytics", 15 * 60),
]


class Command(BaseCommand):
    help = (
        "Run the scheduled jobs (flush_views, announce and notify_followers every minute, "
        "rebuild_rankings every five minutes, sync_chat every ten, rebuild_analytics every quarter "
        "of an hour, refresh_search_terms every hour) until stopped with Ctrl-C. Every job runs "
        "once at start."
    )

    def handle(self, *args, **options):
        due = dict.fromkeys((name for name, _ in JOBS), 0.0)
        try:
            while True:
                for name, every in JOBS:
                    if time.monotonic() >= due[name]:
                        self.run(name)
                        due[name] = time.monotonic() + every
                time.sleep(max(0.0, min(due.values()) - time.monotonic()))
        except KeyboardInterrupt:
            self.stdout.write("stopped")

    def run(self, name: str) -> None:
        """One job; a failure (the database away for a moment) is logged and retried next time."""
        close_old_connections()  # a connection broken since the last run is not reused
        try:
            call_command(name, stdout=self.stdout, stderr=self.stderr)
        except Exception:
            logger.exception("scheduled job %s failed", name)
        finally:
            close_old_connections()
