import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from accounts.models import User
from articles.models import Article
from discussions.services import create_comment

# member (1), count of their articles (2), the page of them (3), comments (4); the cards' tags
# are not needed: the home page rendered (and cached) the same cards
PROFILE_QUERIES = 4


def _image(fmt="PNG", size=(64, 64), name="avatar.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 80, 20)).save(buffer, fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


@pytest.fixture
def member(make_user):
    return make_user(
        username="olga",
        display_name="Ольга Продажная",
        bio="Продаю аутсорс с 2012 года.\n\nПишу о переговорах.",
        date_joined=timezone.make_aware(timezone.datetime(2024, 3, 5, 12, 0)),
    )


def test_profile_shows_member_and_their_published_articles(client, member, make_article):
    User.objects.filter(pk=member.pk).update(score=1234, comments_count=7)
    make_article(author=member, title="Как продавать аутсорс", tags=["переговоры"])
    make_article(author=member, title="Черновик о скидках", status=Article.Status.DRAFT)
    make_article(title="Чужая статья")
    response = client.get(member.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert member.get_absolute_url() == "/users/olga/"
    assert "<title>Ольга Продажная — Sales Label</title>" in html
    assert "@olga" in html
    assert "<p>Продаю аутсорс с 2012 года.</p>" in html
    assert "С нами с 5 марта 2024" in html
    assert "1,2 тыс." in html  # the score
    assert "<dd>7</dd>" in html  # comments
    assert "Как продавать аутсорс" in html and "#переговоры" in html
    assert "Черновик о скидках" not in html and "Чужая статья" not in html
    assert 'class="avatar avatar--large avatar--initials"' in html and ">О<" in html
    assert "Редактировать профиль" not in html  # only on one's own profile


def test_own_profile_links_to_settings(client, member):
    client.force_login(member)
    html = client.get(member.get_absolute_url()).content.decode()
    assert f'href="{reverse("accounts:settings")}"' in html and "Редактировать профиль" in html


def test_profile_without_articles_says_so(client, member):
    html = client.get(member.get_absolute_url()).content.decode()
    assert "Статей пока нет." in html


@pytest.mark.parametrize("url", ["/users/nobody/", "/users/olga/?page=9", "/users/olga/?page=x"])
def test_profile_bad_input_is_404(client, member, url):
    assert client.get(url).status_code == 404


def test_inactive_member_has_no_profile(client, member):
    User.objects.filter(pk=member.pk).update(is_active=False)
    assert client.get(member.get_absolute_url()).status_code == 404


def test_profile_paginates_articles(client, member, make_article, settings):
    settings.ARTICLES_PER_PAGE = 2
    for n in range(3):
        make_article(author=member, title=f"Выпуск {n}")
    html = client.get(member.get_absolute_url() + "?page=2").content.decode()
    # make_article dates each new article an hour earlier: the first one is the newest
    assert "Выпуск 2" in html and "Выпуск 0" not in html
    assert "Страница 2 из 2" in html


def test_profile_lists_latest_comments_with_links(client, member, make_article):
    article = make_article(title="Статья для спора")
    comment = create_comment(article=article, author=member, body="Не согласна с выводом.")
    html = client.get(member.get_absolute_url()).content.decode()
    assert "Последние комментарии" in html
    assert "Не согласна с выводом." in html
    assert f'href="/comments/{comment.pk}/"' in html  # the permanent link finds its part


@pytest.mark.parametrize("size", [2, 25])
def test_profile_query_count_does_not_grow_with_articles_and_comments(
    client, member, make_article, django_assert_num_queries, size
):
    for n in range(size):
        article = make_article(author=member, tags=[f"тег {n % 4}", "общий"])
        create_comment(article=article, author=member, body=f"Комментарий {n}", send_email=False)
    client.get("/")  # warm the cached rubric navigation, sidebar and cards, as on a live site
    with django_assert_num_queries(PROFILE_QUERIES):
        response = client.get(member.get_absolute_url())
    assert response.status_code == 200


def test_old_author_address_redirects_permanently(client, member):
    response = client.get(reverse("articles:author", args=["olga"]))
    assert response.status_code == 301
    assert response["Location"] == "/users/olga/"
    response = client.get("/en/authors/olga/")
    assert response["Location"] == "/en/users/olga/"


def test_settings_sends_anonymous_to_login_and_back(client, db):
    response = client.get(reverse("accounts:settings"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next=/users/settings/"


def test_settings_form_shows_current_values(client, member):
    client.force_login(member)
    html = client.get(reverse("accounts:settings")).content.decode()
    assert 'value="Ольга Продажная"' in html
    assert "Продаю аутсорс с 2012 года." in html
    assert 'name="notify_replies" id="id_notify_replies" checked' in html
    assert "Мой аккаунт" in html


def test_member_updates_profile_and_preferences(client, member):
    client.force_login(member)
    response = client.post(
        reverse("accounts:settings"),
        {
            "display_name": "  Ольга К.  ",
            "bio": "Теперь руковожу отделом.",
            "avatar": _image(),
            "notify_article_comments": "on",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:settings")
    member.refresh_from_db()
    assert member.display_name == "Ольга К."
    assert member.bio == "Теперь руковожу отделом."
    assert member.avatar.name.startswith("avatars/") and member.avatar.storage.exists(
        member.avatar.name
    )
    assert member.notify_replies is False and member.notify_article_comments is True
    html = client.get(response["Location"]).content.decode()
    assert "Настройки сохранены." in html
    assert member.avatar.url in html


def test_new_avatar_replaces_the_old_file_and_removal_clears_it(
    client, member, django_capture_on_commit_callbacks
):
    client.force_login(member)
    data = {"display_name": "Ольга", "bio": "", "notify_replies": "on"}
    client.post(reverse("accounts:settings"), {**data, "avatar": _image()})
    member.refresh_from_db()
    first = member.avatar.name
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:settings"), {**data, "avatar": _image("JPEG", name="b.jpg")})
    member.refresh_from_db()
    assert member.avatar.name != first
    assert not member.avatar.storage.exists(first)
    second = member.avatar.name
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:settings"), {**data, "remove_avatar": "on"})
    member.refresh_from_db()
    assert not member.avatar
    assert not member.avatar.storage.exists(second)


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("cv.pdf", b"%PDF-1.4 not a picture"), "Это не картинка"),
        (lambda: _image("BMP", name="old.bmp"), "Формат BMP не подходит"),
        # just over the limit (bigger uploads are refused unread: test_avatars.py)
        (lambda: _image("BMP", size=(1024, 683), name="huge.bmp"), "а можно не больше 2,0"),
    ],
)
def test_bad_avatar_is_a_form_error_and_keeps_the_other_fields(client, member, upload, message):
    client.force_login(member)
    upload = upload() if callable(upload) else upload
    response = client.post(
        reverse("accounts:settings"),
        {"display_name": "Новое имя", "bio": "Новый текст о себе", "avatar": upload},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert 'value="Новое имя"' in html and "Новый текст о себе" in html  # nothing retyped
    member.refresh_from_db()
    assert member.display_name == "Ольга Продажная" and not member.avatar
    assert "Ольга Продажная" in html  # the header still shows the saved name


def test_settings_refuses_too_long_display_name(client, member):
    client.force_login(member)
    response = client.post(reverse("accounts:settings"), {"display_name": "я" * 81})
    assert response.status_code == 200
    assert "не более 80 символов" in response.content.decode()


def test_settings_needs_csrf(member):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post(reverse("accounts:settings"), {"display_name": "Взлом"})
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.display_name == "Ольга Продажная"


def test_new_member_flag(make_user):
    assert make_user().is_new
    old = make_user(date_joined=timezone.now() - timedelta(days=2))
    assert not old.is_new


def test_admin_user_page_shows_profile_and_counters(client, make_user, member):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    response = client.get(reverse("admin:accounts_user_change", args=[member.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="display_name"' in html and 'name="notify_replies"' in html
    assert 'name="commenting_banned_reason"' in html
    assert 'name="score"' not in html  # kept by the discussions services, read-only here
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 200
