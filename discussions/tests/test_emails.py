"""Notification emails go out whatever the names and titles in them hold."""

import pytest
from django.core import mail

from articles.models import Article
from discussions import services

ODD = ["Иван\nBcc: spy@example.com", "Иван\r\nПетров", "Иван\u2028Петров", "Иван\x0bПетров"]


@pytest.mark.parametrize("name", ODD)
def test_a_reply_email_is_sent_whatever_the_display_name(
    article, member, make_user, make_comment, name, django_capture_on_commit_callbacks
):
    parent = make_comment()
    replier = make_user(display_name=name)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.create_comment(article=article, author=replier, body="Ответ", parent=parent)
    sent = next(m for m in mail.outbox if m.to == [member.email])
    assert sent.message()["Bcc"] is None
    assert sent.subject.startswith("Иван ") and "ответил(а) на ваш комментарий" in sent.subject


@pytest.mark.parametrize("title", ODD)
def test_a_comment_email_is_sent_whatever_the_title(
    article, other_member, title, django_capture_on_commit_callbacks
):
    Article.objects.filter(pk=article.pk).update(title=title)
    article.refresh_from_db()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.create_comment(article=article, author=other_member, body="Мнение")
    assert [m.to for m in mail.outbox] == [[article.author.email]]
    assert mail.outbox[0].subject.startswith("Новый комментарий к статье «Иван ")


def test_the_settings_form_refuses_a_display_name_on_two_lines(client, member):
    client.force_login(member)
    response = client.post("/users/settings/", {"display_name": "Мария\nПетрова", "bio": ""})
    assert response.status_code == 200
    assert "переносов строк" in response.content.decode()
    member.refresh_from_db()
    assert member.display_name == "Мария Петрова"


def test_the_admin_refuses_an_article_title_on_two_lines(client, make_user, article):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    data = {
        "title": "Заголовок\nBcc: spy@example.com",
        "slug": "zagolovok",
        "rubric": article.rubric_id,
        "author": article.author_id,
        "body": "Текст",
        "status": "draft",
        "tags": "",
    }
    response = client.post("/admin/articles/article/add/", data)
    assert response.status_code == 200
    assert "переносов строк" in response.content.decode()
    assert not Article.objects.filter(slug="zagolovok").exists()
