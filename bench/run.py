"""`make bench`: serve the big site with gunicorn and load every page with wrk, beside the floor.

    make bench                                   # the database is .../bench, see the Makefile
    make bench BENCH_ARGS="--only home,article --duration 5 --skip-off"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/run.py \\
        [--duration 15] [--only home,article] [--skip-off] [--regenerate] [--working-tree]

It measures the last commit: HEAD is extracted to bench/out/snapshot/ (with this directory's
scripts as they are) and run from there, so edits in the shared working tree cannot change the
code half-way through (--working-tree measures the working tree as it is). The first run fills
the database with bench/generate.py (about 4 minutes); later runs reuse it.

Then: collectstatic; count each page's queries and bytes in-process (Django's test client,
CaptureQueriesContext, the same database and Redis, page cache on, first request cold), on the
big data and on a 1% copy (`<name>_small`); EXPLAIN (ANALYZE, BUFFERS) every query of the list
pages; time rebuild_rankings(); start gunicorn with the production settings (2 workers, DEBUG off,
whitenoise) and run `wrk -t2 -c16 -d15s --latency` against /healthz (the floor, first and last)
and each page; restart it with PAGE_CACHE_SECONDS=0 and load the pages again. Prints the table
with the targets of issue 4 and writes it to bench/RESULTS.md; raw wrk output, gunicorn logs and
results.json go to bench/out/.

Redis: BENCH_REDIS_URL (default redis://127.0.0.1:6379/9) is flushed at the start: keep that
database for the bench. The whole run takes about 8 minutes once the data exists.
"""

# The runner starts local processes (gunicorn, wrk, git, itself) and calls its own loopback server.
# ruff: noqa: S603, S607, S310

import argparse
import contextlib
import datetime
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
BASE_DIR = BENCH_DIR.parent
# Run from a snapshot of a commit, results still go to the bench/ directory of the working tree.
RESULTS_DIR = Path(os.environ.get("BENCH_RESULTS_DIR") or BENCH_DIR)
OUT_DIR = RESULTS_DIR / "out"
GUNICORN = Path(sys.executable).parent / "gunicorn"
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BENCH_DIR))

import generate  # noqa: E402 - bench/generate.py, next to this file

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/9"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
# Tables big enough that a sequential scan of them on a page is a bug.
BIG_TABLES = (
    "articles_article", "articles_articledailystats", "articles_taggedarticle",
    "articles_rankingentry", "discussions_comment", "discussions_commentvote",
    "discussions_articlevote", "discussions_notification", "discussions_bookmark",
    "accounts_user",
)  # fmt: skip
FLOOR_SHARE = {"anon": 0.5, "cold": 0.05, "member": 0.05, "view": 0.3}
P99_LIMIT_MS = 100.0
DEEP_PAGE_LIMIT = 1.5
FEEDS_LIMIT_S = 1.0
WORKER_LIMIT_MB = 150


@dataclass
class Page:
    key: str
    label: str
    path: str
    kind: str  # floor, anon, member or view
    method: str = "GET"
    deep_of: str = ""  # the page-1 key this page 1000 is compared with
    anon_target: bool = False  # one of the four pages the anonymous target names


@dataclass
class Load:
    """One wrk run's numbers."""

    requests_per_s: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    requests: int = 0
    errors: int = 0
    non_2xx_3xx: int = 0
    socket_errors: int = 0
    bytes_read: float = 0.0  # headers included, as wrk counts them
    raw: str = ""

    @property
    def bytes_per_response(self) -> float:
        return self.bytes_read / self.requests if self.requests else 0.0


@dataclass
class Count:
    """What one request costs in-process: queries, bytes, status."""

    status: int = 0
    queries: int = 0
    warm_queries: int = 0
    bytes: int = 0
    db_ms: float = 0.0
    render_ms: float = 0.0  # median time to build the page in-process, page cache off
    sql: list[str] = field(default_factory=list)


# wrk's output.

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_UNITS_BYTES = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}


def duration_ms(text: str) -> float:
    """'812.33us', '3.05ms', '1.20s', '2.00m' in milliseconds."""
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * _UNITS_MS[match.group(2)]


