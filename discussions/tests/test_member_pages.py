"""Members share one copy of an article page; their own parts are joined in per request, and
nothing of one member ever reaches the shared copy or another member."""

import gzip
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from articles.services import unpublish
from discussions import services
from discussions.member_pages import _cut, fragments
from discussions.services.moderation import ban_commenter

TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+"')


def _login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _same(html: str) -> str:
    """The page without its CSRF tokens, which differ on every rendering."""
    return TOKEN.sub(r'\1…"', html)


def test_a_member_gets_exactly_the_page_built_for_them(
    article, make_comment, member, other_member, page_cache, settings
):
    mine = make_comment(body="Моё мнение")
    theirs = make_comment(author=other_member, body="Чужое мнение")
    services.cast_vote(user=member, target=theirs, value=1)
    services.cast_vote(user=member, target=article, value=1)
    url = article.get_absolute_url()
    client = _login(member)
    first, second = client.get(url), client.get(url)
    assert first["X-Page-Cache"] == second["X-Page-Cache"] == "member"
    settings.PAGE_CACHE_SECONDS = 0
    built = client.get(url)
    assert "X-Page-Cache" not in built
    assert _same(second.content.decode()) == _same(built.content.decode())
    html = second.content.decode()
    assert "Мария Петрова" in html and f"/comments/{mine.pk}/delete/" in html
    assert 'aria-pressed="true"' in html  # their votes
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    # the token is valid: the logout form posts with it
    assert len(token) == 64 and client.cookies["csrftoken"].value


def test_a_members_page_is_gzipped_for_the_browsers_that_accept_it(
    article, make_comment, member, page_cache
):
    make_comment(body="Моё мнение")
    url = article.get_absolute_url()
    client = _login(member)
    client.get(url)  # makes the shared copy
    plain = client.get(url)
    zipped = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert plain["X-Page-Cache"] == zipped["X-Page-Cache"] == "member"
    assert zipped["Content-Encoding"] == "gzip" and not plain.has_header("Content-Encoding")
    assert "Accept-Encoding" in plain["Vary"] and "Accept-Encoding" in zipped["Vary"]
    html = gzip.decompress(zipped.content).decode()
    assert "Моё мнение" in html and _same(html) == _same(plain.content.decode())
    # against BREACH, as Django's GZipMiddleware: a name of random length in the gzip header
    assert zipped.content[3] & gzip.FNAME
    answers = [zipped, *(client.get(url, HTTP_ACCEPT_ENCODING="gzip") for _ in range(6))]
    assert len({answer.content[10:].index(b"\x00") for answer in answers}) > 1


def test_nothing_of_a_member_is_in_the_shared_copy_or_reaches_another(
    article, make_comment, member, other_member, page_cache, monkeypatch
):
    theirs = make_comment(author=other_member, body="Мнение Олега")
    services.cast_vote(user=member, target=theirs, value=1)
    services.cast_vote(user=member, target=article, value=-1)
    services.set_bookmark(user=member, article=article, saved=True)
    stored = []
    real_set = cache.set
    monkeypatch.setattr(
        cache,
        "set",
        lambda key, value, *a, **k: stored.append(value) or real_set(key, value, *a, **k),
    )
    url = article.get_absolute_url()
    maria = _login(member)
    maria_html = maria.get(url).content.decode()
    assert "Мария Петрова" in maria_html and "<span data-label>В закладках" in maria_html
    skeletons = [value for value in stored if isinstance(value, tuple) and len(value) == 4]
    assert len(skeletons) == 1
    shared = "".join(skeletons[0][2])
    for private in (
        "Мария Петрова",
        "maria",
        "csrfmiddlewaretoken",
        'aria-pressed="true"',
        "<span data-label>В закладках",
        "thread-actions",
        "Выйти",
    ):
        assert private not in shared, private
    oleg = _login(other_member).get(url)
    assert oleg["X-Page-Cache"] == "member"
    html = oleg.content.decode()
    assert "Олег Смирнов" in html and "Мария Петрова" not in html
    assert 'aria-pressed="true"' not in html and "<span data-label>В закладках" not in html
    assert f"/comments/{theirs.pk}/delete/" in html  # his own controls, not hers
    anonymous = Client().get(url).content.decode()
    assert "Олег Смирнов</span>" not in anonymous and "csrfmiddlewaretoken" not in anonymous


def test_the_renderings_of_members_parts_hold_only_what_their_keys_name(
    article, make_comment, member, other_member, page_cache
):
    theirs = make_comment(author=other_member, body="Мнение Олега")
    services.cast_vote(user=member, target=theirs, value=1)
    services.set_bookmark(user=member, article=article, saved=True)
    url = article.get_absolute_url()
    maria, oleg = _login(member), _login(other_member)
    maria.get(url)
    oleg_html = oleg.get(url).content.decode()
    maria_html = maria.get(url).content.decode()
    assert "<span data-label>В закладках" in maria_html
    assert "<span data-label>В закладках" not in oleg_html and "Мария Петрова" not in oleg_html
    kept = fragments.get_many(list(fragments._values))
    assert {key[0] for key in kept} == {"menu", "member-actions", "member-thread"}
    for key, html in kept.items():
        # a token in place of the hole would be one member's, served to the next
        assert not TOKEN.search(html.replace('value="<!--member:csrf-->"', "")), key
        if key[0] == "menu":
            assert (key[2] == member.pk) == ("Мария Петрова" in html), key
            assert (key[2] == other_member.pk) == ("Олег Смирнов" in html), key
        else:  # shared by every member in the same state: no name, no comment of anyone's
            assert "Мария Петрова" not in html and "Олег Смирнов" not in html, key
            assert "Мнение Олега" not in html, key
    # a rename is a new key: it shows on the next page
    member.display_name = "Мария Иванова"
    member.save()
    assert "Мария Иванова" in maria.get(url).content.decode()


