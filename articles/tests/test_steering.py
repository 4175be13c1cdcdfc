"""Editors steering the rankings: pin, boost and bury applied by the rebuild until their date,
refused to members and moderators, every decision in the audit log, and the page that explains
each score term by term."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.permissions import EDITORS, MODERATORS
from articles.models import Period, Ranking, RankingEntry, Steering, SteeringLog
from articles.ranking import rebuild_rankings
from articles.services import add_daily_stats
from articles.steering import end_steering, steer

TRENDING, WEEK = Ranking.TRENDING, Period.WEEK


def titles(ranking=TRENDING, period=WEEK):
    entries = RankingEntry.objects.of(ranking, period).select_related("article")
    return [entry.article.title for entry in entries]


@pytest.fixture
def three(make_article):
    """Three articles of the same age whose trending order is first, second, third."""
    published = timezone.now() - timedelta(hours=3)
    made = []
    for title, views in (("first", 30), ("second", 20), ("third", 10)):
        article = make_article(title=title, published_at=published)
        add_daily_stats(article_id=article.pk, date=timezone.localdate(), views=views)
        made.append(article)
    rebuild_rankings()
    assert titles() == ["first", "second", "third"]
    return made


@pytest.fixture
def editor(make_staff):
    return make_staff(EDITORS, username="chief-editor")


def later(days=1):
    return timezone.now() + timedelta(days=days)


def decide(editor, article, kind, **fields):
    fields.setdefault("reason", "Редакционная подборка")
    fields.setdefault("until", later())
    return steer(editor=editor, ranking=TRENDING, period=WEEK, article=article, kind=kind, **fields)


def test_a_pin_takes_its_place_and_moves_the_others_down(
    three, editor, django_capture_on_commit_callbacks
):
    _first, _second, third = three
    with django_capture_on_commit_callbacks(execute=True):
        decide(editor, third, Steering.Kind.PIN, position=1)
    assert titles() == ["third", "first", "second"]
    pinned = RankingEntry.objects.get(ranking=TRENDING, period=WEEK, article=third)
    assert (pinned.position, pinned.pinned, pinned.views) == (0, True, 10)
    assert titles(period=Period.DAY) == ["first", "second", "third"]  # only where it was pinned


def test_a_decision_rebuilds_only_its_own_period(three, editor, django_capture_on_commit_callbacks):
    first, _second, third = three
    # views that came in since the last rebuild: the other periods show them at the next one
    add_daily_stats(article_id=third.pk, date=timezone.localdate(), views=100)
    others = {
        period: list(RankingEntry.objects.filter(period=period).values_list("pk", flat=True))
        for period in (Period.DAY, Period.MONTH, Period.ALL)
    }
    with django_capture_on_commit_callbacks(execute=True):
        decide(editor, first, Steering.Kind.PIN, position=3)
    assert titles() == ["third", "second", "first"]  # the week rebuilt, with the new views
    for period, ids in others.items():
        assert (
            list(RankingEntry.objects.filter(period=period).values_list("pk", flat=True)) == ids
        ), period
    assert titles(period=Period.DAY) == ["first", "second", "third"]


def test_a_pin_past_the_end_goes_last(three, editor):
    first, *_ = three
    decide(editor, first, Steering.Kind.PIN, position=50)
    rebuild_rankings()
    assert titles() == ["second", "third", "first"]


def test_a_boost_multiplies_and_a_bury_keeps_out(three, editor):
    first, _second, third = three
    decide(editor, third, Steering.Kind.BOOST, factor=4)  # 10 x 4 = 40 > 30
    decide(editor, first, Steering.Kind.BURY)
    rebuild_rankings()
    assert titles() == ["third", "second"]
    boosted = RankingEntry.objects.get(ranking=TRENDING, period=WEEK, article=third)
    assert boosted.adjustment == 4.0
    assert boosted.rank == pytest.approx(10 * boosted.decay * 4)
    assert boosted.score == pytest.approx(10)


def test_expired_decisions_are_ignored_and_free_their_place(three, editor):
    _first, second, third = three
    decided = decide(editor, third, Steering.Kind.PIN, position=1)
    Steering.objects.filter(pk=decided.pk).update(
        created_at=timezone.now() - timedelta(days=2), until=timezone.now() - timedelta(minutes=1)
    )
    rebuild_rankings()
    assert titles() == ["first", "second", "third"]
    # The place is free again: the expired pin is closed when the next decision is made.
    decide(editor, second, Steering.Kind.PIN, position=1)
    decided.refresh_from_db()
    assert decided.ended_at == decided.until and decided.ended_by is None


def test_ending_early_is_logged_and_undone(three, editor):
    first, *_ = three
    decided = decide(editor, first, Steering.Kind.BURY, reason="  Жалоба автора  ")
    rebuild_rankings()
    assert titles() == ["second", "third"]
    assert end_steering(editor=editor, steering=decided, reason="Разобрались")
    assert not end_steering(editor=editor, steering=decided, reason="Ещё раз")
    rebuild_rankings()
    assert titles() == ["first", "second", "third"]
    log = list(SteeringLog.objects.order_by("at", "id").values_list("editor", "action", "reason"))
    assert log == [
        (editor.pk, SteeringLog.Action.CREATED, "Жалоба автора"),
        (editor.pk, SteeringLog.Action.ENDED, "Разобрались"),
    ]
    assert "Убрать «first»" in SteeringLog.objects.first().what


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"kind": Steering.Kind.PIN}, "место"),
        ({"kind": Steering.Kind.BOOST, "factor": 0}, "больше нуля"),
        ({"kind": Steering.Kind.BURY, "reason": "   "}, "причину"),
        ({"kind": Steering.Kind.BURY, "until": timezone.now() - timedelta(hours=1)}, "будущем"),
    ],
)
def test_bad_decisions_are_refused_with_a_reason(three, editor, fields, message):
    kind = fields.pop("kind")
    with pytest.raises(ValidationError) as refused:
        decide(editor, three[0], kind, **fields)
    assert message in " ".join(refused.value.messages)
    assert not Steering.objects.exists() and not SteeringLog.objects.exists()


def test_a_place_and_an_article_hold_one_decision(three, editor):
    first, second, _ = three
    decide(editor, first, Steering.Kind.PIN, position=1)
    with pytest.raises(ValidationError, match="месте уже закреплена"):
        decide(editor, second, Steering.Kind.PIN, position=1)
    with pytest.raises(ValidationError, match="уже есть решение"):
        decide(editor, first, Steering.Kind.BURY)
    assert Steering.objects.count() == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "pin", "position": 1, "article_index": 1},  # a second open pin on place 1
        {"kind": "boost", "factor": 0.0},
        {"kind": "boost", "factor": -1.0},
        {"kind": "bury", "reason": ""},
        {"kind": "pin", "position": None},
    ],
)
def test_the_database_holds_the_rules(three, editor, fields):
    decide(editor, three[0], Steering.Kind.PIN, position=1)
    index = fields.pop("article_index", 2)
    row = {"ranking": TRENDING, "period": WEEK, "article": three[index], "until": later()}
    row |= {"reason": "причина", "created_by": editor, **fields}
    with pytest.raises(IntegrityError), transaction.atomic():
        Steering.objects.create(**row)


@pytest.mark.parametrize("role", ["member", "moderator"])
def test_members_and_moderators_cannot_steer(three, make_user, make_staff, role):
    user = make_user() if role == "member" else make_staff(MODERATORS)
    with pytest.raises(PermissionDenied):
        decide(user, three[0], Steering.Kind.BURY)
    editor = make_staff(EDITORS)
    decided = decide(editor, three[0], Steering.Kind.BURY)
    with pytest.raises(PermissionDenied):
        end_steering(editor=user, steering=decided, reason="нет")


def test_the_explain_page_breaks_scores_into_terms(client, three, editor):
    first, *_ = three
    add_daily_stats(article_id=first.pk, date=timezone.localdate(), engaged_reads=2, votes=1)
    rebuild_rankings()
    client.force_login(editor)
    page = client.get(reverse("admin:articles_steering_explain"), {"period": "week"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Почему в тренде" in text and "Дочитывания" in text and "Участники" in text
    entry = RankingEntry.objects.get(ranking=TRENDING, period=WEEK, article=first)
    assert (entry.views, entry.engaged_reads, entry.votes) == (30, 2, 1)
    assert "admin/base_site" not in text and 'id="site-name"' in text  # the admin's look
    assert (
        client.get(reverse("admin:articles_steering_explain"), {"period": "x"}).status_code == 200
    )


@pytest.mark.parametrize("role", ["member", "moderator"])
def test_the_steering_pages_refuse_members_and_moderators(
    client, three, make_user, make_staff, role
):
    user = make_user() if role == "member" else make_staff(MODERATORS)
    client.force_login(user)
    expected = 302 if role == "member" else 403
    for name in ("admin:articles_steering_explain", "admin:articles_steering_add"):
        assert client.get(reverse(name)).status_code == expected
    form = {
        "ranking": TRENDING,
        "period": WEEK,
        "article": three[2].pk,
        "kind": "pin",
        "position": "1",
        "until_0": "2099-01-01",
        "until_1": "12:00",
        "reason": "хочу",
    }
    assert client.post(reverse("admin:articles_steering_add"), form).status_code == expected
    assert not Steering.objects.exists()


def test_an_editor_pins_in_the_admin_and_readers_see_it_at_once(
    client, three, editor, django_capture_on_commit_callbacks
):
    *_, third = three
    anonymous_home = client.get("/")  # cached for anonymous readers now
    assert anonymous_home.status_code == 200
    client.force_login(editor)
    form = {
        "ranking": TRENDING,
        "period": WEEK,
        "article": third.pk,
        "kind": "pin",
        "position": "1",
        "until_0": later(3).strftime("%d.%m.%Y"),
        "until_1": "12:00",
        "reason": "Выбор редакции",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:articles_steering_add"), form)
    assert response.status_code == 302
    assert titles() == ["third", "first", "second"]
    log = SteeringLog.objects.get()
    assert (log.editor, log.reason) == (editor, "Выбор редакции")
    client.logout()
    sidebar = client.get("/").content.decode()
    panel = sidebar[sidebar.index('id="panel-trending"') :]
    assert panel.index("third") < panel.index("first")


def test_the_form_says_what_is_wrong(client, three, editor):
    client.force_login(editor)
    form = {
        "ranking": TRENDING,
        "period": WEEK,
        "article": three[0].pk,
        "kind": "boost",
        "until_0": "01.01.2020",
        "until_1": "12:00",
        "reason": "x",
    }
    response = client.post(reverse("admin:articles_steering_add"), form)
    assert response.status_code == 200
    assert "больше нуля" in response.content.decode() or "будущем" in response.content.decode()
    assert not Steering.objects.exists()


@pytest.mark.parametrize("size", [2, 12])
def test_the_explain_page_costs_the_same_whatever_the_size(
    client, make_article, editor, django_assert_num_queries, size
):
    for n in range(size):
        article = make_article(title=f"статья {n}")
        add_daily_stats(article_id=article.pk, date=timezone.localdate(), views=n + 1)
        decide(editor, article, Steering.Kind.BOOST, factor=2) if n % 2 else None
    rebuild_rankings()
    client.force_login(editor)
    url = reverse("admin:articles_steering_explain")
    client.get(url)
    # session, user, the user's permissions (own and by group), the admin's chat block check,
    # two rankings, the decisions in force
    with django_assert_num_queries(8):
        assert client.get(url).status_code == 200
