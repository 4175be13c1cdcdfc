"""A new member in a real Chromium: sign up, confirm the email, comment, reply, vote, log out."""

import re

import pytest
from django.core import mail
from django.test import Client

from discussions import services
from discussions.models import ArticleVote, Comment, CommentVote

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Sales-Label-2026!"


def _confirmation_link() -> str:
    for message in reversed(mail.outbox):
        found = re.search(r"https?://\S+/accounts/confirm-email/\S+", message.body)
        if found:
            return found.group(0)
    raise AssertionError(f"no confirmation email among {[m.subject for m in mail.outbox]}")


def test_member_journey(live_server, page, article, member):
    opener = services.create_comment(
        article=article, author=member, body="Кто пробовал продавать пилот за деньги?"
    )
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    url = live_server.url

    # Sign up and confirm the address from the email.
    page.goto(url + "/accounts/signup/")
    page.fill("[name=email]", "newbie@example.com")
    page.fill("[name=username]", "newbie")
    page.fill("[name=password1]", PASSWORD)
    page.fill("[name=password2]", PASSWORD)
    page.locator("main form [type=submit]").click()
    page.wait_for_load_state()
    page.goto(_confirmation_link())
    page.locator("main form [type=submit]").click()
    page.wait_for_load_state()

    # An unconfirmed visit to the thread asks to log in, and brings the member back there.
    page.goto(url + article.get_absolute_url())
    if page.locator(".discussion__login").count():
        page.locator(".discussion__login a").first.click()
        page.fill("[name=login]", "newbie")
        page.fill("[name=password]", PASSWORD)
        page.locator("main form [type=submit]").click()
        page.wait_for_url(re.compile(re.escape(article.get_absolute_url())))
    count = page.locator(".comments__count")
    assert count.inner_text() == "1"

    # Comment without a page load: the comment appears and the counter moves.
    page.fill("#comment-form textarea", "Пробовал: **пилот за деньги** окупился.")
    page.locator("#comment-form [type=submit]").click()
    mine = page.locator(".comment", has_text="пилот за деньги окупился")
    mine.wait_for()
    assert mine.locator("strong").inner_text() == "пилот за деньги"
    page.wait_for_function("() => document.querySelector('.comments__count').textContent === '2'")

    # Reply to the opener: the form moves under it, the reply lands in its replies.
    opener_item = page.locator(f"#comment-{opener.pk}")
    opener_item.locator("[data-reply]").click()
    page.fill("#comment-form textarea", "А как договорились о цене пилота?")
    page.locator("#comment-form [type=submit]").click()
    # The list is flat in reading order: the reply follows the opener one level deeper.
    reply = page.locator(
        f"#comment-{opener.pk} ~ .comment[data-depth='1']", has_text="о цене пилота"
    )
    reply.wait_for()
    page.wait_for_function("() => document.querySelector('.comments__count').textContent === '3'")

    # Vote on the opener and on the article; the scores change in place.
    opener_item.locator(".vote__up").click()
    page.wait_for_function(
        f"() => document.querySelector('#comment-{opener.pk} [data-score]').textContent === '+1'"
    )
    page.locator("#article-actions .vote__up").click()
    page.wait_for_function(
        "() => document.querySelector('#article-actions [data-score]').textContent === '+1'"
    )

    # A page load shows the same state from the database.
    page.reload()
    assert page.locator(".comments__count").inner_text() == "3"
    up = page.locator(f"#comment-{opener.pk} .vote__up")
    assert up.get_attribute("aria-pressed") == "true"
    assert Comment.objects.filter(author__username="newbie").count() == 2
    assert CommentVote.objects.get(comment=opener).value == 1
    assert ArticleVote.objects.get(article=article).value == 1
    member.refresh_from_db()
    assert member.score == 1

    # Log out from the user menu.
    page.locator(".user-menu summary").click()
    page.get_by_role("button", name="Выйти").click()
    page.wait_for_load_state()
    if page.locator("main form [type=submit]").count() and "logout" in page.url:
        page.locator("main form [type=submit]").click()  # allauth's confirmation page
        page.wait_for_load_state()
    page.goto(url + article.get_absolute_url())
    assert page.locator(".discussion__login").is_visible()
    assert errors == []