def test_a_barred_member_and_a_reply_get_their_own_discussion_frame(
    article, make_comment, member, other_member, moderator, page_cache
):
    comment = make_comment(author=other_member, body="Вопрос")
    url = article.get_absolute_url()
    maria, oleg = _login(member), _login(other_member)
    assert 'id="comment-form"' in maria.get(url).content.decode()
    ban_commenter(moderator=moderator, member=member, reason="спам")
    html = maria.get(url).content.decode()
    assert "Вам запрещено комментировать" in html and 'id="comment-form"' not in html
    assert "Вам запрещено комментировать" not in oleg.get(url).content.decode()
    reply = oleg.get(f"{url}?reply={comment.pk}")
    assert reply["X-Page-Cache"] == "member"
    assert f'name="parent" value="{comment.pk}"' in reply.content.decode()
    assert f'name="parent" value="{comment.pk}"' not in oleg.get(url).content.decode()


def test_a_members_change_shows_at_once(article, make_comment, member, page_cache):
    url = article.get_absolute_url()
    client = _login(member)
    client.get(url)
    make_comment(body="Только что написала")
    html = client.get(url).content.decode()
    assert "Только что написала" in html
    assert '<span class="comments__count">1</span>' in html


def test_a_takedown_reaches_members_at_once(article, member, page_cache):
    url = article.get_absolute_url()
    client = _login(member)
    assert client.get(url).status_code == 200
    unpublish(articles=[article])
    assert client.get(url).status_code == 404


def test_staff_and_pending_messages_get_the_page_built_in_full(
    article, member, moderator, page_cache
):
    url = article.get_absolute_url()
    assert "X-Page-Cache" not in _login(moderator).get(url)
    client = _login(member)
    session = client.session
    session["_messages"] = '[["__json_message",0,25,"Сохранено"]]'
    session.save()
    assert "X-Page-Cache" not in client.get(url)


def test_a_page_without_its_holes_is_never_cut():
    assert _cut("<html>no holes</html>") is None
    assert _cut("<!--member:comments--><!--member:actions:1--><!--member:user-menu-->") is None
    article_id, chunks = _cut(
        "a<!--member:user-menu-->b<!--member:actions:7-->c<!--member:comments-->d"
    )
    assert article_id == 7 and chunks == ["a", "b", "c", "d"]


@pytest.mark.parametrize("roots", [3, 25])
def test_a_members_page_costs_the_same_at_any_size(
    article, make_comment, member, other_member, page_cache, roots, django_assert_num_queries
):
    for n in range(roots):
        parent = make_comment(author=other_member, body=f"Мнение {n}")
        make_comment(parent=parent)
    client = _login(member)
    client.get(article.get_absolute_url())
    # the session (read once: the page cache reads it, the session middleware takes it; with
    # cached_db sessions it comes from the cache), the member, the article with their vote,
    # bookmark and unread count, their votes on the first part (the member and the rest in one
    # statement on PostgreSQL)
    with django_assert_num_queries(2 if connection.vendor == "postgresql" else 3):
        assert client.get(article.get_absolute_url())["X-Page-Cache"] == "member"


def test_the_compiled_state_query_asks_for_the_time_now(article, make_article, member, page_cache):
    """Compiled once per process, it must not keep the time it was compiled at (on SQLite the
    time reaches it as text): an article published after that still gets the shared page."""
    client = _login(member)
    assert client.get(article.get_absolute_url())["X-Page-Cache"] == "member"
    later = make_article()  # published now, after the query was compiled
    assert client.get(later.get_absolute_url())["X-Page-Cache"] == "member"


def test_the_member_is_read_with_their_state_in_one_round_trip(
    article, member, page_cache, monkeypatch, django_assert_num_queries
):
    """The session's member and their state on the article go out together (one statement on
    PostgreSQL); the authentication backend takes that member instead of asking again."""
    from django.db import connection

    from accounts import models as accounts_models

    client = _login(member)
    url = article.get_absolute_url()
    assert client.get(url)["X-Page-Cache"] == "member"  # the shared copy is there now
    asked = []
    objects = accounts_models._by_pk.objects
    monkeypatch.setattr(
        accounts_models._by_pk,
        "objects",
        lambda **values: asked.append(values) or objects(**values),
    )
    postgresql = connection.vendor == "postgresql"
    # the session, then the member and their state: in one statement on PostgreSQL, else one
    # after the other, the member once
    with django_assert_num_queries(2 if postgresql else 3) as captured:
        response = client.get(url)
    assert response["X-Page-Cache"] == "member" and "Мария Петрова" in response.content.decode()
    assert len(asked) == (not postgresql)
    if postgresql:
        together = captured.captured_queries[-1]["sql"]
        assert "accounts_user" in together and "discussions_bookmark" in together


def test_a_session_whose_member_changed_their_password_or_left_is_no_members_any_more(
    article, member, page_cache
):
    """Read with the state, the member still passes Django's checks: a session from before a
    password change, or of a deactivated member, is nobody's."""
    url = article.get_absolute_url()
    client, deactivated = _login(member), _login(member)
    assert client.get(url)["X-Page-Cache"] == "member"
    member.set_password("совсем-другой-пароль")
    member.save()
    response = client.get(url)
    assert (
        response.get("X-Page-Cache") != "member"
        and "Мария Петрова" not in response.content.decode()
    )
    assert "_auth_user_id" not in client.session
    member.refresh_from_db()
    member.is_active = False
    member.save()
    assert "Мария Петрова" not in deactivated.get(url).content.decode()