def parse_wrk(output: str) -> Load:
    """Requests/s, p50, p99 and errors (non-2xx/3xx and socket errors) from `wrk --latency`."""
    load = Load(raw=output)
    if match := re.search(r"Requests/sec:\s+([\d.]+)", output):
        load.requests_per_s = float(match.group(1))
    for percent, attr in (("50", "p50_ms"), ("99", "p99_ms")):
        if match := re.search(rf"^\s+{percent}(?:\.0+)?%\s+(\S+)", output, re.MULTILINE):
            setattr(load, attr, duration_ms(match.group(1)))
    if match := re.search(r"(\d+) requests in [^,]+, ([\d.]+)([KMGT]?B) read", output):
        load.requests = int(match.group(1))
        load.bytes_read = float(match.group(2)) * _UNITS_BYTES[match.group(3)]
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        load.non_2xx_3xx = int(match.group(1))
    if match := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        load.socket_errors = sum(int(n) for n in match.groups())
    load.errors = load.non_2xx_3xx + load.socket_errors
    return load


# The machine and the server.


def machine() -> dict:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GB"
    commit = os.environ.get("BENCH_COMMIT")
    if not commit:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=BASE_DIR, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
        ).stdout.strip()
        commit += " (working tree, with uncommitted changes)" if dirty else " (working tree)"
    return {
        "nproc": os.cpu_count(),
        "memory": memory,
        "cpu": cpu,
        "python": platform.python_version(),
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "commit": commit,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def worker_memory(master_pid: int) -> list[dict]:
    """Peak (VmHWM) and current (VmRSS) resident memory of each gunicorn worker, in MB."""
    workers = []
    for status in Path("/proc").glob("[0-9]*/status"):
        with contextlib.suppress(OSError):
            fields = dict(
                line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
            )
            if int(fields.get("PPid", "0")) != master_pid:
                continue
            workers.append(
                {
                    "pid": int(status.parent.name),
                    "peak_mb": int(fields["VmHWM"].split()[0]) / 1024,
                    "rss_mb": int(fields["VmRSS"].split()[0]) / 1024,
                }
            )
    return sorted(workers, key=lambda worker: worker["pid"])


class Server:
    """gunicorn with the production settings, as `make serve` would run it, on a free port."""

    def __init__(self, env: dict, log_name: str, workers: int = 2):
        self.env, self.workers = env, workers
        self.port = free_port()
        self.log = OUT_DIR / log_name
        self.process: subprocess.Popen | None = None

    def __enter__(self):
        command = [
            str(GUNICORN), "config.wsgi",
            "--workers", str(self.workers), "--bind", f"127.0.0.1:{self.port}",
            "--error-logfile", str(self.log), "--log-level", "warning",
        ]  # fmt: skip
        self.process = subprocess.Popen(command, cwd=BASE_DIR, env=self.env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.process.returncode}; see {self.log}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(self.url("/healthz"), timeout=2) as response:
                    if response.status == 200 and len(self.worker_pids()) == self.workers:
                        return self
            time.sleep(0.3)
        raise SystemExit(f"gunicorn did not answer /healthz within 60 s; see {self.log}")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def worker_pids(self) -> list[int]:
        return [worker["pid"] for worker in worker_memory(self.process.pid)]


def warm_up(server: Server, page: Page, headers: dict, times: int = 4) -> None:
    """A few requests first, so every worker has imported its code and the page cache is full."""
    for _ in range(times):
        data = b"visitor=warmup-visitor-0001" if page.method == "POST" else None
        request = urllib.request.Request(
            server.url(page.path), data=data, headers=headers, method=page.method
        )
        with contextlib.suppress(OSError):
            urllib.request.urlopen(request, timeout=30).read()


def run_wrk(server: Server, page: Page, args, cookie: str = "", duration: int = 0) -> Load:
    # What a browser sends: the page cache keeps pages gzipped and hands them out as they are.
    headers = {"User-Agent": BROWSER, "Accept-Language": "ru", "Accept-Encoding": "gzip, deflate"}
    if cookie:
        headers["Cookie"] = cookie
    warm_up(server, page, headers)
    command = [
        "wrk", f"-t{args.threads}", f"-c{args.connections}",
        f"-d{duration or args.duration}s", "--latency",
    ]  # fmt: skip
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command += ["-s", str(BENCH_DIR / "view.lua")] if page.method == "POST" else []
    command.append(server.url(page.path))
    if page.method == "POST":
        command += ["--", str(signed_visitors_file()), str(args.threads)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"wrk failed: {result.stderr}")
    return parse_wrk(result.stdout)


# In-process measurements: Django is set up in this process with the server's settings.

VISITOR_IDS = 100_000  # more than a run posts: every report is a reader not seen before


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


def server_env(*, database_url: str, redis_url: str, page_cache: int, prefix: str) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "PAGE_CACHE_SECONDS", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        CACHE_PREFIX=prefix,
        SECRET_KEY=env.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PAGE_CACHE_SECONDS=str(page_cache),
        DJANGO_SETTINGS_MODULE="config.settings",
        # wrk's readers all come from 127.0.0.1: the caps an office behind one address would set
        VIEWS_PER_ADDRESS_PER_ARTICLE_PER_DAY="10000000",
        VIEWS_PER_ADDRESS_PER_HOUR="10000000",
    )
    return env


