"""Two app servers on one PostgreSQL and one Redis: members write through both at once.

Members log in through node A and then use their session on both nodes; each member votes on the
article through one node and comments and reports views through the other, all at the same time.
Afterwards every counter must equal its rows and every session must still be valid on both nodes.
"""

import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.utils import timezone

from articles.models import Article, ArticleDailyStats
from discussions.models import ArticleVote, Comment

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[1]
MEMBERS = 12
PASSWORD = "multi-node-pass-1"
AGENT = "Mozilla/5.0 (X11; Linux x86_64) Chrome/120"


def database_url() -> str:
    """The test database, for the processes this test starts."""
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_url(redis_client):
    return redis_client.url


@pytest.fixture
def nodes(redis_url, tmp_path):
    """Start two gunicorn nodes with production settings; yield their base URLs."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL (CI does)")
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url,
        "SECRET_KEY": "multi-node-test-secret",
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(tmp_path / "static"),
        "PAGE_CACHE_SECONDS": "60",
        "WEB_CONCURRENCY": "2",
        # every reader of this test comes from 127.0.0.1: an office's caps
        "VIEWS_PER_ADDRESS_PER_ARTICLE_PER_DAY": "1000",
        "VIEWS_PER_ADDRESS_PER_HOUR": "1000",
        "VISITOR_IDS_PER_ADDRESS_PER_HOUR": "1000",
    }
    env.pop("DEBUG", None)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    ports = [free_port(), free_port()]
    servers = [
        subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"],
            cwd=ROOT,
            env={**env, "PORT": str(port)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for port in ports
    ]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for url, server in zip(urls, servers, strict=True):
            for _ in range(100):
                try:
                    urllib.request.urlopen(url + "/healthz", timeout=1)
                    break
                except OSError:
                    assert server.poll() is None, server.stderr.read().decode()[-3000:]
                    time.sleep(0.1)
        yield urls
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=10)


class Browser:
    """One member's cookies, shared by requests to either node."""

    def __init__(self):
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def cookie(self, name):
        return next((c.value for c in self.cookies if c.name == name), None)

    def get(self, url):
        request = urllib.request.Request(url, headers={"User-Agent": AGENT})
        with self.opener.open(request, timeout=10) as response:
            self.headers = response.headers
            return response.status, response.read().decode()

    def post(self, url, data, *, json=False):
        headers = {"User-Agent": AGENT, "X-CSRFToken": self.cookie("csrftoken") or ""}
        if json:
            headers["Accept"] = "application/json"
        body = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(url, data=body, headers=headers)
        try:
            with self.opener.open(request, timeout=20) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def log_in(self, node, username):
        status, html = self.get(node + "/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        status, _ = self.post(
            node + "/accounts/login/",
            {"csrfmiddlewaretoken": token, "login": username, "password": PASSWORD},
        )
        assert status == 200  # followed the redirect home
        assert self.cookie("sessionid"), "logged in"


