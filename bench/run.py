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
big data and on a 1% copy (`<name>_small`), and each page's build time on a tenth of the data
(`<name>_tenth`, made on the first run) beside the full size's; EXPLAIN (ANALYZE, BUFFERS) every
query of the list pages; time rebuild_rankings(); start gunicorn with the production settings (2
workers, DEBUG off, whitenoise) and run `wrk -t2 -c16 -d15s --latency` against /healthz (the
floor, first and last) and each page; restart it with PAGE_CACHE_SECONDS=0 and load the pages
again. Prints the table with the targets of issues 4 and 12 beside each figure and writes it to
bench/RESULTS.md; raw wrk output, gunicorn logs and results.json go to bench/out/.

Redis: BENCH_REDIS_URL (default redis://127.0.0.1:6379/9) is flushed at the start: keep that
database for the bench. The whole run takes about 8 minutes once the data exists.

The parts: run_wrk.py (the pages and wrk), run_server.py (gunicorn and the machine),
run_probes.py (in-process measurements), run_data.py (the data set), run_report.py (targets and
the Markdown); this file runs them in order.
"""

# The runner starts local programs (git, tar, itself).
# ruff: noqa: S603, S607

import argparse
import json
import os
import secrets
import shutil
import string
import subprocess
import sys
import time
from pathlib import Path

import run_data
import run_probes
import run_report
from run_paths import BASE_DIR, BENCH_DIR, OUT_DIR, RESULTS_DIR
from run_server import Server, machine, server_env, worker_memory
from run_wrk import Load, Page, only, pages, run_wrk

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/9"


def load_pages(server: Server, name: str, page_list: list[Page], args, cookies: dict) -> list:
    """(page, load) for every page in turn, with a short /healthz probe between two pages."""
    floor_page = next(page for page in page_list if page.key == "healthz")
    sequence: list[tuple[Page, Load]] = []
    for page in page_list:
        if page.kind != "floor" and sequence and sequence[-1][0].kind != "floor":
            probe = run_wrk(server.url(floor_page.path), floor_page, args, duration=args.probe)
            (OUT_DIR / f"wrk-{name}-probe-before-{page.key}.txt").write_text(probe.raw)
            sequence.append((floor_page, probe))
        print(f"  [{name}] {page.label} ...", file=sys.stderr, flush=True)
        visitors = run_probes.signed_visitors_file() if page.method == "POST" else None
        cookie = cookies.get(page.kind, "")  # the member's or the editor's session
        load = run_wrk(server.url(page.path), page, args, cookie, visitors=visitors)
        (OUT_DIR / f"wrk-{name}-{page.key}.txt").write_text(load.raw)
        sequence.append((page, load))
    return sequence


def run_pass(name, env, page_list, args, counts, cookies, *, cold) -> dict:
    """Load every page against one gunicorn: the table rows, the workers' memory, the load.

    The machine is shared and its speed drifts, so every page is bracketed by floor runs: the
    full /healthz runs first and last, and a short /healthz probe between two pages. A page's
    ratio is to the mean of the floor just before and just after it.
    """
    load_average = os.getloadavg()
    with Server(env, f"gunicorn-{name}.log") as server:
        sequence = load_pages(server, name, page_list, args, cookies)
        memory = worker_memory(server.process.pid)
    floors = [load.requests_per_s for page, load in sequence if page.kind == "floor"]
    return {
        "rows": run_report.rows(sequence, counts, cold=cold),
        "memory": memory,
        "floor_range": (min(floors), max(floors)) if floors else (0.0, 0.0),
        "load_average": (load_average, os.getloadavg()),
    }


def snapshot_of_head() -> tuple[Path, str]:
    """The committed tree at HEAD, extracted under bench/out/: the working tree is shared with
    people editing it, and a template saved half-way through a run would turn into 500s."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
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


def run_snapshot(argv) -> int:
    """Run this script again from a snapshot of HEAD, writing to this working tree's bench/."""
    OUT_DIR.mkdir(exist_ok=True)
    tree, commit = snapshot_of_head()
    print(f"Measuring commit {commit} (a snapshot in {tree})", file=sys.stderr, flush=True)
    env = {**os.environ, "BENCH_COMMIT": commit, "BENCH_RESULTS_DIR": str(RESULTS_DIR)}
    argv = sys.argv[1:] if argv is None else argv
    return subprocess.run(
        [sys.executable, str(tree / "bench" / "run.py"), *argv], env=env, cwd=tree
    ).returncode


def measure_in_process(page_list: list[Page]) -> dict:
    """Rankings rebuild times, each page's queries and the list queries' plans, in-process."""
    print("Timing rebuild_rankings() on the full data ...", file=sys.stderr, flush=True)
    rankings_seconds = run_probes.time_rankings()
    print("Building the analytics' sums on the full data ...", file=sys.stderr, flush=True)
    analytics_seconds = run_probes.time_analytics()
    print("Counting queries in-process ...", file=sys.stderr, flush=True)
    counts = run_probes.count_queries([page for page in page_list if page.kind != "floor"])
    counts["healthz"] = counts["healthz_end"] = run_probes.Count(status=200, bytes=2)
    print("Building cold articles ...", file=sys.stderr, flush=True)
    cold_articles = run_probes.time_cold_articles()
    print("EXPLAIN ANALYZE of the list queries ...", file=sys.stderr, flush=True)
    plans = run_probes.explain_pages(counts, page_list)
    return {
        "cold_articles": cold_articles,
        "rankings_seconds": rankings_seconds,
        "analytics_seconds": analytics_seconds,
        "counts": counts,
        "plans": plans,
    }


def load_passes(env_on: dict, page_list: list[Page], args, counts: dict) -> dict:
    """The pass with the page cache on, then (unless --skip-off) the one with it off."""
    # The session, and the CSRF cookie a browser keeps from its first page (wrk drops what the
    # responses set: without it every request would be a first visit that makes a new secret).
    csrf = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
    cookies = {
        kind: f"sessionid={client.cookies['sessionid'].value}; csrftoken={csrf}"
        for kind, client in (
            ("member", run_probes.member_client()),
            ("editor", run_probes.editor_client()),
        )
    }
    print("Loading with the page cache on ...", file=sys.stderr, flush=True)
    passes = {"on": run_pass("cache-on", env_on, page_list, args, counts, cookies, cold=False)}
    if not args.skip_off:
        env_off = {**env_on, "PAGE_CACHE_SECONDS": "0"}
        off_pages = [page for page in page_list if page.kind != "view"]
        print("Loading with the page cache off ...", file=sys.stderr, flush=True)
        passes["off"] = run_pass("cache-off", env_off, off_pages, args, counts, cookies, cold=True)
    return passes


def prepare(args, redis_url: str) -> tuple[dict, str, dict, dict]:
    """The data (generated if need be), Django in this process, static files, the counts on the
    1% copy and the build times on the tenth."""
    env_on = server_env(
        database_url=args.database_url, redis_url=redis_url, page_cache=60, prefix="bench"
    )
    generated = run_data.ensure_generated(
        args.database_url, env_on, scale=1.0, regenerate=args.regenerate
    )
    run_probes.setup_in_process(env_on)
    from django.core.management import call_command

    # Before anything renders a page: production settings read the static files' manifest.
    call_command("collectstatic", interactive=False, verbosity=0)
    small = run_data.small_counts(args.database_url, redis_url)
    print("Timing the pages on a tenth of the data ...", file=sys.stderr, flush=True)
    tenth = run_data.tenth_counts(args.database_url, redis_url)

    import redis

    redis.Redis.from_url(redis_url).flushdb()
    return env_on, generated, small, tenth


def write_results(report: str, measured: dict, passes: dict, args) -> None:
    print(report)
    if not args.only:
        (RESULTS_DIR / "RESULTS.md").write_text(report)
        print(f"Written to {RESULTS_DIR / 'RESULTS.md'}", file=sys.stderr)
    results = {
        "passes": passes,
        "rankings": measured["rankings_seconds"],
        "analytics_build": measured["analytics_seconds"],
        "plans": measured["plans"],
    }
    (OUT_DIR / "results.json").write_text(json.dumps(results, default=str, indent=1))


def bench(args) -> int:
    """The whole run against the database in DATABASE_URL (see the module's doc)."""
    args.database_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("make bench needs PostgreSQL in DATABASE_URL.")
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    OUT_DIR.mkdir(exist_ok=True)
    started = time.monotonic()
    env_on, generated, small, tenth = prepare(args, redis_url)
    site = run_probes.find_site()
    page_list = only(pages(site), args.only)
    measured = measure_in_process(page_list)
    print("Timing the pages on a tenth of the data again ...", file=sys.stderr, flush=True)
    tenth = run_data.mean_counts(tenth, run_data.tenth_counts(args.database_url, redis_url))
    passes = load_passes(env_on, page_list, args, measured["counts"])
    report = run_report.render_report(
        machine=machine(),
        site=site,
        sizes=run_data.data_sizes(),
        pg=run_data.postgres_settings(),
        passes=passes,
        small=small,
        tenth=tenth,
        generated=generated or _read(OUT_DIR / "generate.txt"),
        args=args,
        minutes=(time.monotonic() - started) / 60,
        **measured,
    )
    write_results(report, measured, passes, args)
    return 0


def _read(path: Path) -> str:
    return path.read_text() if path.exists() else ""


def parse_args(argv=None) -> argparse.Namespace:
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
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.check_data:
        return run_data.check_data()
    if args.count_only:
        return run_probes.count_only()
    if not args.working_tree and "BENCH_COMMIT" not in os.environ:
        return run_snapshot(argv)
    return bench(args)


if __name__ == "__main__":
    sys.exit(main())
