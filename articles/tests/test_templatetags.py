import pytest
from django.utils import translation

from articles.templatetags.articles_tags import compact_number, members, reading_time

RUSSIAN_MINUTES = {
    1: "1 минута читать",
    2: "2 минуты читать",
    5: "5 минут читать",
    11: "11 минут читать",
    21: "21 минута читать",
    22: "22 минуты читать",
    25: "25 минут читать",
    101: "101 минута читать",
    111: "111 минут читать",
    14: "14 минут читать",
}


@pytest.mark.parametrize(("n", "expected"), RUSSIAN_MINUTES.items())
def test_reading_time_russian_plurals(n, expected):
    with translation.override("ru"):
        assert reading_time(n) == expected


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, "1 участник"),
        (2, "2 участника"),
        (5, "5 участников"),
        (11, "11 участников"),
        (21, "21 участник"),
        (22, "22 участника"),
        (25, "25 участников"),
        (101, "101 участник"),
        (1755, "1755 участников"),
    ],
)
def test_members_russian_plurals(n, expected):
    with translation.override("ru"):
        assert members(n) == expected


def test_english_plurals():
    with translation.override("en"):
        assert reading_time(1) == "1 min read"
        assert reading_time(5) == "5 min read"
        assert members(1) == "1 member"
        assert members(21) == "21 members"


@pytest.mark.parametrize(
    ("n", "russian", "english"),
    [
        (0, "0", "0"),
        (453, "453", "453"),
        (999, "999", "999"),
        (1000, "1 тыс.", "1K"),
        (1234, "1,2 тыс.", "1.2K"),
        (1299, "1,2 тыс.", "1.2K"),
        (12_345, "12 тыс.", "12K"),
        (999_999, "999 тыс.", "999K"),
        (3_400_000, "3,4 млн", "3.4M"),
        (2_000_000_000, "2 млрд", "2B"),
    ],
)
def test_compact_numbers(n, russian, english):
    with translation.override("ru"):
        assert compact_number(n) == russian
    with translation.override("en"):
        assert compact_number(n) == english


def test_compact_number_ignores_garbage():
    assert compact_number(None) == ""
    assert compact_number("abc") == ""


def test_fixed_parts_are_rendered_once_per_language(db):
    from django.template import engines

    page = engines["django"].from_string(
        "{% load i18n articles_tags %}"
        "{% fixed %}<a href=\"{% url 'articles:rss' %}\">{% translate 'Найти' %}</a>{% endfixed %}"
    )
    assert page.render({}) == '<a href="/rss/">Найти</a>'
    with translation.override("en"):
        assert page.render({}) == '<a href="/en/rss/">Search</a>'
    assert page.render({}) == '<a href="/rss/">Найти</a>'


@pytest.mark.parametrize(
    "inside",
    [
        "{{ user.public_name }}",
        "{% url 'articles:rubric' slug %}",
        "{% url view_name %}",
        "{% translate title %}",
        "{% translate 'Найти' as found %}",
        "{% static path %}",
        "{% if user %}x{% endif %}",
        "{% csrf_token %}",
    ],
)
def test_a_fixed_part_refuses_anything_a_visitor_or_page_could_change(inside):
    from django.template import TemplateSyntaxError, engines

    with pytest.raises(TemplateSyntaxError, match="fixed"):
        engines["django"].from_string(
            "{% load i18n static articles_tags %}{% fixed %}" + inside + "{% endfixed %}"
        )
