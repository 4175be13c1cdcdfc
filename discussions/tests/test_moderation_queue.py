"""The moderation queue: reports grouped by comment, oldest first; hide, dismiss, bar the author;
open reports on the admin index; every decision logged; members kept out."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.permissions import EDITORS
from discussions import services
from discussions.models import Comment, ModerationLog, Notification, Report

QUEUE = "admin:discussions_report_queue"


@pytest.fixture
def reporters(make_user):
    return [make_user(username=f"reporter{n}") for n in range(3)]


def _report(comment, reporter, reason="spam", details=""):
    return services.report_comment(
        comment=comment, reporter=reporter, reason=reason, details=details
    )


def _age(comment, *, hours):
    """Make the comment's reports look `hours` old."""
    Report.objects.filter(comment=comment).update(
        created_at=timezone.now() - datetime.timedelta(hours=hours)
    )


def _handled(user):
    return Notification.objects.filter(recipient=user, kind=Notification.Kind.REPORT_HANDLED)


# The services


def test_hiding_closes_every_open_report_and_tells_the_reporters(
    make_comment, reporters, moderator
):
    comment = make_comment()
    for reporter in reporters[:2]:
        _report(comment, reporter)

    assert services.hide_comment(comment=comment, moderator=moderator)

    comment.refresh_from_db()
    assert comment.status == Comment.Status.HIDDEN
    closed = Report.objects.filter(comment=comment)
    assert {(r.resolution, r.closed_by_id) for r in closed} == {("hidden", moderator.pk)}
    assert all(r.closed_at for r in closed)
    assert [_handled(r).count() for r in reporters] == [1, 1, 0]
    assert ModerationLog.objects.filter(
        action="hide", comment=comment, moderator=moderator
    ).exists()
    # A second moderator, a moment later, finds nothing left: no second notification or log row.
    assert not services.hide_comment(comment=comment, moderator=moderator)
    assert _handled(reporters[0]).count() == 1
    assert ModerationLog.objects.filter(action="hide", comment=comment).count() == 1


def test_hiding_a_comment_the_reports_hid_confirms_it(make_comment, reporters, moderator, settings):
    settings.COMMENT_HIDE_AFTER_REPORTS = 2
    comment = make_comment()
    for reporter in reporters[:2]:
        _report(comment, reporter)
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.HIDDEN  # by the reports

    assert services.hide_comment(comment=comment, moderator=moderator)
    assert not Report.objects.open().exists()
    assert _handled(reporters[1]).count() == 1


def test_dismissing_keeps_the_comment_and_closes_the_reports(make_comment, reporters, moderator):
    comment = make_comment()
    _report(comment, reporters[0], reason="rude")

    assert services.dismiss_reports(comment=comment, moderator=moderator) == 1

    comment.refresh_from_db()
    assert comment.status == Comment.Status.VISIBLE
    report = Report.objects.get(comment=comment)
    assert (report.resolution, report.closed_by) == ("dismissed", moderator)
    assert ModerationLog.objects.filter(action="dismiss", comment=comment).count() == 1
    assert services.dismiss_reports(comment=comment, moderator=moderator) == 0
    assert ModerationLog.objects.filter(action="dismiss", comment=comment).count() == 1


def test_dismissing_shows_again_a_comment_the_reports_hid(
    make_comment, reporters, moderator, settings, article
):
    settings.COMMENT_HIDE_AFTER_REPORTS = 2
    comment = make_comment()
    for reporter in reporters[:2]:
        _report(comment, reporter)
    article.refresh_from_db()
    assert article.comments_count == 0

    assert services.dismiss_reports(comment=comment, moderator=moderator) == 2

    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.VISIBLE
    article.refresh_from_db()
    assert article.comments_count == 1


def test_barring_the_author_bans_and_hides(make_comment, reporters, moderator, member):
    comment = make_comment()
    _report(comment, reporters[0])

    services.ban_and_hide(comment=comment, moderator=moderator, reason="спам", until=None)

    member.refresh_from_db()
    assert member.commenting_banned_reason == "спам"
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.HIDDEN
    assert not Report.objects.open().exists()
    assert set(ModerationLog.objects.values_list("action", flat=True)) == {"ban", "hide"}


def test_restoring_a_comment_dismisses_its_open_reports(
    make_comment, reporters, moderator, settings
):
    settings.COMMENT_HIDE_AFTER_REPORTS = 1
    comment = make_comment()
    _report(comment, reporters[0])

    assert services.restore_comment(comment=comment, moderator=moderator)
    assert Report.objects.get(comment=comment).resolution == "dismissed"


def test_members_may_not_decide(make_comment, reporters, other_member):
    from django.core.exceptions import PermissionDenied

    comment = make_comment()
    _report(comment, reporters[0])
    for decide in (services.hide_comment, services.dismiss_reports):
        with pytest.raises(PermissionDenied):
            decide(comment=comment, moderator=other_member)
    assert Report.objects.open().count() == 1


