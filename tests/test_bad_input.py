"""Junk in addresses and parameters that used to turn pages into 500s: each is a 4xx now, or a page
that ignores it where that is what people expect."""

import pytest
from django.urls import reverse

from discussions import services


@pytest.mark.parametrize("reply", ["²", "\u0661", "9" * 30, "-1", "0", "1e3", " 1", "abc"])
def test_a_junk_reply_parameter_shows_the_article_without_a_reply(
    client, make_article, make_user, reply
):
    article = make_article()
    client.force_login(make_user())
    response = client.get(article.get_absolute_url(), {"reply": reply})
    assert response.status_code == 200
    assert "data-reply-note hidden" in response.content.decode()


def test_a_reply_parameter_names_a_comment_of_this_article(client, make_article, make_user):
    article = make_article()
    author = make_user(display_name="Пётр Отвечающий")
    comment = services.create_comment(article=article, author=author, body="Первое мнение")
    client.force_login(make_user())
    html = client.get(article.get_absolute_url(), {"reply": str(comment.pk)}).content.decode()
    assert "data-reply-note hidden" not in html and "Пётр Отвечающий" in html


@pytest.mark.parametrize(
    "url",
    [
        "/users/%00/",
        "/authors/%00/",
        "/users/a%00b/",
        "/?page=%00",
        "/tags/%00/",
        "/trending/?period=%00",
        "/accounts/login/?next=%00",
        "/admin/login/?next=/%00",
    ],
)
def test_a_nul_character_anywhere_in_the_address_is_a_400(client, db, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "недопустимый символ" in response.content.decode()


def test_a_nul_character_in_a_form_is_a_400(client, make_article, make_user):
    article = make_article()
    client.force_login(make_user())
    url = reverse("discussions:comment_create", args=[article.pk])
    assert client.post(url, {"body": "Мнение\x00"}).status_code == 400
    assert client.post(url, {"body\x00": "Мнение"}).status_code == 400


@pytest.mark.parametrize(
    "query",
    [
        "published_at__year=99999999999",
        "published_at__year=9999",
        "published_at__year=1",
        "published_at__year=0",
        "published_at__year=-5",
        "published_at__year=2024&published_at__month=13",
        "published_at__year=2024&published_at__month=2&published_at__day=99",
        "published_at__year=9999&published_at__month=12&published_at__day=31",
        "published_at__year=2024&published_at__month=99999999999999999999",
        "published_at__year=abc",
    ],
)
def test_junk_in_the_admin_date_hierarchy_shows_the_whole_list(client, make_user, query):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    response = client.get(f"{reverse('admin:articles_article_changelist')}?{query}")
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


@pytest.mark.parametrize(
    "url",
    ["admin:discussions_comment_changelist", "admin:discussions_moderationlog_changelist"],
)
def test_junk_in_the_other_date_hierarchies_too(client, make_user, url):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    response = client.get(f"{reverse(url)}?created_at__year=99999999999")
    assert response.status_code == 302


def test_a_real_year_still_filters_the_admin_list(client, make_article, make_user):
    article = make_article(title="Статья прошлых лет")
    client.force_login(make_user(is_staff=True, is_superuser=True))
    url = reverse("admin:articles_article_changelist")
    response = client.get(url, {"published_at__year": article.published_at.year})
    assert response.status_code == 200
    assert "Статья прошлых лет" in response.content.decode()


def test_refusals_carry_the_security_headers(client, db):
    response = client.get("/users/%00/")
    assert response.status_code == 400
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in response
