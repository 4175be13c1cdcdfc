import datetime
from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import F, Max, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from articles import demo as article_demo
from articles.models import Article, ArticleDailyStats
from discussions import services
from discussions.demo import MEMBERS, load_demo_discussions, threads
from discussions.demo.generated import load_generated_discussions
from discussions.models import ArticleVote, Comment, CommentVote


def make_demo_articles(make_article, make_user, count: int) -> list[Article]:
    """The first hand-written demo articles as load_demo makes them: slug, title and demo author."""
    authors = {}
    made = []
    for item in [item for item in article_demo.articles() if item.is_public][:count]:
        if item.author not in authors:
            authors[item.author] = make_user(username=item.author)
        made.append(
            make_article(
                title=item.title,
                slug=item.slug,
                author=authors[item.author],
                published_at=timezone.now() - datetime.timedelta(days=item.published_days_ago + 3),
            )
        )
    return made


def test_demo_discussions_are_threaded_consistent_and_idempotent(make_article, make_user):
    make_demo_articles(make_article, make_user, 4)
    first = load_demo_discussions()
    assert first["members"] == len(MEMBERS)
    assert first["articles"] == 4
    assert first["comments"] == Comment.objects.count() > 0
    assert Comment.objects.aggregate(deepest=Max("depth"))["deepest"] >= 2
    assert CommentVote.objects.exists() and ArticleVote.objects.exists()
    # Every counter already equals a recount from the rows.
    assert services.recount_counters() == {"comments": 0, "articles": 0, "users": 0}
    stats = ArticleDailyStats.objects.aggregate(Max("comments"))
    assert stats["comments__max"] > 0
    again = load_demo_discussions()
    assert (again["comments"], again["votes"]) == (0, 0)
    assert Comment.objects.count() == first["comments"]


def test_each_demo_article_gets_its_own_thread_in_order_after_it_came_out(make_article, make_user):
    articles = make_demo_articles(make_article, make_user, 3)

    load_demo_discussions()

    for article in articles:
        written = [item.body for item in threads()[article.slug]]
        shown = list(article.comments.order_by("created_at", "id").values_list("body", flat=True))
        assert shown == written
    assert not Comment.objects.filter(created_at__lt=F("article__published_at")).exists()
    assert not Comment.objects.filter(created_at__lt=F("parent__created_at")).exists()
    assert not Comment.objects.filter(created_at__gt=timezone.now()).exists()


def test_demo_threads_name_members_and_comments_that_exist():
    members = {username for username, _ in MEMBERS}
    public = {item.slug for item in article_demo.articles() if item.is_public}

    assert set(threads()) == public  # every public hand-written article has its discussion
    assert 200 <= sum(len(thread) for thread in threads().values()) <= 300
    for slug, thread in threads().items():
        authors = {}
        for item in thread:
            assert item.author in members, slug
            if item.reply_to:
                assert item.reply_to in authors, (slug, item.reply_to)
                assert authors[item.reply_to] != item.author, (slug, "a reply to oneself")
            if item.id:
                authors[item.id] = item.author
            for report in item.reports:
                assert report["by"] in members and report["by"] != item.author, slug


def test_articles_editors_wrote_get_no_demo_discussion(make_article, make_user):
    make_demo_articles(make_article, make_user, 1)
    editor = make_user(username="editor")
    second_demo_slug = [item.slug for item in article_demo.articles() if item.is_public][1]
    editors = [
        make_article(title="Статья редактора", author=editor),
        # Slugs like the demo's, but the editor's articles all the same.
        make_article(title="Своя версия", slug=second_demo_slug, author=editor),
        make_article(title="Gen Z и продажи", slug="gen-z-i-prodazhi", author=editor),
    ]

    load_demo_discussions()
    load_generated_discussions()

    assert Comment.objects.exists()
    for article in editors:
        assert not article.comments.exists() and not article.votes.exists(), article.slug


def test_generated_articles_get_generated_discussions_and_nothing_else_changes(make_article):
    call_command("load_demo", stdout=StringIO())
    editor_article = make_article(
        title="Статья редактора", author=get_user_model().objects.get(username="editor")
    )
    hand_written = dict(Comment.objects.values_list("id", "body"))
    hand_written_votes = ArticleVote.objects.count() + CommentVote.objects.count()
    public = Article.objects.published().count()

    out = StringIO()
    call_command("load_demo", articles=public + 150, stdout=out)

    assert "Generated discussions:" in out.getvalue()
    generated = Comment.objects.filter(article__slug__startswith="gen-")
    assert generated.count() > 50
    assert generated.values("article").distinct().count() > 30
    assert generated.filter(depth__gt=0).exists()
    # The hand-written discussions and the editor's article are as they were.
    old = Comment.objects.exclude(article__slug__startswith="gen-")
    assert dict(old.values_list("id", "body")) == hand_written
    assert (
        ArticleVote.objects.exclude(article__slug__startswith="gen-").count()
        + CommentVote.objects.exclude(comment__article__slug__startswith="gen-").count()
        == hand_written_votes
    )
    assert not editor_article.comments.exists() and not editor_article.votes.exists()
    assert not Comment.objects.filter(created_at__lt=F("article__published_at")).exists()
    assert not Comment.objects.filter(created_at__lt=F("parent__created_at")).exists()
    # a reply to another member is marked as one, whichever way it was written
    to_another = Q(parent__isnull=False) & ~Q(parent__author=F("author"))
    assert not Comment.objects.filter(to_another, answers_other=False).exists()
    assert not Comment.objects.exclude(to_another).filter(answers_other=True).exists()
    assert services.recount_counters() == {"comments": 0, "articles": 0, "users": 0}
    # Each comment and vote counts in the statistics of its day, as the trending feed reads them.
    by_days = Article.objects.annotate(
        day_comments=Coalesce(Sum("daily_stats__comments"), 0),
        day_votes=Coalesce(Sum("daily_stats__votes"), 0),
    )
    assert not by_days.exclude(day_comments=F("comments_count")).exists()
    assert not by_days.exclude(day_votes=F("score")).exists()
    totals = {"comments": Comment.objects.count(), "votes": ArticleVote.objects.count()}

    call_command("load_demo", articles=public + 150, stdout=StringIO())

    assert {"comments": Comment.objects.count(), "votes": ArticleVote.objects.count()} == totals
