import datetime

import pytest
from django.utils import timezone, translation

from discussions.templatetags.discussions_tags import ago, signed


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [(1, "1 минуту назад"), (2, "2 минуты назад"), (5, "5 минут назад"), (21, "21 минуту назад")],
)
def test_relative_time_uses_russian_plurals(minutes, expected):
    with translation.override("ru"):
        text = ago(timezone.now() - datetime.timedelta(minutes=minutes, seconds=5))
    assert text.replace("\xa0", " ") == expected  # the number keeps to its word


def test_older_comments_show_the_date():
    moment = timezone.now() - datetime.timedelta(days=400)
    with translation.override("ru"):
        text = ago(moment)
    assert str(timezone.localtime(moment).year) in text and "назад" not in text


def test_signed_scores():
    assert (signed(5), signed(-3), signed(0)) == ("+5", "\u22123", "0")
