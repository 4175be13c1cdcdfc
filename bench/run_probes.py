"""What each page costs, measured in this process: Django set up with the server's settings, the
same database and Redis; queries, bytes and build times, the plans of the list queries and the
time the rankings take to rebuild."""

import json
import os
import re
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

import generate
from run_paths import OUT_DIR
from run_wrk import BROWSER, Page, pages

# Tables big enough that a sequential scan of them on a page is a bug.
BIG_TABLES = (
    "articles_article",
    "articles_articledailystats",
    "articles_taggedarticle",
    "articles_rankingentry",
    "articles_articleperiodstats",
    "discussions_comment",
    "discussions_commentvote",
    "discussions_articlevote",
    "discussions_notification",
    "discussions_bookmark",
    "accounts_user",
)
BENCH_EDITOR = "bench-editor"
VISITOR_IDS = 100_000  # more than a run posts: every report is a reader not seen before


@dataclass
class Count:
    """What one request costs in-process: queries, bytes, status."""

    status: int = 0
    queries: int = 0
    warm_queries: int = 0
    bytes: int = 0
    db_ms: float = 0.0
    render_ms: float = 0.0  # median time to build the page in-process, page cache off
    # Searches: the same with the search results cache off too (every build a miss); render_ms
    # is then a hit's, as wrk's load is.
    miss_ms: float | None = None
    sql: list[str] = field(default_factory=list)


def setup_in_process(env: dict) -> None:
    """Django in this process with the server's settings, so counts and sessions match it."""
    os.environ.pop("DEBUG", None)
    os.environ.update(env)
    import django

    django.setup()


def signed_visitors_file() -> Path:
    """Visitor ids signed as the site issues them (this process has the server's key), for
    view.lua: the endpoint counts only those."""
    from django.core import signing

    from articles.services import VISITOR_SALT

    path = OUT_DIR / "visitors.txt"
    if not path.exists() or path.stat().st_mtime < time.time() - 60:
        signer = signing.Signer(salt=VISITOR_SALT)
        path.write_text(
            "\n".join(signer.sign(f"bench-{n}-{secrets.token_hex(6)}") for n in range(VISITOR_IDS))
        )
    return path


def find_site() -> dict:
    """The URLs of the pages to load: the bench article, the biggest rubric, the busiest tag."""
    from django.db.models import Count as Counted

    from articles.models import Article, Rubric, Tag

    article = Article.objects.get(slug=generate.BENCH_SLUG)
    # A typical thread: the first public article with 20 comments (or the nearest count above).
    typical = (
        Article.objects.published()
        .filter(comments_count__gte=20)
        .exclude(pk=article.pk)
        .order_by("comments_count", "id")
        .first()
    )
    rubric = Rubric.objects.annotate(n=Counted("articles")).order_by("-n").first()
    tag = Tag.objects.annotate(n=Counted("articles_taggedarticle_items")).order_by("-n").first()
    return {
        "article_path": article.get_absolute_url(),
        "article_20_path": typical.get_absolute_url(),
        "article_20_comments": typical.comments_count,
        "view_path": f"/articles/{article.pk}/view/",
        "article_id": article.pk,
        "rubric_path": rubric.get_absolute_url(),
        "rubric_articles": rubric.n,
        "tag_path": f"/tags/{tag.slug}/",
        "tag_articles": tag.n,
    }


def member_client():
    """A test client logged in as the bench member."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1", HTTP_USER_AGENT=BROWSER)
    client.force_login(get_user_model().objects.get(username=generate.BENCH_MEMBER))
    return client


def editor_client():
    """A test client logged in as the bench's editor (in the "Редакторы" group, made here)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    from accounts.permissions import EDITORS

    editor, _ = get_user_model().objects.get_or_create(
        username=BENCH_EDITOR, defaults={"is_staff": True, "display_name": "Редактор бенча"}
    )
    editor.groups.add(Group.objects.get(name=EDITORS))
    client = Client(HTTP_HOST="127.0.0.1", HTTP_USER_AGENT=BROWSER)
    client.force_login(editor)
    return client


def _fetcher():
    """fetch(page): the page's response, for an anonymous reader or the bench member."""
    from django.test import Client

    anonymous = Client(
        HTTP_HOST="127.0.0.1", HTTP_USER_AGENT=BROWSER, raise_request_exception=False
    )
    clients = {"member": member_client(), "editor": editor_client()}
    for client in clients.values():
        client.raise_request_exception = False

    def fetch(page: Page):
        client = clients.get(page.kind, anonymous)
        if page.method == "POST":
            return client.post(page.path, {"visitor": secrets.token_hex(8)})
        return client.get(page.path)

    return fetch


# Builds timed per page: a page builds in 1-3 ms, so a median of a few is mostly the machine's
# noise (a median of 5 put the same page's full-to-tenth ratio anywhere from 1.0 to 1.4).
TIMED_RUNS = 25
# The cold articles' figures in a copy's counts.
COLD_KEY = "cold_articles"


