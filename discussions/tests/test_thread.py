"""The thread's shared HTML: rendered once per version, completed per reader, never stale for
the member who just changed it."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from discussions import services
from discussions.models import MAX_DEPTH, CommentVote
from discussions.thread import build_thread
from discussions.versions import thread_version


def _comment_queries(client, url) -> list[str]:
    """The queries that read the comments themselves while the page is built."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in queries if 'FROM "discussions_comment"' in q["sql"]]


def _comment_html(html: str, comment) -> str:
    start = html.index(f'id="comment-{comment.pk}"')
    return html[start : html.index("</article>", start)]


@pytest.fixture
def page(article):
    return article.get_absolute_url()


def test_thread_is_rendered_once_and_reused(client, make_comment, page, other_member):
    make_comment(body="Первое мнение")
    assert len(_comment_queries(client, page)) == 1
    assert _comment_queries(client, page) == []  # from the cache
    member = Client()
    member.force_login(other_member)
    html = member.get(page).content.decode()
    assert "Первое мнение" in html  # members share the readers' rendering
    assert _comment_queries(member, page) == []


def test_sorts_and_languages_are_rendered_separately(client, make_comment, page):
    make_comment()
    for url in (page, page + "?sort=newest", "/en" + page):
        assert len(_comment_queries(client, url)) == 1, url
        assert _comment_queries(client, url) == [], url