def pages(site: dict) -> list[Page]:
    article = site["article_path"]
    rubric, tag = site["rubric_path"], site["tag_path"]
    return [
        Page("healthz", "/healthz (floor)", "/healthz", "floor"),
        Page("home", "home /", "/", "anon", anon_target=True),
        Page("article", "article, 300 comments", article, "anon", anon_target=True),
        Page("article_member", "article, member", article, "member"),
        Page("trending_1", "trending all, p.1", "/trending/?period=all", "anon", anon_target=True),
        Page(
            "trending_1000",
            "trending all, p.1000",
            "/trending/?period=all&page=1000",
            "anon",
            deep_of="trending_1",
        ),  # fmt: skip
        Page("rubric_1", "rubric, p.1", rubric, "anon", anon_target=True),
        Page("rubric_1000", "rubric, p.1000", f"{rubric}?page=1000", "anon", deep_of="rubric_1"),
        Page("tag", "tag", tag, "anon"),
        Page("rss", "/rss/", "/rss/", "anon"),
        Page("view", "view (POST)", site["view_path"], "view", method="POST"),
        Page("healthz_end", "/healthz (floor, again)", "/healthz", "floor"),
    ]


def find_site() -> dict:
    """The URLs of the pages to load: the bench article, the biggest rubric, the busiest tag."""
    from django.db.models import Count as Counted

    from articles.models import Article, Rubric, Tag

    article = Article.objects.get(slug=generate.BENCH_SLUG)
    rubric = Rubric.objects.annotate(n=Counted("articles")).order_by("-n").first()
    tag = Tag.objects.annotate(n=Counted("articles_taggedarticle_items")).order_by("-n").first()
    return {
        "article_path": article.get_absolute_url(),
        "view_path": f"/articles/{article.pk}/view/",
        "rubric_path": rubric.get_absolute_url(),
        "rubric_articles": rubric.n,
        "tag_path": f"/tags/{tag.slug}/",
        "tag_articles": tag.n,
    }


def member_client():
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1", HTTP_USER_AGENT=BROWSER)
    client.force_login(get_user_model().objects.get(username=generate.BENCH_MEMBER))
    return client