def _count(fetch, page: Page, timed_runs: int) -> Count:
    """One page: cold, then warm from the page cache, then built timed_runs times uncached (a
    search: from its results cache, then without it too)."""
    from django.db import connection
    from django.test import override_settings
    from django.test.utils import CaptureQueriesContext

    count = Count()
    with CaptureQueriesContext(connection) as captured:
        response = fetch(page)
    count.status = response.status_code
    count.queries = len(captured.captured_queries)
    count.bytes = len(response.content)
    count.db_ms = sum(float(query["time"]) * 1000 for query in captured.captured_queries)
    count.sql = [query["sql"] for query in captured.captured_queries]
    with CaptureQueriesContext(connection) as captured:
        fetch(page)
    count.warm_queries = len(captured.captured_queries)
    with override_settings(PAGE_CACHE_SECONDS=0):
        count.render_ms = _median_ms(fetch, page, timed_runs)
    if page.search_target:
        with override_settings(PAGE_CACHE_SECONDS=0, SEARCH_CACHE_SECONDS=0):
            count.miss_ms = _median_ms(fetch, page, timed_runs)
    return count


def _median_ms(fetch, page: Page, runs: int) -> float:
    durations = []
    for _ in range(runs):
        started = time.perf_counter()
        fetch(page)
        durations.append((time.perf_counter() - started) * 1000)
    return median(durations)


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def count_queries(page_list: list[Page], timed_runs: int = TIMED_RUNS) -> dict[str, Count]:
    """Each page in-process: cold (what building it costs), warm (from the page cache), and the
    median time to build it with the page cache off."""
    fetch = _fetcher()
    return {page.key: _count(fetch, page, timed_runs) for page in page_list}


# Articles built cold, each once: enough for a stable median, few enough to stay cold.
COLD_ARTICLES = 100


def time_cold_articles(count: int = COLD_ARTICLES) -> dict:
    """Random public articles, each asked once by a reader with every cache of it empty (its page,
    its fragments, its thread), as a crawler or a shared link finds most of a big site: the
    median and p90 build time in ms and the median of queries, page cache on (a miss stores it)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from articles.models import Article

    client = Client(HTTP_HOST="127.0.0.1", HTTP_USER_AGENT=BROWSER)
    client.get("/")  # the layout's shared parts (navigation, sidebar) warm, as on a live site
    slugs = list(Article.objects.published().order_by("?").values_list("slug", flat=True)[:count])
    durations, queries = [], []
    for slug in slugs:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(f"/articles/{slug}/")
            durations.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"/articles/{slug}/ answered {response.status_code}")
        queries.append(len(captured.captured_queries))
    return {
        "ms": median(durations),
        "p90_ms": sorted(durations)[int(len(durations) * 0.9)],
        "queries": median(queries),
        "count": len(slugs),
    }


def explain(sql: str) -> tuple[str, float, list[str]]:
    """The plan of one query, its execution time in ms, and the big tables it scans sequentially."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    match = re.search(r"Execution Time: ([\d.]+) ms", plan)
    seq = sorted({table for table in re.findall(r"Seq Scan on (\w+)", plan) if table in BIG_TABLES})
    return plan, float(match.group(1)) if match else 0.0, seq


def _explained(sql: str) -> dict:
    plan, ms, seq = explain(sql)
    return {"sql": sql, "plan": plan, "ms": ms, "seq_scans": seq}


def explain_pages(counts: dict[str, Count], page_list: list[Page]) -> dict[str, list[dict]]:
    """EXPLAIN every SELECT a list page, the article page or an editor's page ran, slowest
    first."""
    from django.db import connection

    from articles.models import Article
    from discussions.models import Comment

    plans: dict[str, list[dict]] = {}
    for page in page_list:
        if page.kind not in {"anon", "editor"} or page.key == "rss":
            continue
        selects = [sql for sql in counts[page.key].sql if sql.lstrip().upper().startswith("SELECT")]
        plans[page.key] = sorted(map(_explained, selects), key=lambda entry: -entry["ms"])
    # The thread query itself, whether or not the article page runs it yet.
    article = Article.objects.get(slug=generate.BENCH_SLUG)
    sql, params = Comment.objects.for_thread(article).query.sql_with_params()
    plans["thread query"] = [_explained(connection.ops.compose_sql(sql, params))]
    return plans


def time_rankings(times: int = 4) -> list[float]:
    """Seconds each of `times` rebuilds of the rankings takes: the first as it comes, each later
    one after a VACUUM of the rankings table, as autovacuum does in the minutes between two
    scheduled rebuilds (migration 0021 has it follow every rebuild)."""
    from django.db import connection

    from articles.ranking import rebuild_rankings

    durations = []
    for run in range(times):
        if run and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM articles_rankingentry")
        started = time.monotonic()
        rebuild_rankings()
        durations.append(time.monotonic() - started)
    return durations


def time_analytics() -> float:
    """Seconds one build of the analytics' sums takes (the page reads them)."""
    from articles.rollups import rebuild_analytics

    started = time.monotonic()
    rebuild_analytics(force=True)
    return time.monotonic() - started


def count_only() -> int:
    """--count-only: the pages' query counts as JSON, for comparing data sizes."""
    import django

    django.setup()
    from articles.ranking import rebuild_rankings
    from articles.rollups import rebuild_analytics

    rebuild_rankings()
    rebuild_analytics()
    counts = count_queries([page for page in pages(find_site()) if page.kind != "floor"])
    found = {key: [c.status, c.queries, c.render_ms] for key, c in counts.items()}
    cold = time_cold_articles()
    found[COLD_KEY] = [200, cold["queries"], cold["ms"]]
    print(json.dumps(found))
    return 0