CHANGES = {
    # change: what the member who made it (or, for a report, the staff) sees right after
    "comment": lambda html: "Свежее" in html,
    "edit": lambda html: "Исправленный текст" in html and "изменено" in html,
    "vote": lambda html: (
        '<span class="vote__score vote__score--positive" data-score>+1</span>' in html
        and 'aria-pressed="true"' in html
    ),
    "delete": lambda html: "Исходный текст" not in html,
    "hide": lambda html: "Исходный текст" not in html,
    "report": lambda html: "1 жалоба" in html,
    "close": lambda html: '<button class="vote__up" disabled' in html and "data-reply" not in html,
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_every_change_shows_at_once(
    client, article, page, member, other_member, moderator, make_comment, change
):
    comment = make_comment(body="Исходный текст")
    client.force_login(moderator if change == "report" else other_member)
    assert not CHANGES[change](client.get(page).content.decode())  # and now it is cached
    version = thread_version(article.pk)
    if change == "comment":
        client.post(reverse("discussions:comment_create", args=[article.pk]), {"body": "Свежее"})
    elif change == "edit":
        client.force_login(member)
        client.post(
            reverse("discussions:comment_edit", args=[comment.pk]), {"body": "Исправленный текст"}
        )
    elif change == "vote":
        client.post(reverse("discussions:comment_vote", args=[comment.pk]), {"value": "1"})
    elif change == "delete":
        client.force_login(member)
        client.post(reverse("discussions:comment_delete", args=[comment.pk]))
    elif change == "hide":
        services.hide_comment(comment=comment, moderator=moderator)
    elif change == "report":
        services.report_comment(comment=comment, reporter=other_member, reason="spam")
    else:
        services.set_discussion_closed(article=article, moderator=moderator, closed=True)
    assert thread_version(article.pk) != version
    assert CHANGES[change](client.get(page).content.decode())


def test_version_changes_again_after_the_commit(
    article, member, make_comment, django_capture_on_commit_callbacks
):
    """A reader who rendered the old rows before the commit cannot keep them under the new
    version: the version changes once more when the transaction commits."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        make_comment()
        before_commit = thread_version(article.pk)
    for callback in callbacks:
        callback()
    assert thread_version(article.pk) != before_commit


def test_versions_survive_an_emptied_cache(article):
    from django.core.cache import cache

    first = thread_version(article.pk)
    assert thread_version(article.pk) == first
    cache.clear()
    assert thread_version(article.pk) != first  # a new random token, never an old one again


def test_anonymous_page_has_no_csrf_token_and_is_stored(client, make_comment, page, settings):
    comment = make_comment()
    settings.PAGE_CACHE_SECONDS = 60
    first = client.get(page)
    html = first.content.decode()
    assert "csrfmiddlewaretoken" not in html and 'id="thread-actions"' not in html
    assert first["X-Page-Cache"] == "miss"
    assert client.get(page)["X-Page-Cache"] == "hit"
    # Voting and replying lead to log in and back to this comment.
    login = reverse("account_login") + "?next=" + reverse("discussions:comment", args=[comment.pk])
    assert f'<a class="comment__login" href="{login}"' in _comment_html(html, comment)
    assert client.get(reverse("discussions:comment", args=[comment.pk]))["Location"].endswith(
        f"#comment-{comment.pk}"
    )


def test_member_votes_without_script_through_the_thread_form(client, make_comment, other_member):
    comment = make_comment()
    client = Client(enforce_csrf_checks=True)
    client.force_login(other_member)
    html = client.get(comment.article.get_absolute_url()).content.decode()
    # One form with the token, outside the comments; each button names its comment's URL.
    form = re.search(r'<form id="thread-actions" method="post"[^>]*>(.*?)</form>', html, re.S)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.group(1)).group(1)
    vote_url = reverse("discussions:comment_vote", args=[comment.pk])
    up = re.search(r'<button class="vote__up"[^>]*>', _comment_html(html, comment)).group(0)
    assert 'form="thread-actions"' in up and f'formaction="{vote_url}"' in up
    assert 'name="value" value="1"' in up and 'aria-pressed="false"' in up
    response = client.post(vote_url, {"value": "1", "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"].endswith(f"#comment-{comment.pk}")
    assert CommentVote.objects.get(comment=comment, user=other_member).value == 1
    up = re.search(
        r'<button class="vote__up"[^>]*>',
        _comment_html(client.get(response["Location"]).content.decode(), comment),
    ).group(0)
    assert 'aria-pressed="true"' in up and 'value="0"' in up  # pressing again takes it back


def test_own_controls_are_for_the_author_only(
    client, make_comment, member, other_member, moderator, page
):
    mine = make_comment(body="Моё")
    edit = reverse("discussions:comment_edit", args=[mine.pk])
    delete = reverse("discussions:comment_delete", args=[mine.pk])
    report = reverse("discussions:comment_report", args=[mine.pk])
    seen = {}
    for who in (other_member, member, None):
        reader = Client()
        if who:
            reader.force_login(who)
        seen[who] = _comment_html(reader.get(page).content.decode(), mine)
    author, other, anonymous = seen[member], seen[other_member], seen[None]
    assert f'href="{edit}"' in author and f'formaction="{delete}"' in author
    assert f'href="{report}"' not in author
    assert "Нельзя голосовать за свой комментарий" in author  # vote buttons off for one's own
    assert f'href="{edit}"' not in other and f'formaction="{delete}"' not in other
    assert f'href="{report}"' in other
    assert "Нельзя голосовать" not in other
    for html in (anonymous,):
        assert edit not in html and delete not in html and report not in html


def test_edit_link_goes_when_the_window_closes(client, make_comment, member, page, settings):
    import datetime

    mine = make_comment()
    client.force_login(member)
    edit = reverse("discussions:comment_edit", args=[mine.pk])
    assert f'href="{edit}"' in client.get(page).content.decode()
    settings.COMMENT_EDIT_WINDOW = datetime.timedelta(0)
    html = _comment_html(client.get(page).content.decode(), mine)
    assert f'href="{edit}"' not in html  # the same cached thread, a different footer
    assert reverse("discussions:comment_delete", args=[mine.pk]) in html


def test_staff_see_moderation_controls_and_hidden_comments(
    client, make_comment, moderator, other_member, page
):
    shown, hidden = make_comment(body="Видимый"), make_comment(body="Спрятанный")
    services.report_comment(comment=shown, reporter=other_member, reason="spam")
    services.hide_comment(comment=hidden, moderator=moderator)
    moderate = reverse("discussions:comment_moderate", args=[shown.pk])
    client.force_login(moderator)
    html = client.get(page).content.decode()
    assert "Спрятанный" in html and "1 жалоба" in html
    assert f'formaction="{moderate}" name="action" value="hide"' in html
    assert ">Вернуть</button>" in _comment_html(html, hidden)
    assert "Закрыть обсуждение" in html
    # Readers share another rendering: no hidden text, no report counts, no controls.
    reader = Client()
    reader.force_login(other_member)
    html = reader.get(page).content.decode()
    assert "Спрятанный" not in html and "жалоба" not in html and moderate not in html


def test_one_readers_state_never_reaches_another(make_comment, make_user, page):
    comment = make_comment()
    first, second = make_user(), make_user()
    services.cast_vote(user=first, target=comment, value=-1)
    for who, pressed in ((first, True), (second, False)):
        reader = Client()
        reader.force_login(who)
        down = re.search(
            r'<button class="vote__down"[^>]*>',
            _comment_html(reader.get(page).content.decode(), comment),
        ).group(0)
        assert ('aria-pressed="true"' in down) is pressed


def test_flat_list_keeps_reading_order_and_depth(article, member, other_member, make_comment):
    root = make_comment(body="Корень")
    later_root = make_comment(body="Второй корень")
    reply = make_comment(parent=root, author=other_member)
    deeper = make_comment(parent=reply)
    entries = build_thread([root, later_root, reply, deeper], sort="oldest")
    assert [(e.comment.pk, e.comment.depth) for e in entries] == [
        (root.pk, 0),
        (reply.pk, 1),
        (deeper.pk, 2),
        (later_root.pk, 0),
    ]


def test_a_comments_header_is_one_line_of_words_the_script_can_read(
    client, make_comment, other_member, page
):
    chain = [make_comment(body="Корень")]
    while chain[-1].depth < MAX_DEPTH or len(chain) <= MAX_DEPTH + 1:
        chain.append(make_comment(parent=chain[-1], author=other_member))
    html = client.get(page).content.decode()

    def header(comment) -> str:
        return re.search(r"<header>.*?</header>", _comment_html(html, comment), re.S).group(0)

    # The script takes the name for "Ответ для ..." from the author link's last text node.
    assert 'data-initial="М">Мария Петрова</a> <a class="comment__time"' in header(chain[0])
    # Past the deepest level a reply says whom it answers.
    assert '</a> <a class="comment__reply-to" href="#comment-' in header(chain[-1])
    assert all("\n" not in header(comment) for comment in chain)


def test_reply_after_logging_in_opens_the_form_for_that_comment(
    client, make_comment, page, other_member
):
    comment = make_comment()
    html = _comment_html(client.get(page).content.decode(), comment)
    reply = reverse("discussions:comment_reply", args=[comment.pk])
    login = reverse("account_login") + "?next=" + reply
    assert f'href="{login}"' in html and "Ответить" in html
    # a reader who follows it directly is sent to log in and back to it as well
    assert client.get(reply)["Location"] == reverse("account_login") + "?next=" + reply.replace(
        "/", "%2F"
    )

    client.force_login(other_member)
    response = client.get(reply)
    assert response["Location"] == f"{page}?reply={comment.pk}#comment-form"
    form = client.get(response["Location"]).content.decode()
    assert f'name="parent" value="{comment.pk}"' in form
    assert f'href="#comment-{comment.pk}"' in form  # "Ответ для @..." names the comment


def test_reply_link_to_a_missing_comment_is_404(client, other_member):
    client.force_login(other_member)
    assert client.get(reverse("discussions:comment_reply", args=[999999])).status_code == 404


def test_kept_footers_are_what_each_reader_would_get_anyway(
    article, make_comment, member, other_member, make_user, moderator
):
    """for_reader() keeps the footers that are the same for many readers (readers who are not
    logged in; members on comments they neither wrote nor voted on): each reader's HTML is the
    one every footer written for them gives, in an open discussion and a closed one."""
    from django.contrib.auth.models import AnonymousUser

    from discussions.thread import Footer, rendered_thread

    mine = make_comment(author=member, body="Моё")
    voted = make_comment(author=other_member, body="За это голосовали")
    make_comment(author=other_member, body="Обычное", parent=mine)
    services.cast_vote(user=member, target=voted, value=1)
    third = make_user()
    readers = [
        (AnonymousUser(), {}),
        (member, {voted.pk: 1}),
        (other_member, {}),
        (third, {}),
        (moderator, {}),
    ]
    for closed in (False, True):
        part = rendered_thread(article, sort="oldest", staff=False).part(1)
        for _ in range(2):  # the first call keeps them, the second uses them
            for viewer, votes in readers:
                footer = Footer(viewer=viewer, my_votes=votes, closed=closed)
                expected = [part.parts[0]]
                for slot, text in zip(part.footers, part.parts[1:], strict=True):
                    expected += [footer(*slot), text]
                if viewer.is_authenticated:
                    got = part.for_reader(viewer=viewer, my_votes=votes, closed=closed)
                else:
                    got = part.for_anonymous(closed=closed)
                assert got == "".join(expected), (viewer, closed)
