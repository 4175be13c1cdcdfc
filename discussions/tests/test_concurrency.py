"""Many members at once on the same item: exact counters, no duplicate votes, no 500s.

Runs on PostgreSQL only (DATABASE_URL=postgres://...); SQLite serialises every writer anyway.
"""

import datetime
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles import counters
from articles.models import Article, ArticleDailyStats
from discussions import services
from discussions.models import ArticleVote, Comment, CommentVote, ModerationLog

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="concurrency is tested on PostgreSQL"
    ),
]

MEMBERS = 20


def _at_once(jobs):
    """Run every job in its own thread and connection, released together by a barrier."""
    barrier = threading.Barrier(len(jobs))
    errors = []

    def run(job):
        try:
            barrier.wait()
            job()
        except Exception as error:  # collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


@pytest.fixture
def crowd(make_user):
    return [make_user() for _ in range(MEMBERS)]


def test_double_clicked_votes_from_many_members(article, member, make_comment, crowd):
    comment = make_comment()
    # Every member clicks twice at once on the comment and on the article; a quarter vote down.
    values = {user.pk: (-1 if n % 4 == 0 else 1) for n, user in enumerate(crowd)}
    jobs = []
    for user in crowd:
        for target in (comment, article):
            for _ in range(2):
                jobs.append(
                    lambda u=user, t=target: services.cast_vote(
                        user=u, target=t, value=values[u.pk]
                    )
                )
    errors = _at_once(jobs)
    assert errors == []
    expected = sum(values.values())  # 15 up, 5 down: +10
    comment.refresh_from_db()
    article.refresh_from_db()
    member.refresh_from_db()
    author = article.author
    author.refresh_from_db()
    assert CommentVote.objects.filter(comment=comment).count() == MEMBERS
    assert ArticleVote.objects.filter(article=article).count() == MEMBERS
    assert (comment.score, comment.upvotes, comment.downvotes) == (expected, 15, 5)
    assert article.score == expected
    assert (member.score, author.score) == (expected, expected)
    stats = ArticleDailyStats.objects.get(article=article, date=timezone.localdate())
    assert stats.votes == expected
    assert services.recount_counters() == {"comments": 0, "articles": 0, "users": 0}


def test_changing_votes_at_once_keep_score_exact(article, make_comment, crowd):
    comment = make_comment()
    for user in crowd:
        services.cast_vote(user=user, target=comment, value=1)
    # Everyone changes their mind at the same moment.
    jobs = [lambda u=u: services.cast_vote(user=u, target=comment, value=-1) for u in crowd]
    errors = _at_once(jobs)
    assert errors == []
    comment.refresh_from_db()
    assert (comment.score, comment.upvotes, comment.downvotes) == (-MEMBERS, 0, MEMBERS)
    assert services.recount_counters() == {"comments": 0, "articles": 0, "users": 0}


def test_many_members_commenting_and_replying_at_once(article, member, make_comment, crowd):
    parent = make_comment()
    jobs = []
    for n, user in enumerate(crowd):
        jobs.append(
            lambda u=user, n=n: services.create_comment(
                article=article, author=u, body=f"Мнение {n}", send_email=False
            )
        )
        jobs.append(
            lambda u=user, n=n: services.create_comment(
                article=article, author=u, body=f"Ответ {n}", parent=parent, send_email=False
            )
        )
    errors = _at_once(jobs)
    assert errors == []
    article.refresh_from_db()
    total = 1 + 2 * MEMBERS
    assert article.comments_count == total == Comment.objects.filter(article=article).count()
    # each counted from the rows after the article's lock: nobody's comment is missed
    assert (article.participants_count, article.replies_count) == (1 + MEMBERS, MEMBERS)
    stats = ArticleDailyStats.objects.get(article=article, date=timezone.localdate())
    assert stats.comments == total
    assert {
        u.comments_count for u in type(member).objects.filter(pk__in=[u.pk for u in crowd])
    } == {2}
    assert services.recount_counters() == {"comments": 0, "articles": 0, "users": 0}


def test_same_text_posted_twice_at_once_is_stored_once(article, other_member):
    jobs = [
        lambda: services.create_comment(
            article=article, author=other_member, body="Двойной клик", send_email=False
        )
        for _ in range(2)
    ]
    errors = _at_once(jobs)
    assert [type(error) for error in errors] == [services.DuplicateComment]
    assert Comment.objects.filter(body="Двойной клик").count() == 1
    article.refresh_from_db()
    assert article.comments_count == 1


