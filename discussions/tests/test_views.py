import datetime
import re
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from discussions import services
from discussions.models import Bookmark, Comment, CommentVote, Notification, Report

JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def barred(make_user):
    return make_user(
        username="barred",
        commenting_banned_reason="оскорбления",
        commenting_banned_until=timezone.now() + datetime.timedelta(days=3),
    )


@pytest.fixture
def comment(make_comment):
    return make_comment(body="Исходный текст")


def _client_for(request, who):
    client = Client()
    if who != "anonymous":
        client.force_login(request.getfixturevalue({"author": "member"}.get(who, who)))
    return client


# The permission matrix: every action, every kind of visitor. The comment is written by `member`
# ("author" below), under an article by someone else. Expected: "ok", "login" or the status.
ACTIONS = {
    "comment": (
        lambda c: reverse("discussions:comment_create", args=[c.article_id]),
        {"body": "Новое мнение"},
    ),
    "reply": (
        lambda c: reverse("discussions:comment_create", args=[c.article_id]),
        {"body": "Ответ", "parent": "{pk}"},
    ),
    "edit": (lambda c: reverse("discussions:comment_edit", args=[c.pk]), {"body": "Правка"}),
    "delete": (lambda c: reverse("discussions:comment_delete", args=[c.pk]), {}),
    "vote_comment": (lambda c: reverse("discussions:comment_vote", args=[c.pk]), {"value": "1"}),
    "vote_article": (
        lambda c: reverse("discussions:article_vote", args=[c.article_id]),
        {"value": "1"},
    ),
    "report": (lambda c: reverse("discussions:comment_report", args=[c.pk]), {"reason": "spam"}),
    "hide": (lambda c: reverse("discussions:comment_moderate", args=[c.pk]), {"action": "hide"}),
    "bookmark": (lambda c: reverse("discussions:bookmark", args=[c.article_id]), {"saved": "1"}),
    "close": (
        lambda c: reverse("discussions:article_discussion", args=[c.article_id]),
        {"closed": "1"},
    ),
}
MATRIX = {
    #               anonymous, member (other), author, barred, moderator
    "comment": ("login", "ok", "ok", 403, "ok"),
    "reply": ("login", "ok", "ok", 403, "ok"),
    "edit": ("login", 403, "ok", 403, 403),
    "delete": ("login", 403, "ok", 403, "ok"),
    "vote_comment": ("login", "ok", 403, "ok", "ok"),
    "vote_article": ("login", "ok", "ok", "ok", "ok"),
    "report": ("login", "ok", 403, "ok", "ok"),
    "hide": ("login", 403, 403, 403, "ok"),
    "bookmark": ("login", "ok", "ok", "ok", "ok"),
    "close": ("login", 403, 403, 403, "ok"),
}
WHO = ("anonymous", "other_member", "author", "barred", "moderator")
CASES = [
    (action, who, expected)
    for action, row in MATRIX.items()
    for who, expected in zip(WHO, row, strict=True)
]


def _effect(action, comment):
    """A fingerprint of what the action changes, to prove refusals change nothing."""
    comment.refresh_from_db()
    article = Article.objects.get(pk=comment.article_id)
    return (
        Comment.objects.count(),
        comment.body,
        comment.status,
        comment.score,
        article.score,
        Report.objects.count(),
        Bookmark.objects.count(),
        article.discussion_closed,
    )


@pytest.mark.parametrize(("action", "who", "expected"), CASES)
def test_permission_matrix(request, comment, barred, action, who, expected):
    url_of, data = ACTIONS[action]
    url = url_of(comment)
    data = {key: value.format(pk=comment.pk) for key, value in data.items()}
    before = _effect(action, comment)
    response = _client_for(request, who).post(url, data)
    after = _effect(action, comment)
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login") + "?next=")
        assert after == before
    elif expected == "ok":
        assert response.status_code == 302, response.content.decode()[:500]
        assert "#" in response["Location"] or action == "close"
        assert after != before
    else:
        assert response.status_code == expected
        assert after == before


def test_anonymous_goes_to_login_and_back_to_the_comments(client, article):
    response = client.post(reverse("discussions:comment_create", args=[article.pk]), {"body": "x"})
    assert response["Location"] == (
        reverse("account_login")
        + f"?next={article.get_absolute_url()}%23comments".replace("/", "%2F")
    )


