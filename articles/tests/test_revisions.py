"""Revisions of articles: every save keeps one (who, when, what changed), editors compare two and
restore one (a new revision), readers see "обновлено" after a content edit; counters and bulk
writes keep none; members and moderators do not get in."""

import datetime

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from accounts.permissions import EDITORS, MODERATORS
from articles import revisions, services
from articles.models import Article


@pytest.fixture
def editor(make_staff):
    return make_staff(EDITORS, username="editor", display_name="Ирина Редактор")


@pytest.fixture
def article(make_article):
    return make_article(title="Как продавать поддержку", lead="Коротко.", body="Первый абзац.")


def _edit(article, editor, **fields):
    for name, value in fields.items():
        setattr(article, name, value)
    services.save_article(article=article, editor=editor)
    article.refresh_from_db()


def test_every_save_keeps_a_revision_with_who_and_what(article, editor):
    _edit(article, editor, title="Как продавать поддержку после запуска", body="Новый абзац.")

    versions = list(revisions.revisions_of(article))
    # The state before the first edit in the admin is kept too, so the edit can be undone.
    assert len(versions) == 2
    newest, first = versions
    assert newest.revision.user == editor
    assert newest.revision.comment == "Изменено: заголовок, текст (Markdown)"
    assert newest.field_dict["title"] == "Как продавать поддержку после запуска"
    assert first.field_dict["title"] == "Как продавать поддержку"
    assert first.revision.user is None

    _edit(article, editor, lead="Другой лид.")
    assert revisions.revisions_of(article).count() == 3
    assert revisions.revisions_of(article).first().revision.comment == "Изменено: лид"


def test_a_new_article_gets_its_first_revision(make_user, rubric, editor):
    article = Article(title="Новая", body="Текст", rubric=rubric, author=editor)
    services.save_article(article=article, editor=editor)
    assert [v.revision.comment for v in revisions.revisions_of(article)] == ["Статья создана"]


def test_counters_and_bulk_writes_keep_no_revision(article, make_article):
    Article.objects.filter(pk=article.pk).update(
        views_count=F("views_count") + 5, comments_count=F("comments_count") + 1
    )
    article.save()  # a plain save outside the services (the demo loader's, a script's)
    Article.objects.bulk_create(
        [Article(title="Пачкой", slug="pachkoi", body="x", **_same(article))]
    )
    assert revisions.revisions_of(article).count() == 0
    assert not revisions.revisions_of(Article.objects.get(slug="pachkoi")).exists()


def _same(article):
    return {"rubric_id": article.rubric_id, "author_id": article.author_id}


def test_publishing_keeps_a_revision(make_article, editor):
    draft = make_article(status=Article.Status.DRAFT)
    services.publish(articles=[draft], editor=editor)
    newest = revisions.revisions_of(draft).first()
    assert (newest.revision.comment, newest.revision.user) == ("Опубликована", editor)


def test_readers_see_updated_after_a_content_edit(client, article, editor, settings):
    settings.PAGE_CACHE_SECONDS = 0
    _edit(article, editor, rubric=article.rubric, discussion_closed=True)
    assert article.content_updated_at is None  # not a content edit
    Article.objects.filter(pk=article.pk).update(views_count=F("views_count") + 1)
    assert "обновлено" not in client.get(article.get_absolute_url()).content.decode()

    _edit(article, editor, body="Исправленный абзац.")
    assert article.content_updated_at is not None
    page = client.get(article.get_absolute_url()).content.decode()
    assert "обновлено <time" in page
    assert "Исправленный абзац." in page


def test_edits_before_publication_are_not_updates(make_article, editor):
    draft = make_article(status=Article.Status.DRAFT)
    _edit(draft, editor, body="Черновик поправили.")
    scheduled = make_article(published_at=timezone.now() + datetime.timedelta(days=1))
    _edit(scheduled, editor, title="Выйдет завтра")
    assert draft.content_updated_at is None and scheduled.content_updated_at is None


# The admin's pages


def _page(client, article, **params):
    return client.get(reverse("admin:articles_article_revisions", args=[article.pk]), params)


