"""Follows and "Моя лента": following rubrics, tags and authors, the feed of what one follows,
and the bell (and email) about a followed author's new article, once."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Rubric, Tag
from discussions import follow_views, services
from discussions.models import Follow, FollowersNotified, Notification

JSON = {"HTTP_ACCEPT": "application/json"}


def follow_url(kind, pk):
    return reverse("discussions:follow", args=[kind, pk])


@pytest.fixture
def reader(make_user):
    return make_user(username="chitatel", display_name="Читатель")


@pytest.fixture
def author(make_user):
    return make_user(username="avtor", display_name="Автор Ленты")


# The button and the form


def test_follow_without_script_and_back_to_the_page(client, reader, rubric):
    client.force_login(reader)
    response = client.post(follow_url("rubric", rubric.pk), {"following": "1"})
    assert response.status_code == 302 and response["Location"] == rubric.get_absolute_url()
    assert Follow.objects.filter(member=reader, rubric=rubric).exists()
    html = client.get(rubric.get_absolute_url()).content.decode()
    assert 'aria-pressed="true"' in html and "Вы подписаны" in html
    client.post(follow_url("rubric", rubric.pk), {"following": "0"})
    assert not Follow.objects.exists()


def test_follow_answers_json_for_the_script(client, reader, author):
    client.force_login(reader)
    response = client.post(follow_url("author", author.pk), {"following": "1"}, **JSON)
    assert response.status_code == 200 and response.json() == {"following": True}
    again = client.post(follow_url("author", author.pk), {"following": "1"}, **JSON)
    assert again.json() == {"following": True}  # a double click follows once
    assert Follow.objects.filter(member=reader, author=author).count() == 1


def test_follow_needs_csrf_and_a_member(reader, rubric):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(reader)
    assert strict.post(follow_url("rubric", rubric.pk), {"following": "1"}).status_code == 403
    anonymous = Client()
    response = anonymous.post(follow_url("rubric", rubric.pk), {"following": "1"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert anonymous.post(follow_url("rubric", rubric.pk), **JSON).status_code == 401
    assert not Follow.objects.exists()


def test_anonymous_page_has_a_login_link_and_no_token(client, rubric, make_article):
    make_article()
    html = client.get(rubric.get_absolute_url()).content.decode()
    login = reverse("account_login") + "?next=" + rubric.get_absolute_url().replace("/", "%2F")
    assert f'<a class="follow-button" href="{login}"' in html
    assert "csrfmiddlewaretoken" not in html


def test_buttons_on_tag_and_author_pages_not_on_ones_own(client, reader, author, make_article):
    make_article(author=author, tags=["переговоры"])
    tag = Tag.objects.get()
    client.force_login(reader)
    assert follow_url("tag", tag.pk) in client.get(tag.get_absolute_url()).content.decode()
    assert follow_url("author", author.pk) in client.get(author.get_absolute_url()).content.decode()
    client.force_login(author)
    assert (
        follow_url("author", author.pk)
        not in client.get(author.get_absolute_url()).content.decode()
    )


@pytest.mark.parametrize(
    ("kind", "pk"), [("series", 1), ("rubric", 999999), ("author", 999999), ("x", 1)]
)
def test_unknown_targets_are_404(client, reader, kind, pk):
    client.force_login(reader)
    assert client.post(follow_url(kind, pk), {"following": "1"}).status_code == 404


def test_following_oneself_is_refused(client, reader):
    client.force_login(reader)
    response = client.post(follow_url("author", reader.pk), {"following": "1"}, **JSON)
    assert response.status_code == 400 and "себя" in response.json()["error"]
    assert not Follow.objects.exists()


def test_one_follow_per_member_and_target_in_the_database(reader, rubric):
    Follow.objects.create(member=reader, rubric=rubric)
    with pytest.raises(IntegrityError), transaction.atomic():
        Follow.objects.create(member=reader, rubric=rubric)
    with pytest.raises(IntegrityError), transaction.atomic():
        Follow.objects.create(member=reader)  # points at nothing


def test_follows_are_rate_limited(client, make_user, settings, author, rubric):
    settings.RATE_LIMITS = {"follow": "2/60"}
    member = make_user()
    member.date_joined = timezone.now() - timedelta(days=30)
    member.save()
    client.force_login(member)
    for following in ("1", "0"):
        assert (
            client.post(follow_url("rubric", rubric.pk), {"following": following}).status_code
            == 302
        )
    response = client.post(follow_url("author", author.pk), {"following": "1"})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0


def test_settings_list_the_follows_and_unfollow(client, reader, author, rubric):
    Follow.objects.create(member=reader, rubric=rubric)
    Follow.objects.create(member=reader, author=author)
    client.force_login(reader)
    html = client.get(reverse("accounts:settings")).content.decode()
    assert rubric.name in html and author.public_name in html
    assert html.count("Отписаться") == 2
    response = client.post(
        follow_url("author", author.pk), {"following": "0", "next": "/users/settings/#follows"}
    )
    assert response["Location"] == "/users/settings/#follows"
    # and never to another site
    response = client.post(
        follow_url("rubric", rubric.pk), {"following": "0", "next": "//evil.example/"}
    )
    assert response["Location"] == rubric.get_absolute_url()
    assert not Follow.objects.exists()


def test_email_preference_is_saved(client, reader):
    client.force_login(reader)
    client.post(
        reverse("accounts:settings"),
        {"display_name": "Читатель", "bio": "", "notify_followed_articles": "on"},
    )
    reader.refresh_from_db()
    assert reader.notify_followed_articles


# The feed


def test_feed_shows_what_one_follows_newest_first(client, reader, author, make_article, make_user):
    other_rubric = Rubric.objects.create(name="Переговоры", slug="peregovory")
    stranger = make_user()
    by_author = make_article(author=author, rubric=other_rubric, title="От автора")
    tagged = make_article(author=stranger, rubric=other_rubric, tags=["crm"], title="С тегом")
    in_rubric = make_article(author=stranger, title="В рубрике")
    both = make_article(author=author, tags=["crm"], title="И автор, и тег")
    make_article(author=stranger, rubric=other_rubric, title="Чужая")
    make_article(author=author, status=Article.Status.DRAFT, title="Черновик автора")
    Follow.objects.create(member=reader, author=author)
    Follow.objects.create(member=reader, tag=Tag.objects.get(name="crm"))
    Follow.objects.create(member=reader, rubric=in_rubric.rubric)
    client.force_login(reader)
    html = client.get(reverse("discussions:feed")).content.decode()
    titles = [a.title for a in (by_author, tagged, in_rubric, both)]
    assert all(f">{t}</a>" in html for t in titles)
    assert html.count(">И автор, и тег</a>") == 1  # once, though followed twice
    assert "Чужая" not in html and "Черновик автора" not in html
    newest_first = sorted((by_author, tagged, in_rubric, both), key=lambda a: a.published_at)[::-1]
    positions = [html.index(f">{a.title}</a>") for a in newest_first]
    assert positions == sorted(positions)


def test_feed_is_for_members_and_never_page_cached(client, reader):
    assert client.get(reverse("discussions:feed"))["Location"].startswith("/accounts/login/")
    assert not hasattr(follow_views.feed, "page_cache_params")
    client.force_login(reader)
    html = client.get(reverse("discussions:feed")).content.decode()
    assert "Подпишитесь на рубрики, теги или авторов" in html
    assert f'href="{reverse("discussions:feed")}"' in html  # "Моя лента" in the member's menu


def test_feed_paginates_like_the_other_lists(client, reader, author, make_article, settings):
    settings.ARTICLES_PER_PAGE = 2
    for _ in range(5):
        make_article(author=author)
    Follow.objects.create(member=reader, author=author)
    client.force_login(reader)
    html = client.get(reverse("discussions:feed"), {"page": 2}).content.decode()
    assert 'aria-current="page"' in html and 'href="/feed/?page=3"' in html
    assert client.get(reverse("discussions:feed"), {"page": 9}).status_code == 404


@pytest.mark.parametrize("size", [2, 12])
def test_feed_query_count_is_fixed_however_much_one_follows(
    client, reader, make_user, make_article, django_assert_num_queries, size
):
    for n in range(size):
        author = make_user()
        rubric = Rubric.objects.create(name=f"Рубрика {size}-{n}", slug=f"r-{size}-{n}")
        make_article(author=author, rubric=rubric, tags=[f"тег {n}"])
        Follow.objects.create(member=reader, author=author)
        Follow.objects.create(member=reader, rubric=rubric)
        Follow.objects.create(member=reader, tag=Tag.objects.get(name=f"тег {n}"))
    client.force_login(reader)
    client.get("/")  # the sidebar, the rubric menu and the cards are cached, as on a live site
    # session, member, the count, whether they follow anything, the bell's unread count, the
    # page's card states: one query for the articles of everything followed
    with django_assert_num_queries(6):
        response = client.get(reverse("discussions:feed"))
    assert response.status_code == 200


# The bell and the email


def test_new_article_of_a_followed_author_notifies_once(
    reader, author, make_user, make_article, django_capture_on_commit_callbacks
):
    Follow.objects.create(member=reader, author=author)
    opted_in = make_user(notify_followed_articles=True)
    Follow.objects.create(member=opted_in, author=author)
    article = make_article(author=author, published_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notify_followers() == 2
        assert services.notify_followers() == 0  # twice in a row: nobody hears twice
    notes = Notification.objects.filter(kind=Notification.Kind.NEW_ARTICLE, article=article)
    assert sorted(notes.values_list("recipient_id", flat=True)) == sorted([reader.pk, opted_in.pk])
    assert [m.to for m in mail.outbox] == [[opted_in.email]]  # email only when opted in
    assert article.title in mail.outbox[0].subject and article.slug in mail.outbox[0].body
    assert "/unsubscribe/" in mail.outbox[0].body


def test_scheduled_article_notifies_when_its_time_comes(reader, author, make_article):
    Follow.objects.create(member=reader, author=author)
    article = make_article(author=author, published_at=timezone.now() + timedelta(hours=1))
    assert services.notify_followers() == 0
    assert not FollowersNotified.objects.exists()  # not claimed before it is public
    Article.objects.filter(pk=article.pk).update(published_at=timezone.now())
    assert services.notify_followers() == 1
    assert Notification.objects.get(recipient=reader).article == article


def test_old_articles_and_other_authors_notify_nobody(reader, author, make_user, make_article):
    Follow.objects.create(member=reader, author=author)
    make_article(author=author, published_at=timezone.now() - timedelta(days=5))
    make_article(author=make_user(), published_at=timezone.now())
    assert services.notify_followers() == 0
    assert not Notification.objects.exists()


def test_the_bell_shows_the_new_article(client, reader, author, make_article):
    Follow.objects.create(member=reader, author=author)
    article = make_article(author=author, published_at=timezone.now())
    services.notify_followers()
    client.force_login(reader)
    html = client.get(reverse("discussions:notifications")).content.decode()
    assert f"<strong>{author.public_name}</strong> опубликовал(а) статью «{article.title}»" in html
    note = Notification.objects.get()
    response = client.get(reverse("discussions:notification_open", args=[note.pk]))
    assert response["Location"] == article.get_absolute_url()


def test_the_job_runs_from_the_command_line(reader, author, make_article, capsys):
    from django.core.management import call_command

    Follow.objects.create(member=reader, author=author)
    make_article(author=author, published_at=timezone.now())
    call_command("notify_followers")
    assert "Followers told about new articles: 1." in capsys.readouterr().out
