"""Rate limits key on the member, count only what went through and hold across workers."""

import datetime
import socket

from django.core.cache import caches
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Counter

OFFICE = "203.0.113.7"


def _old_member(make_user):
    return make_user(date_joined=timezone.now() - datetime.timedelta(days=30))


def _vote(client, article):
    return client.post(reverse("discussions:article_vote", args=[article.pk]), {"value": "1"})


def _comment(client, article, body):
    return client.post(reverse("discussions:comment_create", args=[article.pk]), {"body": body})


def test_members_behind_one_address_each_have_their_own_allowance(article, make_user, settings):
    settings.RATE_LIMITS = {"comment": "1/86400"}  # no window ends mid-test
    first = Client(REMOTE_ADDR=OFFICE)
    first.force_login(_old_member(make_user))
    assert _comment(first, article, "Первое").status_code == 302
    for n in range(5):  # one member hammering after the refusal
        assert _comment(first, article, f"Ещё {n}").status_code == 429
    for n in range(4):  # blocks nobody else behind the same address
        colleague = Client(REMOTE_ADDR=OFFICE)
        colleague.force_login(_old_member(make_user))
        assert _comment(colleague, article, f"Коллега {n}").status_code == 302


def test_behind_the_proxy_members_are_still_counted_apart(article, make_user, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.RATE_LIMITS = {"vote": "1/86400"}  # no window ends mid-test
    statuses = []
    for _ in range(3):
        client = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=OFFICE)
        client.force_login(_old_member(make_user))
        statuses.append(_vote(client, article).status_code)
    assert statuses == [302, 302, 302]


def test_refused_attempts_do_not_use_up_the_allowance(client, article, make_user, settings):
    settings.RATE_LIMITS = {"comment": "2/86400"}  # no window ends mid-test
    client.force_login(_old_member(make_user))
    assert _comment(client, article, "Одно и то же").status_code == 302
    assert _comment(client, article, "Одно и то же").status_code == 409  # refused: a duplicate
    assert _comment(client, article, "   ").status_code == 400  # refused: empty
    assert _comment(client, article, "Второе мнение").status_code == 302
    limited = _comment(client, article, "Третье")
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    assert "Слишком часто" in limited.content.decode()


def test_counters_live_where_every_worker_sees_them(client, article, make_user, settings):
    """Without Redis the counters are rows of the database, not one worker's memory."""
    settings.RATE_LIMITS = {"vote": "1/86400"}  # no window ends mid-test
    client.force_login(_old_member(make_user))
    assert _vote(client, article).status_code == 302
    assert Counter.objects.filter(value=1).exists()
    del caches["ratelimit"]  # what a fresh worker process starts with
    assert _comment(client, article, "Мнение").status_code == 302  # comments have their own
    assert _vote(client, article).status_code == 429


def _dead_redis_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"redis://127.0.0.1:{sock.getsockname()[1]}/0"


def test_limits_fall_back_to_the_database_while_redis_is_down(client, article, make_user, settings):
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {
            "BACKEND": "config.cache.RedisCounterCache",
            "LOCATION": _dead_redis_url(),
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        },
    }
    settings.RATE_LIMITS = {"comment": "1/86400"}  # no window ends mid-test
    client.force_login(_old_member(make_user))
    assert _comment(client, article, "Пока Redis лежит").status_code == 302
    assert _comment(client, article, "И ещё раз").status_code == 429