def test_reports_at_once_hide_exactly_once(settings, article, make_comment, crowd):
    settings.COMMENT_HIDE_AFTER_REPORTS = 3
    comment = make_comment()
    jobs = [
        lambda u=u: services.report_comment(comment=comment, reporter=u, reason="spam")
        for u in crowd[:8]
    ]
    errors = _at_once(jobs)
    # Reports that arrive after the comment was hidden are refused with a clear message.
    assert all(error.code == "not_visible" for error in errors)
    comment.refresh_from_db()
    assert comment.status == Comment.Status.HIDDEN
    assert comment.reports_count == 8 - len(errors) >= 3
    assert ModerationLog.objects.filter(action="auto_hide").count() == 1
    article.refresh_from_db()
    assert article.comments_count == 0


def test_delete_clicked_twice_at_once_counts_once(article, member, make_comment):
    comment = make_comment()
    make_comment(body="Второй")
    errors = _at_once(
        [lambda: services.delete_comment(comment=comment, user=member) for _ in range(4)]
    )
    assert errors == []
    article.refresh_from_db()
    member.refresh_from_db()
    assert (article.comments_count, member.comments_count) == (1, 1)
    assert Article.objects.get(pk=article.pk).comments_count == 1


@pytest.mark.parametrize("store", ["database", "redis"])
def test_one_member_posting_at_once_gets_exactly_the_allowance(
    article, make_user, settings, request, store
):
    if store == "redis":
        url = request.getfixturevalue("redis_client").url
        settings.CACHES = {
            **settings.CACHES,
            "ratelimit": {"BACKEND": "config.cache.RedisCounterCache", "LOCATION": url},
        }
    settings.RATE_LIMITS = {"comment": "3/86400"}  # no window ends mid-test
    member = make_user(date_joined=timezone.now() - datetime.timedelta(days=30))
    url = reverse("discussions:comment_create", args=[article.pk])
    statuses = []

    def post(n):
        client = Client(HTTP_ACCEPT="application/json")
        client.force_login(member)
        return lambda: statuses.append(client.post(url, {"body": f"Мнение {n}"}).status_code)

    assert _at_once([post(n) for n in range(10)]) == []
    assert sorted(statuses) == [201] * 3 + [429] * 7
    assert Comment.objects.filter(author=member).count() == 3


def test_shared_counters_lose_no_increment():
    values = []
    lock = threading.Lock()

    def bump():
        for _ in range(25):
            value = counters.incr("test:shared", 60)
            with lock:
                values.append(value)

    assert _at_once([bump for _ in range(8)]) == []
    assert sorted(values) == list(range(1, 201))  # every worker got a value of its own


def test_two_moderators_deciding_on_one_comment_at_once(
    make_comment, member, other_member, moderator, make_staff
):
    from accounts.permissions import EDITORS
    from discussions.models import Notification, Report

    comment = make_comment()
    services.report_comment(comment=comment, reporter=other_member, reason="spam")
    editor = make_staff(EDITORS, username="editor")
    # One hides while the other dismisses, twice over: one decision wins, the others find
    # nothing left.
    jobs = [
        lambda: services.hide_reported(
            comment=Comment.objects.get(pk=comment.pk), moderator=moderator
        ),
        lambda: services.dismiss_reports(
            comment=Comment.objects.get(pk=comment.pk), moderator=editor
        ),
        lambda: services.hide_reported(
            comment=Comment.objects.get(pk=comment.pk), moderator=editor
        ),
        lambda: services.dismiss_reports(
            comment=Comment.objects.get(pk=comment.pk), moderator=moderator
        ),
    ]
    assert _at_once(jobs) == []

    report = Report.objects.get(comment=comment)
    assert report.resolution in {"hidden", "dismissed"}
    decisions = ModerationLog.objects.filter(comment=comment, action__in=["hide", "dismiss"])
    assert decisions.count() == 1
    handled = Notification.objects.filter(kind="report_handled", recipient=other_member).count()
    assert handled == (1 if report.resolution == "hidden" else 0)


def test_two_notify_jobs_at_once_tell_each_follower_once(make_article, make_user):
    from discussions.models import Follow, Notification

    author = make_user()
    followers = [make_user() for _ in range(5)]
    for follower in followers:
        Follow.objects.create(member=follower, author=author)
    articles = [make_article(author=author, published_at=timezone.now()) for _ in range(3)]
    told = []
    errors = _at_once([lambda: told.append(services.notify_followers()) for _ in range(4)])
    assert errors == []
    assert sum(told) == len(followers) * len(articles)
    assert Notification.objects.filter(kind="new_article").count() == 15
