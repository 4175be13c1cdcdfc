"""The PostgreSQL backend's health check (config/db/base.py): no round trip for a kept
connection the server has said nothing on, and a connection the server ended is not kept."""

import time

import pytest
from django.db import connection, connections
from django.db.backends.postgresql import base as django_postgresql

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def kept():
    """A second connection to the test database, as a worker keeps one between requests."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL (CI does)")
    wrapper = connections.create_connection("default")
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


@pytest.fixture
def server_checks(monkeypatch):
    """The SELECT 1s Django's own check sends."""
    calls = []
    original = django_postgresql.DatabaseWrapper.is_usable

    def counted(self):
        calls.append(self)
        return original(self)

    monkeypatch.setattr(django_postgresql.DatabaseWrapper, "is_usable", counted)
    return calls


def test_the_backend_is_ours_and_a_live_connection_is_usable_without_asking_the_server(
    kept, server_checks
):
    assert connection.settings_dict["ENGINE"] == "config.db"
    assert kept.is_usable()
    kept.health_check_done = False
    kept.close_if_health_check_failed()
    assert kept.connection is not None
    assert server_checks == []


def test_a_connection_the_server_ended_is_closed_and_the_next_query_reconnects(kept, server_checks):
    pid = kept.connection.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + 5
    while kept.is_usable():
        assert time.monotonic() < deadline, "the ended connection still looks usable"
        time.sleep(0.02)
    assert server_checks, "the server was not asked once the socket had something to say"
    kept.health_check_done = False
    kept.close_if_health_check_failed()
    assert kept.connection is None
    with kept.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid


def test_a_connection_in_a_failed_transaction_is_not_usable_as_with_djangos_check(
    kept, server_checks
):
    """Django's SELECT 1 fails in a failed transaction; the client knows the state without it."""
    from django.db import DatabaseError

    kept.set_autocommit(False)
    with pytest.raises(DatabaseError), kept.cursor() as cursor:
        cursor.execute("SELECT no_such_column FROM articles_article")
    assert kept.is_usable() is False
    assert server_checks == []
    kept.rollback()
    assert kept.is_usable() is True