def _login(page, live_server, user):
    """Log the browser in through a session made by the test client."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def test_thread_actions_post_through_one_form(
    live_server, page, article, member, other_member, moderator
):
    """Edit, delete, vote and moderate without page loads, each button posting through the
    thread's one form; replies land after their parent in the flat list."""
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: d.accept())
    root = services.create_comment(article=article, author=other_member, body="Корень")
    mine = services.create_comment(article=article, author=member, body="Моё", parent=root)
    lonely = services.create_comment(article=article, author=member, body="Одинокий")
    reply = services.create_comment(article=article, author=other_member, body="Ответ", parent=mine)
    _login(page, live_server, member)
    page.goto(live_server.url + article.get_absolute_url())
    # edit inline
    page.locator(f"#comment-{mine.pk} [data-edit]").click()
    page.fill(f"#comment-{mine.pk} [data-edit-form] textarea", "Моё, **исправленное**")
    page.locator(f"#comment-{mine.pk} [data-edit-form] [type=submit]").click()
    page.locator(f"#comment-{mine.pk} strong").wait_for()
    # delete with a reply -> placeholder; lonely -> removed
    page.locator(f"#comment-{mine.pk} [data-delete]").click()
    page.locator(f"#comment-{mine.pk}.comment--placeholder").wait_for()
    page.locator(f"#comment-{lonely.pk} [data-delete]").click()
    page.wait_for_function(f"() => !document.getElementById('comment-{lonely.pk}')")
    # vote and take back
    page.locator(f"#comment-{reply.pk} .vote__down").click()
    page.wait_for_function(
        f"() => document.querySelector('#comment-{reply.pk} [data-score]')"
        ".textContent === '\u22121'"
    )
    page.locator(f"#comment-{reply.pk} .vote__down").click()
    page.wait_for_function(
        f"() => document.querySelector('#comment-{reply.pk} [data-score]').textContent === '0'"
    )
    # reply to a reply: lands after it, one level deeper
    page.locator(f"#comment-{reply.pk} [data-reply]").click()
    page.fill("#comment-form textarea", "Ответ на ответ")
    page.locator("#comment-form [type=submit]").click()
    page.locator(
        f"#comment-{reply.pk} + .comment[data-depth='3']", has_text="Ответ на ответ"
    ).wait_for()
    # moderator hides
    page.context.clear_cookies()
    _login(page, live_server, moderator)
    page.goto(live_server.url + article.get_absolute_url())
    page.locator(f"#comment-{root.pk} [data-moderate]").click()
    page.locator(f"#comment-{root.pk}.comment--hidden").wait_for()
    page.locator(f"#comment-{root.pk} [data-moderate]").click()
    page.wait_for_function(
        f"() => !document.getElementById('comment-{root.pk}').classList.contains('comment--hidden')"
    )
    assert errors == []


def test_a_long_discussion_comes_in_parts(live_server, page, article, member, monkeypatch):
    from discussions import thread

    monkeypatch.setattr(thread, "ROOTS_PER_PART", 2)
    roots = [
        services.create_comment(article=article, author=member, body=f"Мнение номер {n}")
        for n in range(5)
    ]
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    url = live_server.url + article.get_absolute_url()
    page.goto(url + "?sort=oldest")
    assert page.locator(".comment").count() == 2
    page.locator("[data-more]").click()  # the next part without a page load
    page.locator(f"#comment-{roots[3].pk}").wait_for()
    assert page.locator(".comment").count() == 4 and page.url.endswith("?sort=oldest")
    page.locator("[data-more]").click()
    page.locator(f"#comment-{roots[4].pk}").wait_for()
    assert page.locator("[data-more]").count() == 0
    # An old link to a comment of the last part: its permanent link opens that part.
    page.goto(f"{url}#comment-{roots[4].pk}")
    page.wait_for_url(re.compile(r"\?page=3#comment-"))
    assert page.locator(f"#comment-{roots[4].pk}").is_visible()
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(url + "?page=2")
    assert page.locator("[data-more]").is_visible()  # and the way back to the start
    assert page.get_by_role("link", name="К началу обсуждения").is_visible()
    assert errors == []


def test_phone_reader_reaches_the_sidebar_replies_after_logging_in_and_sees_the_bell(
    live_server, browser, make_article, article, member, other_member
):
    """At 390 px: the jump link near the top leads past the cards to the sidebar, "Ответить"
    through the login opens the reply form under that comment, the bell's panel fits."""
    for n in range(8):
        make_article(title=f"Статья для ленты {n}")
    comment = services.create_comment(article=article, author=member, body="Вопрос к залу")
    other_member.set_password(PASSWORD)
    other_member.save()
    other_member.emailaddress_set.create(email=other_member.email, verified=True, primary=True)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ru-RU")
    page = context.new_page()
    url = live_server.url

    page.goto(url + "/")
    jump = page.locator(".jump-link")
    assert jump.is_visible() and jump.bounding_box()["y"] < 844
    assert page.locator(".sidebar").bounding_box()["y"] > 844  # after all the cards
    jump.click()
    page.wait_for_url(re.compile("#sidebar$"))
    assert 0 <= page.locator(".sidebar").bounding_box()["y"] < 844

    page.goto(url + article.get_absolute_url())
    page.locator(f"#comment-{comment.pk} .comment__login-reply").click()
    page.fill("[name=login]", other_member.username)
    page.fill("[name=password]", PASSWORD)
    page.locator("main form [type=submit]").click()
    page.wait_for_url(re.compile(rf"\?reply={comment.pk}"))
    form = page.locator(f"#comment-{comment.pk} #comment-form")
    form.wait_for()  # moved under the comment it answers
    assert form.locator("[data-reply-note]").is_visible()

    page.locator("[data-bell-button]").click()
    panel = page.locator("[data-bell-panel]")
    panel.wait_for()
    box = panel.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    context.close()


def test_a_member_comments_and_votes_on_the_shared_copy_of_a_page(
    live_server, page, article, member, page_cache
):
    """With the page cache on, a member's page is the shared copy with their parts joined in,
    gzipped: Chromium reads it, and its CSRF token posts a comment and a vote."""
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    _login(page, live_server, member)
    url = live_server.url + article.get_absolute_url()
    page.goto(url)  # the first member's visit makes the shared copy
    answer = page.goto(url)
    assert answer.headers["x-page-cache"] == "member"
    assert answer.headers["content-encoding"] == "gzip"
    page.fill("#comment-form textarea", "С общей копии страницы")
    page.locator("#comment-form [type=submit]").click()
    page.locator(".comment", has_text="С общей копии страницы").wait_for()
    page.locator("#article-actions .vote__up").click()
    page.wait_for_function(
        "() => document.querySelector('#article-actions [data-score]').textContent === '+1'"
    )
    assert Comment.objects.filter(author=member, body="С общей копии страницы").exists()
    assert ArticleVote.objects.get(article=article, user=member).value == 1
    assert errors == []
