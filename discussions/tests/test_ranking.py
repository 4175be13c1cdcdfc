""" "Обсуждаемое" by conversation, not by comment count: hand-made threads whose order follows
from D = participants + 2 x replies to another member, times 1 / (hours since the last + 2)^0.8."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Period, Ranking, RankingEntry
from articles.ranking import rebuild_rankings
from discussions.models import Comment


def discussed(period):
    entries = RankingEntry.objects.of(Ranking.DISCUSSED, period).select_related("article")
    return [entry.article.title for entry in entries]


def entry_of(article, period):
    return RankingEntry.objects.get(ranking=Ranking.DISCUSSED, period=period, article=article)


@pytest.fixture
def members(make_user):
    return [make_user(username=f"talker{n}") for n in range(4)]


def test_a_monologue_ranks_below_an_exchange_with_fewer_comments(
    make_article, make_comment, members
):
    alone, anna, boris, vera = members
    monologue = make_article(title="monologue")
    exchange = make_article(title="exchange")
    previous = None
    for _ in range(30):  # one member, 30 comments, most of them replies to herself
        previous = make_comment(article=monologue, author=alone, parent=previous)
    first = make_comment(article=exchange, author=anna)
    answer = make_comment(article=exchange, author=boris, parent=first)
    make_comment(article=exchange, author=anna, parent=answer)
    make_comment(article=exchange, author=vera, parent=answer)
    rebuild_rankings()
    for period in Period:
        assert discussed(period) == ["exchange", "monologue"], period
    talk = entry_of(exchange, Period.DAY)
    assert (talk.comments, talk.participants, talk.replies) == (4, 3, 3)  # D = 3 + 2 x 3 = 9
    alone_entry = entry_of(monologue, Period.DAY)
    assert (alone_entry.comments, alone_entry.participants, alone_entry.replies) == (30, 1, 0)
    assert talk.rank == pytest.approx(9 * talk.decay)
    assert entry_of(exchange, Period.ALL).decay == 1.0


def test_participants_are_distinct_over_the_whole_period(make_article, make_comment, members):
    anna, boris, *_ = members
    article = make_article(title="twice")
    now = timezone.now()
    # Anna on two days of the week, Boris once: two participants, not three.
    make_comment(article=article, author=anna, created_at=now - timedelta(days=3))
    reply = make_comment(article=article, author=anna, created_at=now - timedelta(days=2))
    make_comment(article=article, author=boris, parent=reply, created_at=now - timedelta(days=2))
    rebuild_rankings()
    week = entry_of(article, Period.WEEK)
    assert (week.participants, week.replies) == (2, 1)
    assert discussed(Period.DAY) == []


def test_recent_talk_decays_less(make_article, make_comment, members):
    anna, boris, *_ = members
    now = timezone.now()
    fresh = make_article(title="fresh", published_at=now - timedelta(days=5))
    stale = make_article(title="stale", published_at=now - timedelta(hours=1))
    for article, when in ((fresh, now), (stale, now - timedelta(days=2))):
        first = make_comment(article=article, author=anna, created_at=when)
        make_comment(article=article, author=boris, parent=first, created_at=when)
    rebuild_rankings()
    # Both D = 2 + 2 = 4; the article's own age does not matter, the talk's does.
    assert discussed(Period.WEEK) == ["fresh", "stale"]
    assert entry_of(stale, Period.WEEK).decay == pytest.approx(1 / 50**0.8, rel=0.02)


def test_all_time_has_no_decay(make_article, make_comment, members):
    anna, boris, vera, _ = members
    now = timezone.now()
    big = make_article(title="big old talk")
    small = make_article(title="small new talk")
    when = now - timedelta(days=5)
    first = make_comment(article=big, author=anna, created_at=when)
    make_comment(article=big, author=boris, parent=first, created_at=when)
    make_comment(article=big, author=vera, parent=first, created_at=when)  # D = 3 + 4 = 7
    first = make_comment(article=small, author=anna)
    make_comment(article=small, author=boris, parent=first)  # D = 2 + 2 = 4
    rebuild_rankings()
    assert discussed(Period.WEEK) == ["small new talk", "big old talk"]  # 4 / 2^0.8 > 7 / 122^0.8
    assert discussed(Period.ALL) == ["big old talk", "small new talk"]


def test_hidden_comments_do_not_count(make_article, make_comment, members):
    anna, boris, *_ = members
    article = make_article(title="hidden")
    first = make_comment(article=article, author=anna)
    reply = make_comment(article=article, author=boris, parent=first)
    Comment.objects.filter(pk=reply.pk).update(status=Comment.Status.HIDDEN)
    rebuild_rankings()
    entry = entry_of(article, Period.WEEK)
    assert (entry.participants, entry.replies) == (1, 0)
    Comment.objects.filter(pk=first.pk).update(status=Comment.Status.DELETED)
    rebuild_rankings()
    assert discussed(Period.WEEK) == []


def test_the_day_begins_at_the_sites_midnight_on_every_database(
    make_article, make_comment, members, monkeypatch
):
    """Twenty minutes after midnight in Moscow (21:20 UTC the day before), a comment written ten
    minutes ago is in the day's discussion. SQLite compares moments as text: the window's start
    written as local time ("...00:00+03:00") came after it."""
    import datetime
    import zoneinfo

    moscow = zoneinfo.ZoneInfo("Europe/Moscow")
    after_midnight = datetime.datetime(2026, 12, 8, 0, 20, tzinfo=moscow)
    monkeypatch.setattr(timezone, "now", lambda: after_midnight.astimezone(datetime.UTC))
    anna, boris, *_ = members
    article = make_article(title="night", published_at=after_midnight - timedelta(days=2))
    first = make_comment(
        article=article, author=anna, created_at=after_midnight - timedelta(minutes=10)
    )
    make_comment(
        article=article,
        author=boris,
        parent=first,
        created_at=after_midnight - timedelta(minutes=5),
    )
    rebuild_rankings()
    assert discussed(Period.DAY) == ["night"]
    assert entry_of(article, Period.DAY).participants == 2
