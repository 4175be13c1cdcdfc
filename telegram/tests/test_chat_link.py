"""The article page's "Обсудить в чате" link to the community chat."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.caching import forget_chat_block
from articles.models import ChatBlock

pytestmark = pytest.mark.django_db


def test_each_article_links_to_the_chat(client, make_article):
    ChatBlock.objects.create(name="Чат", url="https://t.me/saleslabelchat", call_to_action="Гоу")
    page = client.get(make_article().get_absolute_url()).content.decode()
    assert 'href="https://t.me/saleslabelchat"' in page.split('class="chat-link"', 1)[1]
    assert "Обсудить в чате" in page


def test_no_chat_on_show_no_link(client, make_article):
    ChatBlock.objects.create(
        name="Чат", url="https://t.me/x", call_to_action="Гоу", is_visible=False
    )
    page = client.get(make_article().get_absolute_url()).content.decode()
    assert "Обсудить в чате" not in page


def test_the_link_and_the_sidebar_share_one_read_and_an_edit_drops_it(
    client, make_article, make_user
):
    logged_in = client.__class__()
    logged_in.force_login(make_user())
    chat = ChatBlock.objects.create(name="Чат", url="https://t.me/old", call_to_action="Гоу")
    article = make_article()
    with CaptureQueriesContext(connection) as queries:
        client.get(article.get_absolute_url())
    assert sum("articles_chatblock" in q["sql"] for q in queries.captured_queries) == 1
    ChatBlock.objects.filter(pk=chat.pk).update(url="https://t.me/new")
    forget_chat_block()
    member_page = logged_in.get(article.get_absolute_url()).content.decode()
    assert "https://t.me/new" in member_page  # the next page rendered has the new link