def test_anonymous_script_gets_401_with_login_url(client, comment):
    response = client.post(
        reverse("discussions:comment_vote", args=[comment.pk]), {"value": "1"}, **JSON
    )
    assert response.status_code == 401
    assert "%23comment-" in response.json()["login_url"]


POST_URLS = [
    lambda c: reverse("discussions:comment_create", args=[c.article_id]),
    lambda c: reverse("discussions:comment_edit", args=[c.pk]),
    lambda c: reverse("discussions:comment_delete", args=[c.pk]),
    lambda c: reverse("discussions:comment_vote", args=[c.pk]),
    lambda c: reverse("discussions:article_vote", args=[c.article_id]),
    lambda c: reverse("discussions:comment_report", args=[c.pk]),
    lambda c: reverse("discussions:comment_moderate", args=[c.pk]),
    lambda c: reverse("discussions:bookmark", args=[c.article_id]),
    lambda c: reverse("discussions:article_discussion", args=[c.article_id]),
    lambda c: reverse("discussions:notifications_read"),
]


@pytest.mark.parametrize("url_of", POST_URLS)
def test_csrf_is_enforced_on_every_form(comment, moderator, url_of):
    client = Client(enforce_csrf_checks=True)
    client.force_login(moderator)
    data = {"body": "Текст", "value": "1", "reason": "spam", "action": "hide", "saved": "1"}
    assert client.post(url_of(comment), data).status_code == 403
    assert _effect(None, comment)[2] == Comment.Status.VISIBLE


