"""Hidden and deleted comments, and comments under drafts, are not found by the comment endpoints:
none of them shows such a comment's text, or the address of a draft, to a member or a visitor."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from discussions import services

SECRET = "Тайный текст комментария"


def _hidden(comment, moderator):
    services.hide_comment(comment=comment, moderator=moderator)


def _deleted(comment, moderator):
    services.delete_comment(comment=comment, user=comment.author)


def _draft(comment, moderator):
    Article.objects.filter(pk=comment.article_id).update(status=Article.Status.DRAFT)


def _scheduled(comment, moderator):
    later = timezone.now() + timedelta(days=2)
    Article.objects.filter(pk=comment.article_id).update(published_at=later)


STATES = {"hidden": _hidden, "deleted": _deleted, "draft": _draft, "scheduled": _scheduled}
ENDPOINTS = {
    "report form": ("get", "discussions:comment_report", {}),
    "report": ("post", "discussions:comment_report", {"reason": "spam"}),
    "edit form": ("get", "discussions:comment_edit", {}),
    "edit form (json)": ("get", "discussions:comment_edit", {}),
    "edit": ("post", "discussions:comment_edit", {"body": "Правка"}),
    "vote": ("post", "discussions:comment_vote", {"value": "1"}),
    "permalink": ("get", "discussions:comment", {}),
}


@pytest.fixture
def secret_comment(make_comment):
    return make_comment(body=SECRET)


@pytest.mark.parametrize(
    ("who", "state"),
    [
        *((who, state) for who in ("anonymous", "member") for state in STATES),
        ("author", "draft"),
        ("author", "scheduled"),
    ],
)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_unreachable_comments_are_not_found(
    secret_comment, moderator, other_member, state, endpoint, who
):
    """The author still reaches their own hidden comment: to read it and to delete it."""
    STATES[state](secret_comment, moderator)
    method, name, data = ENDPOINTS[endpoint]
    client = Client()
    if who != "anonymous":
        client.force_login(secret_comment.author if who == "author" else other_member)
    headers = {"HTTP_ACCEPT": "application/json"} if "json" in endpoint else {}
    response = getattr(client, method)(reverse(name, args=[secret_comment.pk]), data, **headers)
    assert response.status_code == 404
    assert SECRET not in response.content.decode()
    if state in ("draft", "scheduled"):
        assert secret_comment.article.slug not in response.content.decode()


def test_a_reply_names_only_a_comment_of_the_same_article(
    client, make_article, make_comment, other_member
):
    draft = make_article(title="Черновик", status=Article.Status.DRAFT)
    elsewhere = make_comment(body="Под другой статьёй")
    Article.objects.filter(pk=elsewhere.article_id).update(status=Article.Status.DRAFT)
    article = make_article(title="Открытая статья")
    client.force_login(other_member)
    url = reverse("discussions:comment_create", args=[article.pk])
    response = client.post(url, {"body": "Ответ", "parent": elsewhere.pk})
    assert response.status_code == 400
    assert elsewhere.author.public_name not in response.content.decode()
    assert draft.slug not in response.content.decode()


def test_visible_comments_stay_reachable(client, secret_comment, other_member):
    client.force_login(other_member)
    report = reverse("discussions:comment_report", args=[secret_comment.pk])
    assert SECRET in client.get(report).content.decode()
    permalink = client.get(secret_comment.get_absolute_url())
    assert permalink.status_code == 302
    assert permalink["Location"].endswith(f"#{secret_comment.anchor}")
    vote = reverse("discussions:comment_vote", args=[secret_comment.pk])
    assert client.post(vote, {"value": "1"}).status_code == 302


@pytest.mark.parametrize("state", ["hidden", "deleted"])
def test_moderators_still_reach_hidden_and_deleted_comments(
    client, secret_comment, moderator, state
):
    STATES[state](secret_comment, moderator)
    client.force_login(moderator)
    assert client.get(secret_comment.get_absolute_url()).status_code == 302
    restore = reverse("discussions:comment_moderate", args=[secret_comment.pk])
    response = client.post(restore, {"action": "restore"})
    assert response.status_code == 302


def test_the_author_may_still_delete_a_hidden_comment(client, secret_comment, moderator):
    _hidden(secret_comment, moderator)
    client.force_login(secret_comment.author)
    response = client.post(reverse("discussions:comment_delete", args=[secret_comment.pk]))
    assert response.status_code == 302
    secret_comment.refresh_from_db()
    assert secret_comment.status == "deleted"
