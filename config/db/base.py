"""Django's PostgreSQL backend, with a health check that costs no round trip.

CONN_HEALTH_CHECKS makes Django test a kept connection at the start of every request that uses
it, with a SELECT 1 to the server: a round trip on every request (5% of a member's page). A
connection between requests is idle: the server has nothing to say on it, unless it is closing
it (a restart, idle_session_timeout, a backend killed), when it sends its reason or just the
end of the stream. So the socket is asked without waiting whether anything is there to read;
only then does the SELECT 1 decide.
"""

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        # A failed transaction would fail the SELECT 1 too; the client knows it without asking.
        if connection.info.transaction_status in (
            pq.TransactionStatus.INERROR,
            pq.TransactionStatus.UNKNOWN,
        ):
            return False
        try:
            poller = select.poll()
            poller.register(connection.fileno(), select.POLLIN)
            said_something = bool(poller.poll(0))
        except (OSError, ValueError):  # no socket any more
            return False
        return not said_something or super().is_usable()
