import pytest
from django.urls import reverse

from accounts.permissions import EDITORS
from articles.models import Article, ChatBlock


@pytest.fixture
def editor(make_user, roles):
    user = make_user(username="editor", is_staff=True)
    user.groups.add(roles[EDITORS])
    return user


def test_changelist_has_filters_search_and_counters(client, editor, make_article):
    make_article(title="Статья для редакции", tags=["переговоры"])
    client.force_login(editor)
    response = client.get(
        reverse("admin:articles_article_changelist"),
        {"q": "редакции"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Статья для редакции" in html
    for text in ("Статус", "Рубрика", "Автор", "Теги", "Просмотры", "Предпросмотр"):
        assert text.lower() in html.lower(), text  # in Russian whatever the browser asks for


def test_add_form_prefills_slug_and_hides_counters(client, editor):
    client.force_login(editor)
    html = client.get(reverse("admin:articles_article_add")).content.decode()
    assert "prepopulated_fields" in html or "data-prepopulated-fields" in html
    assert 'name="views_count"' not in html
    assert 'name="comments_count"' not in html
    assert 'name="score"' not in html


def test_editor_creates_a_scheduled_article(client, editor, rubric):
    client.force_login(editor)
    response = client.post(
        reverse("admin:articles_article_add"),
        {
            "title": "Новая статья",
            "slug": "novaia-statia",
            "rubric": rubric.pk,
            "author": editor.pk,
            "tags": "переговоры, тендеры",
            "body": "## Раздел\n\nТекст <script>alert(1)</script>",
            "status": "published",
            "published_at_0": "01.01.2099",
            "published_at_1": "10:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    article = Article.objects.get(slug="novaia-statia")
    assert article.is_scheduled
    assert "<script>" not in article.body_html
    assert client.get(article.get_absolute_url()).status_code == 404  # not out yet
    assert client.get(reverse("articles:preview", args=[article.slug])).status_code == 200


def test_publish_and_unpublish_actions(client, editor, make_article):
    draft = make_article(status=Article.Status.DRAFT)
    live = make_article()
    client.force_login(editor)
    url = reverse("admin:articles_article_changelist")
    client.post(url, {"action": "publish", "_selected_action": [draft.pk]})
    client.post(url, {"action": "unpublish", "_selected_action": [live.pk]})
    draft.refresh_from_db()
    live.refresh_from_db()
    assert draft.is_public
    assert live.status == Article.Status.DRAFT
    assert client.get(live.get_absolute_url()).status_code == 404


def test_chat_block_is_one_record(client, editor, make_user):
    client.force_login(editor)
    assert client.get(reverse("admin:articles_chatblock_add")).status_code == 200
    ChatBlock.objects.create(name="Чат", url="https://t.me/x", call_to_action="Вперёд")
    assert client.get(reverse("admin:articles_chatblock_add")).status_code == 403


def test_members_cannot_open_the_admin(client, make_user):
    client.force_login(make_user())
    assert client.get(reverse("admin:articles_article_changelist")).status_code == 302