def test_editors_compare_two_revisions(client, article, editor):
    _edit(article, editor, title="Как продавать поддержку после запуска")
    _edit(article, editor, body="Первый абзац.\n\nВторой <script>alert(1)</script> абзац.")
    client.force_login(editor)
    versions = list(revisions.revisions_of(article))

    listing = _page(client, article).content.decode()
    assert "Версии статьи" in listing and "Ирина Редактор" in listing
    assert "Изменено: текст (Markdown)" in listing

    html = _page(client, article, a=versions[-1].pk, b=versions[0].pk).content.decode()
    assert "<del>Как продавать поддержку</del>" not in html  # words, not whole lines
    assert "<ins>после запуска</ins>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert "Лид — без изменений" in html


def test_bad_comparisons_get_a_message(client, article, editor, make_article):
    _edit(article, editor, title="Другой заголовок")
    other = make_article()
    _edit(other, editor, title="Чужой")
    client.force_login(editor)
    foreign = revisions.revisions_of(other).first().pk
    own = revisions.revisions_of(article).first().pk
    for params in ({"a": "junk", "b": own}, {"a": foreign, "b": own}, {"a": own, "b": own}):
        response = _page(client, article, **params)
        assert response.status_code == 400
        assert "Выберите две разные версии этой статьи." in response.content.decode()
    assert client.get("/admin/articles/article/abc/revisions/").status_code == 404


def test_restoring_is_a_new_revision_through_the_save_service(client, article, editor):
    _edit(article, editor, title="Неудачный заголовок", body="Неудачный **текст**.")
    client.force_login(editor)
    first = revisions.revisions_of(article).last()
    url = reverse("admin:articles_article_restore", args=[article.pk, first.pk])

    confirm = client.get(url).content.decode()
    assert "Восстановить эту версию" in confirm and "Неудачный" in confirm
    response = client.post(url, follow=True)

    article.refresh_from_db()
    assert article.title == "Как продавать поддержку"
    assert article.body_html == "<p>Первый абзац.</p>\n"  # derived fields rendered again
    newest = revisions.revisions_of(article).first()
    assert newest.revision.comment.startswith("Восстановлена версия от ")
    assert revisions.revisions_of(article).count() == 3
    assert "Версия восстановлена: заголовок, текст (Markdown)." in response.content.decode()


def test_a_revision_of_another_article_is_not_restored(client, article, editor, make_article):
    other = make_article(title="Другая")
    _edit(other, editor, title="Другая, исправленная")
    client.force_login(editor)
    foreign = revisions.revisions_of(other).last()
    url = reverse("admin:articles_article_restore", args=[article.pk, foreign.pk])
    assert client.post(url).status_code == 404
    article.refresh_from_db()
    assert article.title == "Как продавать поддержку"


@pytest.mark.parametrize("role", ["member", "moderator"])
def test_members_and_moderators_do_not_get_in(client, article, editor, make_user, make_staff, role):
    _edit(article, editor, title="Исправленный")
    version = revisions.revisions_of(article).last()
    user = make_user(username="reader") if role == "member" else make_staff(MODERATORS)
    client.force_login(user)
    restore = reverse("admin:articles_article_restore", args=[article.pk, version.pk])
    expected = 302 if role == "member" else 403
    assert _page(client, article).status_code == expected
    assert client.post(restore).status_code == expected
    article.refresh_from_db()
    assert article.title == "Исправленный"


def test_restoring_needs_an_editor_in_the_service(article, editor, make_staff):
    from django.core.exceptions import PermissionDenied

    _edit(article, editor, title="Исправленный")
    version = revisions.revisions_of(article).last()
    with pytest.raises(PermissionDenied):
        revisions.restore_revision(article=article, version=version, editor=make_staff(MODERATORS))


def test_the_change_form_links_to_the_revisions(client, article, editor):
    client.force_login(editor)
    page = client.get(reverse("admin:articles_article_change", args=[article.pk]))
    assert reverse("admin:articles_article_revisions", args=[article.pk]) in page.content.decode()


@pytest.mark.parametrize("edits", [2, 8])
def test_the_revisions_page_is_a_fixed_number_of_queries(
    client, article, editor, django_assert_num_queries, edits
):
    for n in range(edits):
        _edit(article, editor, body=f"Абзац номер {n}.")
    client.force_login(editor)
    versions = list(revisions.revisions_of(article))
    _page(client, article)  # the session and permissions warm up
    # session, user, the article, permissions (its own, its groups'), its revisions with
    # their users, and the admin's menu asking whether a chat block exists
    with django_assert_num_queries(7):
        response = _page(client, article, a=versions[-1].pk, b=versions[0].pk)
    assert response.content.decode().count('name="a"') == edits + 1
