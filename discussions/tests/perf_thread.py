"""In-process timing of the article page with a 300-comment thread, like the bench's article.

Not collected with the suite (the name does not start with test_). Run it by name:
    .venv/bin/python -m pytest discussions/tests/perf_thread.py -s -q
"""

import random
import statistics
import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from discussions.demo import community
from discussions.markup import render_comment
from discussions.models import Comment, CommentVote
from discussions.versions import bump_thread_version

RUNS = 20


def _build(article, authors, member, size=300):
    rng = random.Random(7)
    phrases = community()["generated"]["replies"]
    comments = []
    for j in range(size):
        parent = None
        if j and rng.random() > 0.35:
            parent = comments[j - 1 - int(min(j - 1, rng.expovariate(1 / 4)))]
        body = " ".join(rng.sample(phrases, k=rng.randint(1, 4)))
        up, down = rng.randint(0, 6), rng.randint(0, 3)
        comments.append(
            Comment.objects.create(
                article=article,
                author=authors[j % len(authors)],
                parent=parent,
                depth=min(parent.depth + 1, 4) if parent else 0,
                body=body,
                body_html=render_comment(body),
                upvotes=up,
                downvotes=down,
                score=up - down,
            )
        )
    CommentVote.objects.bulk_create(
        CommentVote(user=member, comment=c, article=article, value=1) for c in comments[::4]
    )
    article.comments_count = size
    article.save()


def _time(client, url):
    client.get(url)
    client.get(url)
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return statistics.mean(times), statistics.median(times), len(response.content), len(queries)


@pytest.mark.django_db
def test_article_page_with_300_comments(make_article, make_user, settings):
    settings.PAGE_CACHE_SECONDS = 0
    settings.DEBUG = False
    authors = [make_user() for _ in range(150)]
    member = make_user()
    article = make_article()
    _build(article, authors, member)
    url = article.get_absolute_url()
    anonymous = Client()
    signed_in = Client()
    signed_in.force_login(member)
    for name, client in (("anonymous, cache off", anonymous), ("member", signed_in)):
        mean, median, size, queries = _time(client, url)
        print(
            f"\n{name}: mean {mean:.1f} ms, median {median:.1f} ms, "
            f"{size:,} bytes, {queries} queries"
        )
    times = []
    for _ in range(RUNS):
        bump_thread_version(article.pk)
        start = time.perf_counter()
        anonymous.get(url)
        times.append((time.perf_counter() - start) * 1000)
    print(f"anonymous, thread rendered again: mean {statistics.mean(times):.1f} ms")
    settings.PAGE_CACHE_SECONDS = 60
    mean, median, size, queries = _time(Client(), url)
    print(f"anonymous, page cache on: mean {mean:.2f} ms, {size:,} bytes, {queries} queries")