def test_form_with_the_pages_csrf_token_goes_through(article, other_member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(other_member)
    page = client.get(article.get_absolute_url()).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(
        reverse("discussions:comment_create", args=[article.pk]),
        {"body": "С токеном", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert Comment.objects.filter(body="С токеном").exists()


HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[нажми](javascript:alert(1))",
    '<a href="javascript:alert(1)" onclick="alert(2)">ссылка</a>',
    "</div></li></ol></section><b>незакрытый <i>тег",
    '<svg onload=alert(1)><iframe src="https://evil.example"></iframe>',
    "[x](JaVaScRiPt:alert(1)) [y](data:text/html;base64,PHNjcmlwdD4=)",
]


class _MarkupAudit(HTMLParser):
    """Collects every element or attribute in a fragment that could run script or load content."""

    FORBIDDEN_TAGS = frozenset(
        ("script", "iframe", "img", "svg", "object", "embed", "style", "form", "input")
    )

    def __init__(self):
        super().__init__()
        self.unsafe = []

    def handle_starttag(self, tag, attrs):
        if tag in self.FORBIDDEN_TAGS:
            self.unsafe.append(tag)
        for name, value in attrs:
            if name.startswith("on") or name in {"style", "src"}:
                self.unsafe.append(f"{tag}[{name}]")
            if name == "href" and not (value or "").startswith(("http://", "https://", "mailto:")):
                self.unsafe.append(f"{tag}[href={value}]")


def _unsafe_markup(fragment: str) -> list[str]:
    audit = _MarkupAudit()
    audit.feed(fragment)
    return audit.unsafe


@pytest.mark.parametrize("body", HOSTILE)
def test_hostile_bodies_are_rendered_inert(client, article, other_member, body):
    client.force_login(other_member)
    response = client.post(
        reverse("discussions:comment_create", args=[article.pk]), {"body": body}, follow=True
    )
    assert response.status_code == 200
    html = response.content.decode()
    comment = Comment.objects.get()
    start = html.index(f'id="comment-{comment.pk}"')
    fragment = html[start : html.index("</footer>", start)]
    text = fragment[fragment.index('class="comment__text"') : fragment.index("<footer")]
    unsafe = _unsafe_markup(text)
    assert unsafe == [], unsafe
    # The thread's structure survives a body full of closing tags.
    assert html.count('<section class="comments"') == 1
    assert 'class="comment__actions"' in fragment


def test_links_get_nofollow_ugc(client, article, other_member):
    client.force_login(other_member)
    client.post(
        reverse("discussions:comment_create", args=[article.pk]),
        {"body": "[сайт](https://example.com)"},
    )
    assert 'rel="nofollow ugc noopener"' in Comment.objects.get().body_html


def _post_comment(client, article, **data):
    return client.post(reverse("discussions:comment_create", args=[article.pk]), data)


def test_missing_article_is_404(client, other_member):
    client.force_login(other_member)
    response = client.post(reverse("discussions:comment_create", args=[999999]), {"body": "x"})
    assert response.status_code == 404


@pytest.mark.parametrize("as_json", [False, True])
def test_bad_input_is_a_clear_4xx(
    client, make_article, article, member, other_member, comment, settings, as_json
):
    settings.COMMENT_MAX_LENGTH = 100
    client.force_login(other_member)
    headers = JSON if as_json else {}
    elsewhere = services.create_comment(article=make_article(), author=member, body="Там")
    deleted = services.create_comment(article=article, author=member, body="Удалю")
    services.delete_comment(comment=deleted, user=member)
    url = reverse("discussions:comment_create", args=[article.pk])
    cases = [
        ({"body": "   "}, 400, "Напишите текст"),
        ({"body": "д" * 101}, 400, "100"),
        ({"body": "Ответ", "parent": str(elsewhere.pk)}, 400, "этой же статье"),
        ({"body": "Ответ", "parent": str(deleted.pk)}, 400, "удалён"),
        ({"body": "Ответ", "parent": "999999"}, 400, "не найден"),
        ({"body": "Ответ", "parent": "abc"}, 400, ""),
    ]
    for data, status, text in cases:
        response = client.post(url, data, **headers)
        assert response.status_code == status, data
        body = response.json()["error"] if as_json else response.content.decode()
        assert text in body
    assert client.post(url, {"body": "Дважды"}, **headers).status_code in (201, 302)
    second = client.post(url, {"body": "Дважды"}, **headers)
    assert second.status_code == 409
    assert Comment.objects.filter(body="Дважды").count() == 1


def test_refused_comment_keeps_the_text(client, article, other_member, settings):
    settings.COMMENT_MAX_LENGTH = 20
    client.force_login(other_member)
    response = _post_comment(client, article, body="Очень длинный текст, который жалко терять")
    assert response.status_code == 400
    assert "Очень длинный текст, который жалко терять</textarea>" in response.content.decode()


def test_comment_rate_limit_answers_429_and_keeps_the_text(client, article, other_member, settings):
    settings.RATE_LIMITS = {"comment": "2/60"}
    client.force_login(other_member)
    for n in range(2):
        assert _post_comment(client, article, body=f"Мнение {n}").status_code == 302
    response = _post_comment(client, article, body="Третье подряд")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    html = response.content.decode()
    assert "Слишком часто" in html and "Третье подряд</textarea>" in html
    json_response = client.post(
        reverse("discussions:comment_create", args=[article.pk]), {"body": "Ещё"}, **JSON
    )
    assert json_response.status_code == 429
    assert "Слишком часто" in json_response.json()["error"]


def test_new_accounts_get_the_slower_rate(client, article, make_user, settings):
    settings.RATE_LIMITS = {"comment": "5/60"}
    settings.RATE_LIMITS_NEW_ACCOUNT = {"comment": "1/60"}
    newcomer = make_user()  # joined just now
    client.force_login(newcomer)
    assert _post_comment(client, article, body="Первое").status_code == 302
    assert _post_comment(client, article, body="Второе").status_code == 429


def test_report_rate_limit(client, make_comment, make_user, settings, member):
    settings.RATE_LIMITS = {"report": "1/3600"}
    reporter = make_user()
    reporter.date_joined = timezone.now() - datetime.timedelta(days=30)
    reporter.save()
    client.force_login(reporter)
    first, second = make_comment(), make_comment()
    ok = client.post(reverse("discussions:comment_report", args=[first.pk]), {"reason": "spam"})
    limited = client.post(
        reverse("discussions:comment_report", args=[second.pk]), {"reason": "spam"}
    )
    assert (ok.status_code, limited.status_code) == (302, 429)


def test_script_flow_comment_reply_vote_edit_delete(client, article, member, other_member):
    client.force_login(other_member)
    url = reverse("discussions:comment_create", args=[article.pk])
    created = client.post(url, {"body": "Через скрипт"}, **JSON)
    assert created.status_code == 201
    data = created.json()
    assert data["comments_count"] == 1 and f'id="comment-{data["id"]}"' in data["html"]
    parent = Comment.objects.get(pk=data["id"])
    client.force_login(member)
    reply = client.post(url, {"body": "Ответ скриптом", "parent": parent.pk}, **JSON).json()
    assert reply["parent"] == parent.pk and reply["depth"] == 1
    vote_url = reverse("discussions:comment_vote", args=[parent.pk])
    assert client.post(vote_url, {"value": "1"}, **JSON).json() == {"score": 1, "value": 1}
    assert client.post(vote_url, {"value": "0"}, **JSON).json() == {"score": 0, "value": 0}
    own_vote = client.post(
        reverse("discussions:comment_vote", args=[reply["id"]]), {"value": "1"}, **JSON
    )
    assert own_vote.status_code == 403 and "свой" in own_vote.json()["error"]
    edit_url = reverse("discussions:comment_edit", args=[reply["id"]])
    assert client.get(edit_url, **JSON).json() == {"body": "Ответ скриптом"}
    edited = client.post(edit_url, {"body": "Ответ, **исправленный**"}, **JSON).json()
    assert "<strong>исправленный</strong>" in edited["html"] and "изменено" in edited["html"]
    client.force_login(other_member)
    deleted = client.post(reverse("discussions:comment_delete", args=[parent.pk]), **JSON).json()
    assert "комментарий удалён" in deleted["html"] and deleted["comments_count"] == 1


def test_thread_shows_placeholder_for_deleted_parent_and_names_deep_replies(
    client, article, member, other_member, make_comment
):
    root = make_comment(body="Корень")
    chain = [root]
    for level in range(6):
        author = other_member if level % 2 == 0 else member
        chain.append(make_comment(author=author, parent=chain[-1], body=f"Уровень {level + 1}"))
    lonely = make_comment(body="Одинокий")
    services.delete_comment(comment=root, user=member)
    services.delete_comment(comment=lonely, user=member)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "комментарий удалён" in html and "Корень" not in html
    assert "Одинокий" not in html and f'id="comment-{lonely.pk}"' not in html
    # Level 5 answers level 4 beside it at the maximum depth, and says whom it answers.
    assert html.count("ответ @") == 2
    assert html.index("Уровень 4") < html.index("Уровень 5") < html.index("Уровень 6")


def test_sorts_best_newest_oldest(client, article, make_user, make_comment):
    old = make_comment(body="Старый")
    liked = make_comment(body="Любимый", author=make_user())
    new = make_comment(body="Новый", author=make_user())
    Comment.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=2))
    Comment.objects.filter(pk=liked.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=1)
    )
    for _ in range(3):
        services.cast_vote(user=make_user(), target=liked, value=1)
    url = article.get_absolute_url()

    def order(sort):
        html = client.get(f"{url}?sort={sort}").content.decode()
        return sorted(["Старый", "Любимый", "Новый"], key=html.index)

    assert order("best")[0] == "Любимый"
    assert order("newest") == ["Новый", "Любимый", "Старый"]
    assert order("oldest") == ["Старый", "Любимый", "Новый"]
    assert new.pk