def test_a_report_cannot_be_closed_without_a_decision(make_comment, reporters):
    report = _report(make_comment(), reporters[0])
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.filter(pk=report.pk).update(closed_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.filter(pk=report.pk).update(resolution="dismissed")


# The queue page


def test_the_queue_groups_reports_by_comment_oldest_first(
    client, make_comment, reporters, moderator
):
    newer, older, settled, unreported = (make_comment() for _ in range(4))
    _report(newer, reporters[0], reason="spam")
    _report(older, reporters[0], reason="spam", details="реклама курса")
    _report(older, reporters[1], reason="spam")
    _report(older, reporters[2], reason="rude")
    _age(older, hours=5)
    _report(settled, reporters[0])
    services.dismiss_reports(comment=settled, moderator=moderator)
    client.force_login(moderator)

    page = client.get(reverse(QUEUE)).content.decode()

    assert page.index(f'id="queue-{older.pk}"') < page.index(f'id="queue-{newer.pk}"')
    assert f'id="queue-{settled.pk}"' not in page
    assert f'id="queue-{unreported.pk}"' not in page
    assert "спам или реклама — 2, оскорбления — 1" in page
    assert "«реклама курса»" in page
    assert "Комментарии с открытыми жалобами: 2." in page


def test_moderators_decide_from_the_queue(client, make_comment, reporters, moderator, member):
    hide, dismiss, ban = make_comment(), make_comment(), make_comment()
    for comment in (hide, dismiss, ban):
        _report(comment, reporters[0])
    client.force_login(moderator)
    url = reverse(QUEUE)

    response = client.post(url, {"comment": hide.pk, "decision": "hide"}, follow=True)
    assert "Комментарий скрыт, авторы жалоб получили уведомление." in response.content.decode()
    response = client.post(url, {"comment": dismiss.pk, "decision": "dismiss"}, follow=True)
    assert "Жалобы отклонены: 1; комментарий остаётся." in response.content.decode()
    response = client.post(
        url, {"comment": ban.pk, "decision": "ban", "reason": "спам", "days": "7"}, follow=True
    )
    assert "больше не может комментировать" in response.content.decode()

    assert not Report.objects.open().exists()
    member.refresh_from_db()
    assert member.commenting_banned_until > timezone.now() + datetime.timedelta(days=6)
    # Once more on the same comment (a second moderator's tab): nothing happens, it says so.
    again = client.post(url, {"comment": hide.pk, "decision": "hide"}, follow=True)
    assert "Эти жалобы уже разобрал другой модератор." in again.content.decode()


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"comment": "1", "decision": "explode"}, 400, "Выберите решение."),
        ({"comment": "x", "decision": "hide"}, 400, ""),
        ({"comment": "999999", "decision": "hide"}, 404, "Такого комментария нет"),
        ({"decision": "ban", "reason": "  "}, 400, "Укажите причину"),
    ],
)
def test_bad_decisions_get_a_message(
    client, make_comment, reporters, moderator, data, status, message
):
    comment = make_comment()
    _report(comment, reporters[0])
    client.force_login(moderator)
    response = client.post(reverse(QUEUE), {"comment": comment.pk, **data})
    assert response.status_code == status
    assert message in response.content.decode()
    assert Report.objects.open().count() == 1


def test_members_and_visitors_do_not_get_in(client, make_comment, reporters, other_member):
    comment = make_comment()
    _report(comment, reporters[0])
    url = reverse(QUEUE)
    assert client.get(url).status_code == 302
    client.force_login(other_member)
    assert client.get(url).status_code == 302
    response = client.post(url, {"comment": comment.pk, "decision": "hide"})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert Report.objects.open().count() == 1


def test_the_index_counts_open_reports(client, make_comment, reporters, make_staff):
    first, second = make_comment(), make_comment()
    _report(first, reporters[0])
    _report(first, reporters[1])
    _report(second, reporters[0])
    client.force_login(make_staff(EDITORS))
    page = client.get(reverse("admin:index")).content.decode()
    assert "открытых жалоб — 3, комментариев с ними — 2" in page
    assert reverse(QUEUE) in page


def test_the_reporter_sees_it_in_the_bell(client, make_comment, reporters, moderator):
    comment = make_comment()
    _report(comment, reporters[0])
    services.hide_comment(comment=comment, moderator=moderator)
    client.force_login(reporters[0])
    page = client.get(reverse("discussions:notifications")).content.decode()
    assert "Ваша жалоба на комментарий к статье" in page and "рассмотрена" in page


@pytest.mark.parametrize("comments", [2, 8])
def test_the_queue_is_a_fixed_number_of_queries(
    client, make_comment, reporters, moderator, django_assert_num_queries, comments
):
    for _ in range(comments):
        comment = make_comment()
        for reporter in reporters:
            _report(comment, reporter)
    client.force_login(moderator)
    client.get(reverse(QUEUE))  # the session and permissions warm up
    # session, user, its own and its groups' permissions, count, page, reports with reporters
    with django_assert_num_queries(7):
        response = client.get(reverse(QUEUE))
    assert response.content.decode().count('class="queue-decision"') == comments