def count_queries(page_list: list[Page], timed_runs: int = 5) -> dict[str, Count]:
    """Each page in-process: cold (what building it costs), warm (from the page cache), and the
    median time to build it with the page cache off."""
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    anonymous = Client(
        HTTP_HOST="127.0.0.1", HTTP_USER_AGENT=BROWSER, raise_request_exception=False
    )
    member = member_client()
    member.raise_request_exception = False

    def fetch(page: Page):
        client = member if page.kind == "member" else anonymous
        if page.method == "POST":
            return client.post(page.path, {"visitor": secrets.token_hex(8)})
        return client.get(page.path)

    counts = {}
    for page in page_list:
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
            durations = []
            for _ in range(timed_runs):
                started = time.perf_counter()
                fetch(page)
                durations.append((time.perf_counter() - started) * 1000)
        count.render_ms = sorted(durations)[len(durations) // 2]
        counts[page.key] = count
    return counts


def explain(sql: str) -> tuple[str, float, list[str]]:
    """The plan of one query, its execution time in ms, and the big tables it scans sequentially."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    match = re.search(r"Execution Time: ([\d.]+) ms", plan)
    seq = sorted({table for table in re.findall(r"Seq Scan on (\w+)", plan) if table in BIG_TABLES})
    return plan, float(match.group(1)) if match else 0.0, seq


def explain_pages(counts: dict[str, Count], page_list: list[Page]) -> dict[str, list[dict]]:
    """EXPLAIN every SELECT a list page or the article page ran, slowest first."""
    from django.db import connection

    from articles.models import Article
    from discussions.models import Comment

    plans: dict[str, list[dict]] = {}
    for page in page_list:
        if page.kind not in {"anon"} or page.key in {"rss"}:
            continue
        entries = []
        for sql in counts[page.key].sql:
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            plan, ms, seq = explain(sql)
            entries.append({"sql": sql, "plan": plan, "ms": ms, "seq_scans": seq})
        plans[page.key] = sorted(entries, key=lambda entry: -entry["ms"])
    # The thread query itself, whether or not the article page runs it yet.
    article = Article.objects.get(slug=generate.BENCH_SLUG)
    sql, params = Comment.objects.for_thread(article).query.sql_with_params()
    thread_sql = connection.ops.compose_sql(sql, params)
    plan, ms, seq = explain(thread_sql)
    plans["thread query"] = [{"sql": thread_sql, "plan": plan, "ms": ms, "seq_scans": seq}]
    return plans


def time_feeds(times: int = 2) -> list[float]:
    from articles.ranking import rebuild_rankings

    durations = []
    for _ in range(times):
        started = time.monotonic()
        rebuild_rankings()
        durations.append(time.monotonic() - started)
    return durations


def small_counts(args, redis_url: str) -> dict:
    """Query counts of the same pages on a 1% copy of the data, from a child process."""
    small_url = args.database_url.rsplit("/", 1)[0] + "/" + database_name(args.database_url)
    small_url += "_small"
    env = server_env(
        database_url=small_url, redis_url=redis_url, page_cache=60, prefix="bench-small"
    )
    ensure_generated(small_url, env, scale=0.01, regenerate=False, quiet=True)
    result = subprocess.run(
        [sys.executable, __file__, "--count-only"], env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        print(f"Counting on the small copy failed:\n{result.stderr[-2000:]}", file=sys.stderr)
        return {}
    return json.loads(result.stdout)


def database_name(url: str) -> str:
    return url.rsplit("/", 1)[1].split("?", 1)[0]


def ensure_generated(url: str, env: dict, *, scale: float, regenerate: bool, quiet=False) -> str:
    """Generate the data set unless a complete one is there; returns the generator's report."""
    generate.ensure_database(url)
    check = subprocess.run(
        [sys.executable, __file__, "--check-data"], env={**env, "DATABASE_URL": url},
        capture_output=True, text=True,
    )  # fmt: skip
    state = check.stdout.strip()
    if state == "complete" and not regenerate:
        return ""
    if state == "partial" and not regenerate:
        raise SystemExit(
            f"{database_name(url)} holds an unfinished data set. Run `make bench "
            "BENCH_ARGS=--regenerate` (or bench/generate.py --reset) to build it again."
        )
    command = [sys.executable, str(BENCH_DIR / "generate.py"), "--scale", str(scale)]
    if state != "empty":
        command.append("--reset")
    print(f"Generating the data set in {database_name(url)} ...", flush=True)
    result = subprocess.run(
        command,
        env={**env, "DATABASE_URL": url},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL if quiet else None,
        text=True,
    )
    if result.returncode != 0:
        raise SystemExit(f"bench/generate.py failed:\n{result.stdout}")
    if not quiet:
        print(result.stdout, flush=True)
        (OUT_DIR / "generate.txt").write_text(result.stdout)
    return result.stdout


def data_sizes() -> dict[str, int]:
    from django.db import connection

    tables = {
        "articles": "articles_article", "members": "accounts_user",
        "comments": "discussions_comment", "article votes": "discussions_articlevote",
        "comment votes": "discussions_commentvote", "daily stats": "articles_articledailystats",
        "ranking entries": "articles_rankingentry",
    }  # fmt: skip
    sizes = {}
    with connection.cursor() as cursor:
        for label, table in tables.items():
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - constants
            sizes[label] = cursor.fetchone()[0]
    return sizes


def postgres_settings() -> dict[str, str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        settings = {"version": version}
        for name in ("shared_buffers", "work_mem", "effective_cache_size", "random_page_cost"):
            cursor.execute(f"SHOW {name}")
            settings[name] = cursor.fetchone()[0]
    return settings


# Targets and the report.


def fmt_ms(value: float) -> str:
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def judge(page: Page, load: Load, floor: Load, *, cold: bool, page_one: Load | None) -> list:
    """(target, met) pairs that issue 4 section 2 sets for this page in this pass.

    Anonymous targets name home, the article, the trending list and the rubric list; page 1000
    is held to page 1's time; the tag page and RSS have no target of their own, only no errors.
    """
    ratio = load.requests_per_s / floor.requests_per_s if floor.requests_per_s else 0.0
    checks = []
    if page.kind == "view":
        checks.append((f"≥ {FLOOR_SHARE['view']} × floor", ratio >= FLOOR_SHARE["view"]))
    elif page.kind == "member":
        checks.append((f"≥ {FLOOR_SHARE['member']} × floor", ratio >= FLOOR_SHARE["member"]))
    elif page.anon_target and cold:
        checks.append((f"≥ {FLOOR_SHARE['cold']} × floor", ratio >= FLOOR_SHARE["cold"]))
    elif page.anon_target:
        checks.append((f"≥ {FLOOR_SHARE['anon']} × floor", ratio >= FLOOR_SHARE["anon"]))
        checks.append((f"p99 < {P99_LIMIT_MS:.0f} ms", load.p99_ms < P99_LIMIT_MS))
    if page.deep_of and page_one is not None and page_one.p50_ms:
        slower = load.p50_ms / page_one.p50_ms
        checks.append((f"p50 ≤ {DEEP_PAGE_LIMIT} × p.1 ({slower:.2f}×)", slower <= DEEP_PAGE_LIMIT))
    if page.kind != "floor" and (load.errors or (page.anon_target and not cold)):
        checks.append(("0 errors", load.errors == 0))
    return checks


def table(rows: list[dict]) -> str:
    header = (
        "| page | req/s | p50 ms | p99 ms | errors | queries (cold/warm) | bytes (HTML / sent) "
        "| floor around | × floor | targets (issue 4 §2) |"
    )
    lines = [header, "|" + "---|" * 10]
    for row in rows:
        targets = "; ".join(
            f"{target}: {'met' if met else '**NOT met**'}" for target, met in row["checks"]
        )
        lines.append(
            f"| {row['label']} | {row['rps']:.0f} | {fmt_ms(row['p50'])} | {fmt_ms(row['p99'])} "
            f"| {row['errors']} | {row['queries']} | {row['bytes']:,} / {row['wire']:,.0f} "
            f"| {row['floor']:.0f} | {row['ratio']:.2f} "
            f"| {targets or '—'} |"
        )
    return "\n".join(lines)


def run_pass(name, env, page_list, args, counts, cookie, *, cold) -> dict:
    """Load every page against one gunicorn: the table rows, the workers' memory, the load.

    The machine is shared and its speed drifts, so every page is bracketed by floor runs: the
    full /healthz runs first and last, and a short /healthz probe between two pages. A page's
    ratio is to the mean of the floor just before and just after it.
    """
    floor_page = next(page for page in page_list if page.key == "healthz")
    sequence: list[tuple[Page, Load]] = []
    load_average = os.getloadavg()
    with Server(env, f"gunicorn-{name}.log") as server:
        for page in page_list:
            if page.kind != "floor" and sequence and sequence[-1][0].kind != "floor":
                probe = run_wrk(server, floor_page, args, duration=args.probe)
                (OUT_DIR / f"wrk-{name}-probe-before-{page.key}.txt").write_text(probe.raw)
                sequence.append((floor_page, probe))
            print(f"  [{name}] {page.label} ...", file=sys.stderr, flush=True)
            load = run_wrk(server, page, args, cookie if page.kind == "member" else "")
            (OUT_DIR / f"wrk-{name}-{page.key}.txt").write_text(load.raw)
            sequence.append((page, load))
        memory = worker_memory(server.process.pid)
    load_after = os.getloadavg()
    loads = {page.key: load for page, load in sequence if page.kind != "floor"}
    floors = [load.requests_per_s for page, load in sequence if page.kind == "floor"]
    rows = []
    for index, (page, load) in enumerate(sequence):
        if page.kind == "floor" and 0 < index < len(sequence) - 1:
            continue  # a probe: it shows in the floor range, not as a row
        around = [
            load.requests_per_s
            for neighbour, load in (sequence[index - 1 : index] + sequence[index + 1 : index + 2])
            if neighbour.kind == "floor"
        ]
        floor = Load(
            requests_per_s=load.requests_per_s
            if page.kind == "floor"
            else (sum(around) / len(around) if around else 0.0)
        )
        count = counts.get(page.key, Count())
        rows.append(
            {
                "key": page.key,
                "label": page.label,
                "rps": load.requests_per_s,
                "p50": load.p50_ms,
                "p99": load.p99_ms,
                "errors": load.errors,
                "queries": f"{count.queries}/{count.warm_queries}",
                "bytes": count.bytes,
                "wire": load.bytes_per_response,
                "floor": floor.requests_per_s,
                "ratio": load.requests_per_s / floor.requests_per_s
                if floor.requests_per_s
                else 0.0,
                "checks": judge(
                    page, load, floor, cold=cold, page_one=loads.get(page.deep_of) or None
                ),
            }
        )
    return {
        "rows": rows,
        "memory": memory,
        "floor_range": (min(floors), max(floors)) if floors else (0.0, 0.0),
        "load_average": (load_average, load_after),
    }


def setup_in_process(env: dict) -> None:
    """Django in this process with the server's settings, so counts and sessions match it."""
    os.environ.pop("DEBUG", None)
    os.environ.update(env)
    import django

    django.setup()


def check_data() -> int:
    """--check-data: print empty, partial or complete for the database in DATABASE_URL."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    if not generate.has_data():
        print("empty")
    else:
        print("complete" if generate.is_complete() else "partial")
    return 0


def count_only() -> int:
    """--count-only: the pages' query counts as JSON, for comparing data sizes."""
    import django

    django.setup()
    from articles.ranking import rebuild_rankings

    rebuild_rankings()
    site = find_site()
    counts = count_queries([page for page in pages(site) if page.kind != "floor"])
    print(json.dumps({key: [c.status, c.queries] for key, c in counts.items()}))
    return 0


def snapshot_of_head() -> tuple[Path, str]:
    """The committed tree at HEAD, extracted under bench/out/: the working tree is shared with
    people editing it, and a template saved half-way through a run would turn into 500s."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=BASE_DIR, capture_output=True, text=True,
        check=True,
    ).stdout.strip()  # fmt: skip
    target = OUT_DIR / "snapshot"
    if target.exists():
        shutil.rmtree(target)
    (target / "bench").mkdir(parents=True)
    archive = subprocess.run(
        ["git", "archive", "--format=tar", "HEAD"], cwd=BASE_DIR, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    # The bench's own scripts come from the working tree: they measure, they are not measured.
    for script in [*BENCH_DIR.glob("*.py"), *BENCH_DIR.glob("*.lua")]:
        shutil.copy2(script, target / "bench" / script.name)
    return target, commit


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Load the site with wrk; see the module doc.")
    parser.add_argument("--duration", type=int, default=15, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--probe", type=int, default=5, help="seconds of /healthz between pages")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--only", default="", help="comma-separated page keys (healthz is kept)")
    parser.add_argument("--skip-off", action="store_true", help="no pass with the cache off")
    parser.add_argument("--regenerate", action="store_true", help="generate the data again")
    parser.add_argument(
        "--working-tree",
        action="store_true",
        help="measure the working tree as it is, uncommitted changes included (default: HEAD)",
    )
    parser.add_argument("--check-data", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--count-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.check_data:
        return check_data()
    if args.count_only:
        return count_only()

    if not args.working_tree and "BENCH_COMMIT" not in os.environ:
        OUT_DIR.mkdir(exist_ok=True)
        tree, commit = snapshot_of_head()
        print(f"Measuring commit {commit} (a snapshot in {tree})", file=sys.stderr, flush=True)
        env = {**os.environ, "BENCH_COMMIT": commit, "BENCH_RESULTS_DIR": str(RESULTS_DIR)}
        argv = sys.argv[1:] if argv is None else argv
        return subprocess.run(
            [sys.executable, str(tree / "bench" / "run.py"), *argv], env=env, cwd=tree
        ).returncode

    args.database_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("make bench needs PostgreSQL in DATABASE_URL.")
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    OUT_DIR.mkdir(exist_ok=True)
    started = time.monotonic()
    env_on = server_env(
        database_url=args.database_url, redis_url=redis_url, page_cache=60, prefix="bench"
    )
    generated = ensure_generated(args.database_url, env_on, scale=1.0, regenerate=args.regenerate)
    setup_in_process(env_on)
    from django.core.management import call_command

    # Before anything renders a page: production settings read the static files' manifest.
    call_command("collectstatic", interactive=False, verbosity=0)
    small = small_counts(args, redis_url)

    import redis

    redis.Redis.from_url(redis_url).flushdb()
    site = find_site()
    page_list = pages(site)
    if args.only:
        wanted = {"healthz", "healthz_end", *args.only.split(",")}
        page_list = [page for page in page_list if page.key in wanted]

    print("Timing rebuild_rankings() on the full data ...", file=sys.stderr, flush=True)
    feeds_seconds = time_feeds()
    print("Counting queries in-process ...", file=sys.stderr, flush=True)
    counts = count_queries([page for page in page_list if page.kind != "floor"])
    counts["healthz"] = counts["healthz_end"] = Count(status=200, bytes=2)
    print("EXPLAIN ANALYZE of the list queries ...", file=sys.stderr, flush=True)
    plans = explain_pages(counts, page_list)
    member = member_client()
    cookie = f"sessionid={member.cookies['sessionid'].value}"

    print("Loading with the page cache on ...", file=sys.stderr, flush=True)
    passes = {"on": run_pass("cache-on", env_on, page_list, args, counts, cookie, cold=False)}
    if not args.skip_off:
        env_off = {**env_on, "PAGE_CACHE_SECONDS": "0"}
        off_pages = [page for page in page_list if page.kind != "view"]
        print("Loading with the page cache off ...", file=sys.stderr, flush=True)
        passes["off"] = run_pass("cache-off", env_off, off_pages, args, counts, cookie, cold=True)

    report = render_report(
        machine=machine(),
        site=site,
        sizes=data_sizes(),
        pg=postgres_settings(),
        passes=passes,
        feeds_seconds=feeds_seconds,
        counts=counts,
        small=small,
        plans=plans,
        generated=generated or _read(OUT_DIR / "generate.txt"),
        args=args,
        minutes=(time.monotonic() - started) / 60,
    )
    print(report)
    if not args.only:
        (RESULTS_DIR / "RESULTS.md").write_text(report)
        print(f"Written to {RESULTS_DIR / 'RESULTS.md'}", file=sys.stderr)
    (OUT_DIR / "results.json").write_text(
        json.dumps(
            {"passes": passes, "feeds": feeds_seconds, "plans": plans},
            default=str,
            indent=1,
        )
    )
    return 0


def _read(path: Path) -> str:
    return path.read_text() if path.exists() else ""


PASS_TITLES = {
    "on": "Page cache on (PAGE_CACHE_SECONDS=60, warmed)",
    "off": "Page cache off (PAGE_CACHE_SECONDS=0): every request builds the page",
}


def render_report(**data) -> str:
    m, args, site, pg = data["machine"], data["args"], data["site"], data["pg"]
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (bench/run.py); numbers are ratios to the floor of the same "
        "server run, because the machine is shared.",
        "",
        f"- Machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory']} RAM; Python {m['python']}; "
        f"PostgreSQL {pg['version']} (shared_buffers {pg['shared_buffers']}, "
        f"work_mem {pg['work_mem']}).",
        f"- Date: {m['date']}. Commit: `{m['commit']}`. The run took {data['minutes']:.1f} min.",
        f"- Load: wrk -t{args.threads} -c{args.connections} -d{args.duration}s --latency over "
        "loopback; gunicorn config.wsgi, 2 sync workers, DEBUG off, whitenoise, Redis cache "
        "and sessions.",
        "- Data: " + ", ".join(f"{n:,} {label}" for label, n in data["sizes"].items()) + ".",
        f"- Pages: the article {site['article_path']} has 300 visible comments; the rubric "
        f"{site['rubric_path']} has {site['rubric_articles']:,} articles; the tag "
        f"{site['tag_path']} has {site['tag_articles']:,}.",
    ]
    for key, result in data["passes"].items():
        before, after = result["load_average"]
        lines += [
            "",
            f"## {PASS_TITLES[key]}",
            "",
            f"Floor: /healthz from {result['floor_range'][0]:.0f} to "
            f"{result['floor_range'][1]:.0f} req/s over the pass; each page is compared with the "
            f'floor runs just before and after it (column "floor around"). Load average before '
            f"{before[0]:.2f}, after {after[0]:.2f}.",
            "",
            table(result["rows"]),
        ]
    lines += ["", "## Other targets", ""]
    feeds = data["feeds_seconds"]
    met = "met" if max(feeds) < FEEDS_LIMIT_S else "**NOT met**"
    lines.append(
        f"- rebuild_rankings() on the full data: {', '.join(f'{s:.2f} s' for s in feeds)} "
        f"(target < {FEEDS_LIMIT_S:.0f} s: {met})."
    )
    for key, result in data["passes"].items():
        workers = result["memory"]
        if not workers:
            continue
        rss = max(worker["rss_mb"] for worker in workers)
        met = "met" if rss < WORKER_LIMIT_MB else "**NOT met**"
        peaks = ", ".join(f"{worker['peak_mb']:.0f}" for worker in workers)
        now = ", ".join(f"{worker['rss_mb']:.0f}" for worker in workers)
        lines.append(
            f"- Workers, cache {key}: peak (VmHWM) {peaks} MB; resident after the run (VmRSS) "
            f"{now} MB (target < {WORKER_LIMIT_MB} MB after the run: {met})."
        )
    lines += [
        "",
        "## Each page in-process",
        "",
        "Django's test client in this process, same database and Redis. Queries: first request "
        "with the page cache cold, then warm; the same page on a 1% copy of the data "
        "(`<database>_small`) must need as many. Build time: median of 5 requests with the page "
        "cache off, queries included.",
        "",
        "| page | status | queries cold | warm | on 1% copy | same | bytes | DB ms (cold) "
        "| build ms (cache off) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    small = data["small"]
    for key, count in data["counts"].items():
        if key.startswith("healthz"):
            continue
        small_status, small_queries = small.get(key, (0, None))
        if small_queries is None:
            copy, same = "—", "—"
        elif small_status != 200 or count.status != 200:
            copy, same = f"(status {small_status})", "—"
        else:
            copy, same = str(small_queries), "yes" if small_queries == count.queries else "**no**"
        lines.append(
            f"| {key} | {count.status} | {count.queries} | {count.warm_queries} | {copy} | {same} "
            f"| {count.bytes:,} | {count.db_ms:.1f} | {count.render_ms:.1f} |"
        )
    lines += ["", "## EXPLAIN (ANALYZE, BUFFERS) of the list queries", ""]
    for key, entries in data["plans"].items():
        flagged = sorted({table for entry in entries for table in entry["seq_scans"]})
        total = sum(entry["ms"] for entry in entries)
        verdict = f"**Seq Scan on {', '.join(flagged)}**" if flagged else "indexes only"
        lines.append(f"- {key}: {len(entries)} queries, {total:.1f} ms in all; {verdict}.")
    lines += ["", "The slowest query of each page:", ""]
    for key, entries in data["plans"].items():
        if not entries:
            continue
        slowest = entries[0]
        lines += [
            f"### {key}: {slowest['ms']:.1f} ms",
            "",
            "```sql",
            slowest["sql"][:1500],
            "```",
            "",
            "```",
            slowest["plan"],
            "```",
            "",
        ]
    if data["generated"]:
        lines += ["## Data generation (bench/generate.py)", "", "```", data["generated"], "```"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
