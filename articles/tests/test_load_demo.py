import re
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db.models import F, Sum

from accounts.models import User
from articles import demo
from articles.models import (
    Article,
    ArticleDailyStats,
    ChatBlock,
    RankingEntry,
    Rubric,
    Series,
    Tag,
    TaggedArticle,
)

DEMO_PASSWORDS = {
    "admin": "admin-demo-123",
    "editor": "editor-demo-123",
    "moderator": "moderator-demo-123",
    "member": "member-demo-123",
}


def load_demo(**options) -> str:
    out = StringIO()
    call_command("load_demo", stdout=out, **options)
    return out.getvalue()


def counts() -> dict[str, int]:
    models = [Article, ArticleDailyStats, User, Tag, TaggedArticle, Rubric, Series, ChatBlock]
    return {
        **{model.__name__: model.objects.count() for model in models},
        "EmailAddress": EmailAddress.objects.count(),
        "Group": Group.objects.count(),
        "views": sum(Article.objects.values_list("views_count", flat=True)),
    }


def articles_with_wrong_views():
    """Articles whose views_count is not the sum of their daily rows (no rows counts as zero)."""
    return (
        Article.objects.annotate(rows=Sum("daily_stats__views"))
        .exclude(views_count=F("rows"))
        .exclude(rows=None, views_count=0)
    )


@pytest.mark.django_db
def test_load_demo_creates_the_demo_site():
    output = load_demo()

    assert Article.objects.published().count() >= 40
    assert Rubric.objects.count() >= 6
    assert Article.objects.filter(status=Article.Status.DRAFT).count() == 1
    assert sum(article.is_scheduled for article in Article.objects.all()) == 1
    stories = Series.objects.get(slug="istorii-seylzov")
    numbers = sorted(stories.articles.values_list("series_number", flat=True))
    assert len(numbers) >= 4 and None not in numbers
    assert set(Tag.objects.values_list("name", flat=True)) == set(demo.site()["tags"])
    assert all(2 <= article.tags.count() <= 4 for article in Article.objects.all()[:10])
    chat = ChatBlock.objects.get(pk=1)
    assert (chat.name, chat.members_count) == ("Sales Label in IT Chat", 1755)
    assert ArticleDailyStats.objects.exists()
    assert RankingEntry.objects.filter(ranking="trending", period="week").exists()
    assert len(set(Article.objects.values_list("reading_time", flat=True))) >= 5
    assert max(Article.objects.values_list("reading_time", flat=True)) >= 10
    assert "http://127.0.0.1:8000" in output and "/admin/" in output
    for username, password in DEMO_PASSWORDS.items():
        assert re.search(rf"{username} / {username}@example.com\s+password {password}", output)


@pytest.mark.django_db
def test_load_demo_twice_changes_nothing():
    load_demo()
    first = counts()

    load_demo()

    assert counts() == first
    assert not articles_with_wrong_views().exists()
    assert Article.objects.filter(views_count__gt=0).count() >= 40


@pytest.mark.django_db
def test_demo_accounts_log_in_with_the_printed_passwords_even_after_a_change():
    load_demo()
    editor = User.objects.get(username="editor")
    editor.set_password("changed-by-someone")
    editor.save()

    load_demo()

    for username, password in DEMO_PASSWORDS.items():
        user = authenticate(username=username, password=password)
        assert user is not None and user.username == username
        address = EmailAddress.objects.get(user=user)
        assert (address.email, address.verified, address.primary) == (user.email, True, True)
    admin, editor, moderator, member = (User.objects.get(username=name) for name in DEMO_PASSWORDS)
    assert admin.is_superuser
    assert editor.is_staff and not editor.is_superuser
    assert editor.has_perm("articles.change_article") and editor.has_perm("articles.delete_tag")
    assert editor.has_perm("discussions.ban_commenter") and editor.has_perm("accounts.view_user")
    assert not editor.has_perm("accounts.change_user")
    assert moderator.is_staff and not moderator.is_superuser
    assert moderator.has_perm("discussions.change_comment")
    assert not moderator.has_perm("articles.change_article")
    assert [group.name for group in moderator.groups.all()] == ["Модераторы"]
    assert not member.is_staff and not member.has_perm("articles.change_article")
    authors = User.objects.filter(username__in=[a["username"] for a in demo.site()["authors"]])
    assert authors.count() >= 5
    assert not any(author.has_usable_password() for author in authors)


@pytest.mark.django_db
def test_generated_articles_fill_up_to_the_requested_number_once():
    output = load_demo(articles=200)
    assert "Generating" in output
    first = counts()

    load_demo(articles=200)

    assert Article.objects.published().count() == 200
    assert counts() == first
    hand_written_public = [a for a in demo.articles() if a.is_public]
    generated = Article.objects.published().filter(slug__startswith="gen-")
    assert generated.count() == 200 - len(hand_written_public)
    assert not generated.filter(body_html="").exists()
    assert not generated.filter(excerpt="").exists()
    tag_links = TaggedArticle.objects.filter(content_object__in=generated)
    assert tag_links.count() >= 2 * generated.count()
    assert not articles_with_wrong_views().exists()
    # Written in bulk, yet derived as save() derives: saving one again changes nothing shown.
    sample = generated.order_by("pk").first()
    shown = (sample.body_html, sample.excerpt, sample.reading_time)
    sample.save()
    sample.refresh_from_db()
    assert (sample.body_html, sample.excerpt, sample.reading_time) == shown


@pytest.mark.django_db
def test_every_markdown_feature_appears_in_some_article():
    load_demo()
    html = "".join(Article.objects.values_list("body_html", flat=True))

    for fragment in [
        "<h2>",
        "<h3>",
        "<ul>",
        "<ol>",
        "<blockquote>",
        '<a href="https://',
        "<img ",
        "<pre><code",
        "<table>",
        "<strong>",
        "<em>",
        " <code>",
    ]:
        assert fragment in html, fragment


def test_images_in_the_demo_articles_exist():
    sources = {
        src
        for article in demo.articles()
        for src in re.findall(r"!\[[^\]]+\]\((/static/[^)]+)\)", article.body)
    }

    assert sources
    static_dir = settings.BASE_DIR / "static"
    for src in sources:
        assert (static_dir / src.removeprefix("/static/")).is_file(), src


def test_demo_article_files_name_only_what_site_toml_defines():
    site = demo.site()
    rubrics = {item["slug"] for item in site["rubrics"]}
    authors = {item["username"] for item in site["authors"]}
    series = {item["slug"] for item in site["series"]} | {None}

    for article in demo.articles():
        assert article.rubric in rubrics, article.slug
        assert article.author in authors, article.slug
        assert article.series in series, article.slug
        assert set(article.tags) <= set(site["tags"]), article.slug
        assert (article.series is None) == (article.number is None), article.slug


def test_a_demo_article_file_without_a_publication_date_is_refused_by_name():
    text = '+++\ntitle = "Без даты"\nrubric = "peregovory"\nauthor = "saleslabel"\ntags = []\n+++\n'

    with pytest.raises(ValueError, match=r"bez-daty\.md: one of published_days_ago"):
        demo.parse_article("bez-daty", text)
    with pytest.raises(ValueError, match=r"bez-daty\.md: front matter"):
        demo.parse_article("bez-daty", "Просто текст")
