"""Long discussions in parts: the page carries the first part, "Показать ещё" (a fragment for the
script, ?page=N without it) the next, and a comment's permanent link opens the part holding it."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from discussions import thread

ROOTS = 3  # top-level comments in one part, in these tests


@pytest.fixture(autouse=True)
def small_parts(monkeypatch):
    monkeypatch.setattr(thread, "ROOTS_PER_PART", ROOTS)


def _ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<article class="comment[^"]*" id="comment-(\d+)"', html)]


@pytest.fixture
def discussion(make_comment, member, other_member):
    """Seven top-level comments, oldest first, the second and the fifth with a reply."""
    roots, replies = [], {}
    for n in range(7):
        roots.append(make_comment(body=f"Мнение {n}"))
        if n in (1, 4):
            replies[n] = make_comment(parent=roots[-1], author=other_member, body=f"Ответ {n}")
    return roots, replies


def test_the_page_carries_the_first_part_and_a_link_to_the_next(client, article, discussion):
    roots, replies = discussion
    html = client.get(article.get_absolute_url() + "?sort=oldest").content.decode()
    assert _ids(html) == [roots[0].pk, roots[1].pk, replies[1].pk, roots[2].pk]
    more = re.search(r'<a class="button" href="([^"]+)" data-more="([^"]+)"', html)
    assert more.group(1) == f"{article.get_absolute_url()}?sort=oldest&amp;page=2#comments"
    assert more.group(2) == f"/articles/{article.pk}/thread/?sort=oldest&amp;page=2"
    assert "ещё 5 мнений" in html  # four top-level comments and one reply are left


def test_without_script_page_n_shows_part_n(client, article, discussion):
    roots, replies = discussion
    url = article.get_absolute_url()
    second = client.get(url + "?sort=oldest&page=2").content.decode()
    assert _ids(second) == [roots[3].pk, roots[4].pk, replies[4].pk, roots[5].pk]
    assert f'href="{url}?sort=oldest#comments"' in second  # back to the start
    last = client.get(url + "?sort=oldest&page=3").content.decode()
    assert _ids(last) == [roots[6].pk] and "data-more=" not in last
    for wrong in ("4", "0", "x", "²"):
        assert client.get(url + f"?page={wrong}").status_code == 404, wrong


def test_the_script_gets_the_next_part_alone(client, article, discussion):
    roots, replies = discussion
    fragment = reverse("discussions:thread_part", kwargs={"pk": article.pk})
    response = client.get(fragment + "?sort=oldest&page=2")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert _ids(html) == [roots[3].pk, roots[4].pk, replies[4].pk, roots[5].pk]
    assert f'data-more="{fragment}?sort=oldest&amp;page=3"' in html
    assert client.get(fragment + "?page=9").status_code == 404


def test_the_default_order_is_cut_the_same_way(client, article, discussion, other_member):
    roots, _ = discussion
    from discussions import services

    services.cast_vote(user=other_member, target=roots[6], value=1)
    html = client.get(article.get_absolute_url()).content.decode()
    assert _ids(html)[0] == roots[6].pk  # best first
    assert 'data-more="/articles/' in html and "sort=" not in html.split("data-more=")[1][:60]


def test_a_comments_permanent_link_opens_its_part(client, article, discussion, other_member):
    roots, replies = discussion
    response = client.get(replies[4].get_absolute_url())
    # best order with no votes: oldest first, so the reply to the fifth comment is in part 2
    assert response.url == f"{article.get_absolute_url()}?page=2#comment-{replies[4].pk}"
    assert client.get(roots[0].get_absolute_url()).url.endswith(f"?page=1#comment-{roots[0].pk}")
    from discussions import services

    services.cast_vote(user=other_member, target=roots[4], value=1)  # now it leads the thread
    moved = client.get(replies[4].get_absolute_url()).url
    assert moved.endswith(f"?page=1#comment-{replies[4].pk}")


def test_a_members_part_has_their_votes_and_never_reaches_readers(
    client, article, discussion, other_member, settings
):
    roots, _ = discussion
    from discussions import services

    settings.PAGE_CACHE_SECONDS = 60
    services.cast_vote(user=other_member, target=roots[3], value=1)
    fragment = reverse("discussions:thread_part", kwargs={"pk": article.pk}) + "?sort=oldest&page=2"
    member = Client()
    member.force_login(other_member)
    mine = member.get(fragment).content.decode()
    assert 'aria-pressed="true"' in mine and 'form="thread-actions"' in mine
    anonymous = client.get(fragment)
    assert anonymous["X-Page-Cache"] == "miss"
    html = anonymous.content.decode()
    assert 'aria-pressed="true"' not in html and 'form="thread-actions"' not in html
    assert "comment__login" in html
    again = client.get(fragment)
    assert again["X-Page-Cache"] == "hit" and again.content == anonymous.content
    assert 'aria-pressed="true"' in member.get(fragment).content.decode()  # never the shared copy


@pytest.mark.parametrize("roots", [2 * ROOTS + 1, 6 * ROOTS + 2])
def test_query_counts_do_not_grow_with_the_discussion(
    client, article, make_comment, other_member, roots, django_assert_num_queries
):
    for n in range(roots):
        parent = make_comment(body=f"Мнение {n}")
        make_comment(parent=parent, author=other_member)
    fragment = reverse("discussions:thread_part", kwargs={"pk": article.pk})
    client.get(fragment + "?page=2")  # the discussion is rendered once per version
    # the article, the permissions of nobody: one query for the article
    with django_assert_num_queries(1):
        assert client.get(fragment + "?page=2").status_code == 200
    member = Client()
    member.force_login(other_member)
    member.get(fragment + "?page=2")
    # session, member, article, their votes on that part
    with django_assert_num_queries(4):
        assert member.get(fragment + "?page=2").status_code == 200


@pytest.mark.parametrize("roots", [2 * ROOTS + 1, 6 * ROOTS + 2])
def test_the_article_pages_queries_do_not_grow_with_the_discussion(
    client, article, make_comment, other_member, roots, django_assert_num_queries
):
    for n in range(roots):
        parent = make_comment(body=f"Мнение {n}")
        make_comment(parent=parent, author=other_member)
    member = Client()
    member.force_login(other_member)
    url = article.get_absolute_url() + "?page=2"
    client.get(url), member.get(url)  # the discussion and the page's fragments, once
    # the article; the page's fragments come from the cache
    with django_assert_num_queries(1):
        assert client.get(url).status_code == 200
    # session, member, article, vote and bookmark, the bell, their votes on that part
    with django_assert_num_queries(7):
        assert member.get(url).status_code == 200
