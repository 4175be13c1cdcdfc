"""One node without Redis: its gunicorn workers share one cache (files), so what one worker
changes, every other worker shows at once.

A member's new comment replaces the thread version and a takedown the content generation; with a
cache of each worker's own, the other worker kept its thread (10 minutes) and its pages (60 s).
"""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.utils import timezone

from discussions import services
from tests.servers import AppServer, Visitor, collect_static

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PASSWORD = "node-cache-pass-123"
READS = 8  # enough requests to reach both workers of the node


def database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def member(make_user, username: str, **fields):
    user = make_user(
        username=username,
        password=PASSWORD,
        date_joined=timezone.now() - timedelta(days=30),
        **fields,
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def test_what_one_worker_changes_every_worker_of_the_node_shows_at_once(
    make_user, make_article, settings, tmp_path
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL (CI does)")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # as served
    article = make_article(title="Статья одного узла")
    writer = member(make_user, "writer")
    old = services.create_comment(article=article, author=writer, body="Мнение, которое скроют")
    reader_member = member(make_user, "reader")
    editor = member(make_user, "chief", is_staff=True, is_superuser=True)
    collect_static(tmp_path / "static")
    server = AppServer(
        database_url=database_url(), static_root=tmp_path / "static", log=tmp_path / "server.log"
    )
    with server:
        url = server.url + article.get_absolute_url()
        poster, staff, anonymous = Visitor(), Visitor(), Visitor()
        poster.log_in(server.url, reader_member.username, PASSWORD)
        staff.log_in(server.url, editor.username, PASSWORD)

        def reads(visitor, text: str) -> list[bool]:
            return [text in visitor.request(url)[2] for _ in range(READS)]

        # Both workers render and keep the thread, then the member posts through one of them.
        assert all(reads(poster, "Мнение, которое скроют"))
        status, _, body = poster.request(
            f"{server.url}/articles/{article.pk}/comments/",
            {"body": "Моё новое мнение"},
            accept="application/json",
        )
        assert status == 201, body
        assert all(reads(poster, "Моё новое мнение"))

        assert all(reads(anonymous, "Мнение, которое скроют"))
        assert anonymous.request(url)[1]["X-Page-Cache"] == "hit"
        status, _, _ = staff.request(
            f"{server.url}/comments/{old.pk}/moderate/", {"action": "hide"}
        )
        assert status == 200  # followed the redirect back to the article
        assert not any(reads(anonymous, "Мнение, которое скроют"))
        assert all(reads(anonymous, "Моё новое мнение"))
