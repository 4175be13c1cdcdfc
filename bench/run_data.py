"""The data the bench measures: the generated data set (made once, reused), its 1% copy, and
what the report says about the database."""

# The bench starts local programs: bench/generate.py and bench/run.py in child processes.
# ruff: noqa: S603

import json
import os
import secrets
import subprocess
import sys

import generate
from run_paths import BENCH_DIR, OUT_DIR
from run_server import server_env

RUN = BENCH_DIR / "run.py"


def database_name(url: str) -> str:
    return url.rsplit("/", 1)[1].split("?", 1)[0]


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


def _state(url: str, env: dict) -> str:
    """empty, partial or complete: asked of a child process, whose Django uses that database."""
    check = subprocess.run(
        [sys.executable, str(RUN), "--check-data"],
        env={**env, "DATABASE_URL": url},
        capture_output=True,
        text=True,
    )
    return check.stdout.strip()


def ensure_generated(url: str, env: dict, *, scale: float, regenerate: bool, quiet=False) -> str:
    """Generate the data set unless a complete one is there; returns the generator's report."""
    generate.ensure_database(url)
    state = _state(url, env)
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


def small_counts(database_url: str, redis_url: str) -> dict:
    """Query counts of the same pages on a 1% copy of the data, from a child process."""
    return copy_counts(database_url, redis_url, suffix="small", scale=0.01)


def tenth_counts(database_url: str, redis_url: str) -> dict:
    """Queries and build times of the same pages on a tenth of the data (`<name>_tenth`, made on
    the first run): how a page's cost grows with the site."""
    return copy_counts(database_url, redis_url, suffix="tenth", scale=0.1)


def mean_counts(before: dict, after: dict) -> dict:
    """The tenth's counts with each build time the mean of a run before the full size's timing
    and one after it: the machine's drift over the minutes between cancels out, as the floor
    runs around each page do under load. A page missing from either run keeps the other's."""
    means = {}
    for key in before.keys() | after.keys():
        first, second = before.get(key), after.get(key)
        if first and second and first[2] and second[2]:
            means[key] = [first[0], first[1], (first[2] + second[2]) / 2]
        else:
            means[key] = first or second
    return means


def copy_counts(database_url: str, redis_url: str, *, suffix: str, scale: float) -> dict:
    """{page: [status, queries, build ms]} on a copy of the data at this scale, from a child."""
    copy_url = f"{database_url.rsplit('/', 1)[0]}/{database_name(database_url)}_{suffix}"
    env = server_env(
        database_url=copy_url, redis_url=redis_url, page_cache=60, prefix=f"bench-{suffix}"
    )
    ensure_generated(copy_url, env, scale=scale, regenerate=False, quiet=True)
    result = subprocess.run(
        [sys.executable, str(RUN), "--count-only"], env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        print(f"Counting on the {suffix} copy failed:\n{result.stderr[-2000:]}", file=sys.stderr)
        return {}
    return json.loads(result.stdout)


def data_sizes() -> dict[str, int]:
    """Rows in the big tables, by what they hold."""
    from django.db import connection

    tables = {
        "articles": "articles_article",
        "members": "accounts_user",
        "comments": "discussions_comment",
        "article votes": "discussions_articlevote",
        "comment votes": "discussions_commentvote",
        "daily stats": "articles_articledailystats",
        "ranking entries": "articles_rankingentry",
    }
    sizes = {}
    with connection.cursor() as cursor:
        for label, table in tables.items():
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - constants
            sizes[label] = cursor.fetchone()[0]
    return sizes


def postgres_settings() -> dict[str, str]:
    """The server's version and the settings that matter for the plans."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        settings = {"version": cursor.fetchone()[0]}
        for name in ("shared_buffers", "work_mem", "effective_cache_size", "random_page_cost"):
            cursor.execute(f"SHOW {name}")
            settings[name] = cursor.fetchone()[0]
    return settings
