from django.db.models import Max

from articles.models import ArticleDailyStats
from discussions import services
from discussions.demo import MEMBERS, load_demo_discussions
from discussions.models import ArticleVote, Comment, CommentVote


def test_demo_discussions_are_threaded_consistent_and_idempotent(make_article):
    for n in range(4):
        make_article(title=f"Демо-статья {n}")
    first = load_demo_discussions(articles=4)
    assert first["members"] == len(MEMBERS)
    assert first["comments"] == Comment.objects.count() > 0
    assert Comment.objects.aggregate(deepest=Max("depth"))["deepest"] >= 2
    assert CommentVote.objects.exists() and ArticleVote.objects.exists()
    # Every counter already equals a recount from the rows.
    assert services.recount_counters() == {"comments": 0, "articles": 0, "users": 0}
    stats = ArticleDailyStats.objects.aggregate(Max("comments"))
    assert stats["comments__max"] > 0
    again = load_demo_discussions(articles=4)
    assert (again["comments"], again["votes"]) == (0, 0)
    assert Comment.objects.count() == first["comments"]