def test_staff_see_hidden_comments_and_restore_controls(client, comment, moderator, other_member):
    services.hide_comment(comment=comment, moderator=moderator)
    url = Article.objects.get(pk=comment.article_id).get_absolute_url()
    client.force_login(other_member)
    assert "Исходный текст" not in client.get(url).content.decode()
    client.force_login(moderator)
    html = client.get(url).content.decode()
    assert "Исходный текст" in html and ">Вернуть</button>" in html


def test_barred_member_sees_the_reason_instead_of_the_form(client, article, barred):
    client.force_login(barred)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "оскорбления" in html
    assert 'id="comment-form"' not in html


def test_closed_discussion_shows_notice(client, article, other_member):
    Article.objects.filter(pk=article.pk).update(discussion_closed=True)
    client.force_login(other_member)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Обсуждение закрыто" in html and 'id="comment-form"' not in html


def test_anonymous_article_page_uses_no_csrf_token(client, comment):
    """So the shared page cache may keep it: votes and replies are links to log in."""
    response = client.get(Article.objects.get(pk=comment.article_id).get_absolute_url())
    assert "csrfmiddlewaretoken" not in response.content.decode()


def test_bell_counts_unread_and_marks_them_read(client, member, other_member, comment):
    services.create_comment(
        article=comment.article, author=other_member, body="Ответ", parent=comment
    )
    client.force_login(member)
    html = client.get("/").content.decode()
    assert re.search(r"data-bell-count>\s*1<", html)
    panel = client.get(reverse("discussions:notifications") + "?panel=1").content.decode()
    assert "ответил(а) на ваш комментарий" in panel
    notification = Notification.objects.get(recipient=member)
    response = client.get(reverse("discussions:notification_open", args=[notification.pk]))
    assert response["Location"].endswith(f"#comment-{notification.comment_id}")
    notification.refresh_from_db()
    assert notification.read_at is not None
    Notification.objects.update(read_at=None)
    client.post(reverse("discussions:notifications_read"))
    assert not Notification.objects.filter(recipient=member, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=comment.article.author, read_at=None).exists()


