"""Fill a PostgreSQL database with a big site for `make bench`.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \
        .venv/bin/python bench/generate.py [--reset] [--scale 0.01]

100,000 published articles, 50,000 members, 1,000,000 comments in threads, 2,000,000 votes and a
year of daily view statistics, loaded with COPY; then every denormalised counter is set with
set-based SQL and checked with `manage.py recount_counters` (it must fix nothing), the tables are
vacuumed and analysed, and the rankings are rebuilt. Without --reset it refuses a database that
already holds members or articles. --scale 0.01 makes a small copy for trying the scripts out;
the bench article keeps its 300 comments at any scale.

Daily statistics hold a row only for a day on which an article had views (or comments, or votes):
a new article is read for a couple of weeks after it comes out, then now and again. Popular and
recent articles get many rows, old quiet ones a few: about 4 million rows, not 100,000 x 365.

This file is the command: the database, the sizes and the order of the phases. What each phase
writes is beside it, one module per kind of row: generate_members.py, generate_articles.py,
generate_comments.py, generate_votes.py and generate_statistics.py (daily rows and counters), with
what they share in generate_common.py.
"""

import argparse
import os
import random
import sys
import time
from pathlib import Path

from psycopg import sql

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# bench/run.py reads the bench article and member by these names.
from generate_articles import make_articles  # noqa: E402
from generate_comments import make_comments  # noqa: E402
from generate_common import (  # noqa: E402, F401
    AUTHORS,
    BENCH_COMMENTS,
    BENCH_MEMBER,
    BENCH_SLUG,
    HOT_ARTICLES,
    Site,
    Timings,
)
from generate_members import make_users  # noqa: E402
from generate_statistics import make_daily_stats, set_counters, verify_counters  # noqa: E402
from generate_votes import make_votes  # noqa: E402

ARTICLES = 100_000
MEMBERS = 50_000
COMMENTS = 1_000_000
VOTES = 2_000_000

PROJECT_APPS = ("accounts", "articles", "discussions", "taggit", "account", "admin")
VACUUM_TABLES = (
    "accounts_user articles_article articles_taggedarticle discussions_comment "
    "discussions_articlevote discussions_commentvote articles_articledailystats articles_tag "
    "articles_rubric articles_series"
).split()


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reset", action="store_true", help="empty the project's tables first")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full size")
    parser.add_argument("--seed", type=int, default=2024)
    return parser.parse_args(argv)


def setup_django() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit(
            "bench/generate.py needs PostgreSQL: set DATABASE_URL, e.g. "
            "postgres://postgres@127.0.0.1:5432/bench (SQLite is not supported)."
        )
    # Generating touches no request: a throwaway key keeps the production settings importable.
    if not os.environ.get("SECRET_KEY") and not os.environ.get("DEBUG"):
        os.environ["SECRET_KEY"] = os.urandom(24).hex()
    import django

    django.setup()


def ensure_database(url: str) -> None:
    """Create the database DATABASE_URL names when it does not exist yet."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(url)
    name = params.get("dbname")
    with psycopg.connect(make_conninfo(url, dbname="postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"Created database {name}", flush=True)


def project_tables() -> list[str]:
    from django.apps import apps

    tables = []
    for label in PROJECT_APPS:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        for model in config.get_models(include_auto_created=True):
            if not model._meta.proxy and model._meta.managed:
                tables.append(model._meta.db_table)
    return sorted(set(tables))


def has_data() -> bool:
    from django.contrib.auth import get_user_model

    from articles.models import Article

    return get_user_model().objects.exists() or Article.objects.exists()


def is_complete() -> bool:
    """True when a full generation finished: the bench article, its thread, the rankings."""
    from articles.models import Article, RankingEntry
    from discussions.models import Comment

    article = Article.objects.filter(slug=BENCH_SLUG).first()
    return (
        article is not None
        and Comment.objects.filter(article=article).count() == BENCH_COMMENTS
        and RankingEntry.objects.exists()
    )


def reset(cursor) -> None:
    tables = ", ".join(f'"{table}"' for table in project_tables())
    cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


def sizes(scale: float) -> dict[str, int]:
    """How many rows of each kind at this scale; the hot threads keep their length at any."""
    return {
        "members": max(int(MEMBERS * scale), AUTHORS + 10),
        "articles": max(int(ARTICLES * scale), HOT_ARTICLES + 20),
        "comments": max(int(COMMENTS * scale), BENCH_COMMENTS * HOT_ARTICLES),
        "votes": max(int(VOTES * scale), 1000),
    }


def generate(cursor, rng: random.Random, size: dict[str, int], timings: Timings) -> int:
    """Every phase in order, each reading what the ones before it noted; returns the daily rows."""
    from django.utils import timezone

    # This session only: the load is repeatable, so a lost last commit costs nothing.
    cursor.execute("SET synchronous_commit = off")
    cursor.execute("SET work_mem = '256MB'")
    cursor.execute("SET maintenance_work_mem = '1GB'")
    tz = timezone.get_current_timezone()
    now = time.time()
    site = Site(size["members"])
    make_users(cursor, rng, size["members"], now, tz, timings)
    make_articles(cursor, rng, site, size["articles"], now, tz, timings)
    make_comments(cursor, rng, site, size["comments"], now, tz, timings)
    make_votes(cursor, rng, site, size["votes"], now, tz, timings)
    stats_rows = make_daily_stats(cursor, rng, site, now, tz, timings)
    set_counters(cursor, timings)
    with timings.step("vacuum analyze"):
        for table in VACUUM_TABLES:
            cursor.execute(f'VACUUM (ANALYZE) "{table}"')
    return stats_rows


def main(argv=None) -> int:
    args = parse_args(argv)
    setup_django()
    ensure_database(os.environ["DATABASE_URL"])
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from articles.ranking import rebuild_rankings

    timings = Timings()
    size = sizes(args.scale)
    database = settings.DATABASES["default"]
    print(
        f"Generating into {database['NAME']} on {database.get('HOST') or 'localhost'}: "
        f"{size['articles']:,} articles, {size['members']:,} members, "
        f"{size['comments']:,} comments, {size['votes']:,} votes",
        flush=True,
    )
    with timings.step("migrate"):
        call_command("migrate", interactive=False, verbosity=0)
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor  # the psycopg cursor, for COPY
        if has_data():
            if not args.reset:
                sys.exit(
                    "The database already holds members or articles. Run with --reset to empty "
                    "the project's tables and generate again."
                )
            with timings.step("reset"):
                reset(cursor)
        stats_rows = generate(cursor, random.Random(args.seed), size, timings)
    print(verify_counters(timings), flush=True)
    with timings.step("rebuild_rankings()"):
        rebuild_rankings()
    print(f"Daily statistics rows: {stats_rows:,}")
    print(timings.report())
    return 0


if __name__ == "__main__":
    sys.exit(main())