def test_two_nodes_share_sessions_and_keep_counters_exact(
    nodes, redis_url, make_user, make_article, settings
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # as the nodes
    node_a, node_b = nodes
    article = make_article(title="Статья на двух узлах")
    members = []
    for n in range(MEMBERS):
        member = make_user(
            username=f"node{n}", password=PASSWORD, date_joined=timezone.now() - timedelta(days=30)
        )
        EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
        members.append(member)
    browsers = [Browser() for _ in members]
    for browser, member in zip(browsers, members, strict=True):
        browser.log_in(node_a, member.username)

    def act(n):
        browser = browsers[n]
        vote_node, comment_node = (node_a, node_b) if n % 2 else (node_b, node_a)
        value = 1 if n % 3 else -1
        view_url = f"/articles/{article.pk}/view/"
        _, issued = browser.post((node_b if n % 2 else node_a) + view_url, {})  # the site's id
        visitor = json.loads(issued)["visitor"]
        results = [
            browser.post(f"{vote_node}/articles/{article.pk}/vote/", {"value": value}, json=True),
            browser.post(
                f"{comment_node}/articles/{article.pk}/comments/",
                {"body": f"Мнение участника {n} с двух узлов"},
                json=True,
            ),
            browser.post(node_a + view_url, {"visitor": visitor}),
            browser.post(node_b + view_url, {"visitor": visitor}),
        ]
        return value, results

    with ThreadPoolExecutor(MEMBERS) as pool:
        outcomes = list(pool.map(act, range(MEMBERS)))

    for _, (vote, comment, view_a, view_b) in outcomes:
        assert vote[0] == 200, vote
        assert comment[0] == 201, comment
        assert view_a[0] == 200 and view_b[0] == 200
    flush = subprocess.run(
        [sys.executable, "manage.py", "flush_views"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={
            **os.environ,
            "REDIS_URL": redis_url,
            "SECRET_KEY": "x",
            "DATABASE_URL": database_url(),
        },
    )
    assert "flushed" in flush.stdout

    article.refresh_from_db()
    expected_score = sum(value for value, _ in outcomes)
    assert ArticleVote.objects.filter(article=article).count() == MEMBERS
    assert article.score == expected_score
    assert Comment.objects.filter(article=article).count() == MEMBERS
    assert article.comments_count == MEMBERS
    # one view per visitor, whichever node it reached first
    assert article.views_count == MEMBERS
    stats = ArticleDailyStats.objects.get(article=article, date=timezone.localdate())
    assert (stats.views, stats.comments) == (MEMBERS, MEMBERS)
    for member in members:
        member.refresh_from_db()
        assert member.comments_count == 1

    # every session is valid on both nodes: the member's own menu shows, the login link does not
    for browser, member in zip(browsers, members, strict=True):
        for node in nodes:
            status, html = browser.get(node + "/users/settings/")
            assert status == 200
            assert f'value="{member.email}"' in html or member.username in html
    assert Article.objects.count() == 1


def test_a_takedown_through_one_node_leaves_the_other_nodes_pages_at_once(
    nodes, make_user, make_article, settings
):
    """Readers on node B hold the article page (in Redis and in each worker's own copies); an
    editor on node A hides a comment and then unpublishes the article."""
    from discussions import services

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # as the nodes
    node_a, node_b = nodes
    article = make_article(title="Статья, которую снимут")
    author = make_user(username="writer", date_joined=timezone.now() - timedelta(days=30))
    comment = services.create_comment(article=article, author=author, body="Мнение под снос")
    editor = make_user(username="chief", password=PASSWORD, is_staff=True, is_superuser=True)
    EmailAddress.objects.create(user=editor, email=editor.email, verified=True, primary=True)
    staff = Browser()
    staff.log_in(node_a, editor.username)
    reader = Browser()
    url = node_b + article.get_absolute_url()

    def reads(text: str) -> list[bool]:
        # enough requests to reach both workers of the node, each with its own copy
        return [text in reader.get(url)[1] for _ in range(8)]

    assert all(reads("Мнение под снос"))
    assert reader.headers["X-Page-Cache"] == "hit"
    status, _ = staff.post(f"{node_a}/comments/{comment.pk}/moderate/", {"action": "hide"})
    assert status == 200  # followed the redirect back to the article
    assert not any(reads("Мнение под снос"))

    assert all(reads("Статья, которую снимут"))
    assert reader.headers["X-Page-Cache"] == "hit"
    changelist = node_a + "/admin/articles/article/"
    _, html = staff.get(changelist)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    staff.post(
        changelist,
        {"csrfmiddlewaretoken": token, "action": "unpublish", "_selected_action": article.pk},
    )
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    for _ in range(8):
        try:
            status, _ = reader.get(url)
        except urllib.error.HTTPError as error:
            status = error.code
        assert status == 404