def test_someone_elses_notification_is_404(client, member, other_member, comment):
    services.create_comment(
        article=comment.article, author=other_member, body="Ответ", parent=comment
    )
    client.force_login(other_member)
    notification = Notification.objects.get(recipient=member)
    response = client.get(reverse("discussions:notification_open", args=[notification.pk]))
    assert response.status_code == 404


def test_bookmarks_page_lists_saved_articles(client, make_article, member):
    saved, _other = make_article(title="Сохранённая"), make_article(title="Не сохранённая")
    services.set_bookmark(user=member, article=saved, saved=True)
    client.force_login(member)
    html = client.get(reverse("discussions:bookmarks")).content.decode()
    assert "Сохранённая" in html and "Не сохранённая" not in html
    assert client.get(reverse("discussions:bookmarks") + "?page=9").status_code == 404


def test_bookmarks_page_needs_login(client):
    response = client.get(reverse("discussions:bookmarks"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_unsubscribe_asks_on_get_and_acts_on_post(client, member):
    url = reverse(
        "discussions:unsubscribe",
        args=[services.unsubscribe_token(user=member, topic="article_comments")],
    )
    assert client.get(url).status_code == 200
    member.refresh_from_db()
    assert member.notify_article_comments is True
    csrf_client = Client(enforce_csrf_checks=True)  # mail clients' one-click POST has no token
    assert csrf_client.post(url).status_code == 200
    member.refresh_from_db()
    assert member.notify_article_comments is False
    assert client.get(url[:-5] + "xxxx/").status_code == 400


def test_comment_permalink_redirects_to_its_anchor(client, comment):
    response = client.get(reverse("discussions:comment", args=[comment.pk]))
    assert response["Location"].endswith(f"#comment-{comment.pk}")


def test_profile_include_lists_a_members_comments(comment, make_article, member):
    draft = make_article(status=Article.Status.DRAFT)
    Comment.objects.create(article=draft, author=member, body="Под черновиком")
    html = render_to_string(
        "discussions/_profile_comments.html", {"comments": Comment.objects.by_author(member)}
    )
    assert "Исходный текст" in html and "Под черновиком" not in html
    assert f'href="/comments/{comment.pk}/"' in html  # the permanent link finds its part


def _thread(article, authors, size):
    """`size` comments in threads, a few deleted, without going through the services."""
    comments = []
    for n in range(size):
        parent = comments[n // 3] if n > 2 else None
        comments.append(
            Comment(
                article=article,
                author=authors[n % len(authors)],
                parent=parent,
                depth=min(parent.depth + 1, 4) if parent else 0,
                body=f"Комментарий {n}",
                body_html=f"<p>Комментарий {n}</p>",
                status=Comment.Status.DELETED if n % 17 == 5 else Comment.Status.VISIBLE,
            )
        )
        comments[-1].save()
    return comments


@pytest.mark.parametrize("viewer", ["anonymous", "member", "moderator"])
def test_article_page_query_count_does_not_grow_with_comments(
    client, make_article, make_user, moderator, settings, viewer
):
    """Intended to prevent an N+1: 10 and 300 comments cost the same number of queries."""
    settings.PAGE_CACHE_SECONDS = 0
    reader = {"member": make_user(), "moderator": moderator}.get(viewer)
    if reader:
        client.force_login(reader)
    authors = [make_user() for _ in range(5)]
    counts = []
    for size in (10, 300):
        article = make_article()
        comments = _thread(article, authors, size)
        if reader:
            CommentVote.objects.bulk_create(
                CommentVote(user=reader, comment=c, article=article, value=1) for c in comments[::4]
            )
        client.get(article.get_absolute_url())  # warm the sidebar and permission caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(article.get_absolute_url())
        assert response.content.decode().count('class="comment"') > size * 0.8
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
