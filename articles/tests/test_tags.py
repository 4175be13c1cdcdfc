import pytest
from django.urls import reverse

from articles.models import Tag

ODD_NAMES = ["🔥", "-->", "🔥🔥", "C++", "C#", "c", "  ", "中" * 100, "<b>жирный</b>", "a/b"]


def test_every_tag_name_gets_a_unique_non_empty_slug(make_article):
    make_article(tags=ODD_NAMES)
    slugs = list(Tag.objects.values_list("slug", flat=True))
    assert len(slugs) == len(set(slugs)) == Tag.objects.count()
    assert all(slug and len(slug) <= 100 for slug in slugs)
    assert Tag.objects.get(name="C++").slug == "c"


def test_pages_with_odd_tags_render_and_link_to_the_tag(client, make_article):
    article = make_article(title="Горячая тема", tags=ODD_NAMES)
    for url in ("/", article.get_absolute_url(), "/rss/", "/atom/"):
        assert client.get(url).status_code == 200, url
    html = client.get(article.get_absolute_url()).content.decode()
    for tag in Tag.objects.all():
        assert f'href="{tag.get_absolute_url()}"' in html
        page = client.get(tag.get_absolute_url())
        assert page.status_code == 200, tag.name
        assert "Горячая тема" in page.content.decode()


def test_an_articles_tags_are_in_the_order_of_their_names_on_every_page(client, make_article):
    article = make_article(title="Порядок тегов", tags=["яблоки", "авокадо", "бананы"])
    for url in ("/", article.get_absolute_url()):
        html = client.get(url).content.decode()
        places = [html.index(f">#{name}</a>") for name in ("авокадо", "бананы", "яблоки")]
        assert places == sorted(places), url


def test_a_tag_page_needs_a_known_slug(client, db):
    assert client.get(reverse("articles:tag", args=["nope"])).status_code == 404


def test_editors_may_leave_the_slug_empty_in_the_admin(client, make_user):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    response = client.post(reverse("admin:articles_tag_add"), {"name": "🚀", "slug": ""})
    assert response.status_code == 302
    assert Tag.objects.get(name="🚀").slug == "tag"


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_old_tags_with_empty_slugs_a_slug():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    before = [("articles", "0003_faster_feed_rebuild")]
    after = [("articles", "0004_tags_of_our_own")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    OldTag = old.get_model("taggit", "Tag")
    OldTag.objects.create(name="🔥", slug="")
    OldTag.objects.create(name="тендеры", slug="tendery")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    new = executor.loader.project_state(after).apps.get_model("articles", "Tag")
    assert dict(new.objects.values_list("name", "slug")) == {"🔥": "tag", "тендеры": "tendery"}
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
