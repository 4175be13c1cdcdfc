"""The bench's own parts that need no database: wrk's command and output, the targets, the
rows and the report (`make test` runs these; `make bench` is the rest)."""

from argparse import Namespace
from pathlib import Path

import pytest
import run_data
from run_probes import Count
from run_report import _search_note, judge, render_report, rows
from run_wrk import Load, Page, duration_ms, only, pages, parse_wrk, wrk_command

WRK_OUTPUT = """Running 15s test @ http://127.0.0.1:41049/articles/bench-300-comments/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.19s   560.16ms   1.91s    55.56%
    Req/Sec     5.61      3.47    10.00     50.00%
  Latency Distribution
     50%  812.33us
     75%    1.57ms
     90%    1.91s
     99%    1.20s
  9018 requests in 15.02s, 11.22MB read
  Socket errors: connect 0, read 2, write 0, timeout 9
  Non-2xx or 3xx responses: 4
Requests/sec:    600.42
Transfer/sec:      3.72MB
"""


def test_parse_wrk_reads_rate_percentiles_and_errors():
    load = parse_wrk(WRK_OUTPUT)
    assert load.requests_per_s == pytest.approx(600.42)
    assert load.p50_ms == pytest.approx(0.81233)
    assert load.p99_ms == pytest.approx(1200.0)
    assert load.requests == 9018
    assert load.bytes_per_response == pytest.approx(11.22 * 1024**2 / 9018)
    assert (load.non_2xx_3xx, load.socket_errors, load.errors) == (4, 11, 15)


def test_parse_wrk_without_errors_reports_none():
    clean = WRK_OUTPUT.replace("  Socket errors: connect 0, read 2, write 0, timeout 9\n", "")
    clean = clean.replace("  Non-2xx or 3xx responses: 4\n", "")
    assert parse_wrk(clean).errors == 0


@pytest.mark.parametrize(
    ("text", "ms"),
    [("812.33us", 0.81233), ("3.05ms", 3.05), ("1.20s", 1200.0), ("2.00m", 120_000.0)],
)
def test_duration_ms_units(text, ms):
    assert duration_ms(text) == pytest.approx(ms)


def test_judge_holds_page_1000_to_page_one_and_lists_to_the_floor():
    floor = Load(requests_per_s=1000)
    page_one = Load(requests_per_s=600, p50_ms=10.0)
    deep = Page("rubric_1000", "rubric, p.1000", "/r/?page=1000", "anon", deep_of="rubric_1")
    checks = dict(
        judge(deep, Load(requests_per_s=300, p50_ms=20.0), floor, cold=True, page_one=page_one)
    )
    assert checks == {"p50 ≤ 1.5 × p.1 (2.00×)": False}
    home = Page("home", "home", "/", "anon", anon_target=True)
    assert [
        met
        for _, met in judge(
            home, Load(requests_per_s=600, p99_ms=50), floor, cold=False, page_one=None
        )
    ] == [True, True, True]
    assert judge(home, Load(requests_per_s=40), floor, cold=True, page_one=None) == [
        ("≥ 0.1 × floor", False)  # issue 12's target for a cold home page
    ]
    member = Page("article_member", "article, member", "/a/", "member")
    assert dict(
        judge(member, Load(requests_per_s=250, p99_ms=120), floor, cold=False, page_one=None)
    ) == {"≥ 0.3 × floor": False, "p99 < 100 ms": False, "0 errors": True}
    plain = Page("article_plain", "plain", "/a/", "anon", plain=True, same_as="article")
    checks = judge(
        plain, Load(requests_per_s=950), floor, cold=False, page_one=None, same=Load(1000)
    )
    assert checks == [("≥ 0.9 × article (0.95×)", True)]


SITE = {
    "article_path": "/articles/bench/",
    "article_20_path": "/articles/twenty/",
    "view_path": "/articles/1/view/",
    "article_id": 1,
    "rubric_path": "/rubrics/big/",
    "rubric_articles": 40_000,
    "tag_path": "/tags/busy/",
    "tag_articles": 9_000,
}
ARGS = Namespace(threads=2, connections=16, duration=5, only="")


def test_judge_holds_the_analytics_to_its_median():
    floor = Load(requests_per_s=1000)
    analytics = Page("analytics", "analytics", "/admin/a/", "editor", p50_limit_ms=300)
    fast, slow = Load(requests_per_s=40, p50_ms=120.0), Load(requests_per_s=5, p50_ms=450.0)
    assert judge(analytics, fast, floor, cold=False, page_one=None) == [("p50 < 300 ms", True)]
    assert judge(analytics, slow, floor, cold=False, page_one=None) == [("p50 < 300 ms", False)]


def test_only_keeps_the_pages_named_and_the_floor_around_them():
    kept = only(pages(SITE), "home,rubric_1000")
    assert [page.key for page in kept] == ["healthz", "home", "rubric_1000", "healthz_end"]
    assert only(pages(SITE), "") == pages(SITE)


def test_a_view_report_runs_view_lua_with_the_signed_visitors():
    view = next(page for page in pages(SITE) if page.key == "view")
    command = wrk_command(
        "http://127.0.0.1:9/articles/1/view/",
        view,
        ARGS,
        {"User-Agent": "x"},
        duration=5,
        visitors=Path("out/visitors.txt"),
    )
    assert command[:5] == ["wrk", "-t2", "-c16", "-d5s", "--latency"]
    assert command[-6:] == [
        "-s",
        str(Path(__file__).parent / "view.lua"),
        "http://127.0.0.1:9/articles/1/view/",
        "--",
        "out/visitors.txt",
        "2",
    ]
    home = pages(SITE)[1]
    assert wrk_command("http://h/", home, ARGS, {}, duration=5, visitors=None)[-1] == "http://h/"


def sequence() -> list:
    """A pass: the floor, home, a probe, the rubric's page 1000, the floor again."""
    by_key = {page.key: page for page in pages(SITE)}
    return [
        (by_key["healthz"], Load(requests_per_s=1000)),
        (by_key["home"], Load(requests_per_s=700, p50_ms=2, p99_ms=20, requests=7000)),
        (by_key["healthz"], Load(requests_per_s=800)),
        (by_key["rubric_1000"], Load(requests_per_s=30, p50_ms=50, p99_ms=300, errors=2)),
        (by_key["healthz_end"], Load(requests_per_s=900)),
    ]


def test_each_page_is_compared_with_the_floor_just_before_and_after_it():
    table = rows(sequence(), {"home": Count(status=200, queries=9, warm_queries=0)}, cold=False)
    assert [row["key"] for row in table] == ["healthz", "home", "rubric_1000", "healthz_end"]
    home, deep = table[1], table[2]
    assert home["floor"] == pytest.approx(900)  # (1000 + 800) / 2
    assert home["ratio"] == pytest.approx(700 / 900)
    assert home["queries"] == "9/0"
    assert dict(home["checks"]) == {"≥ 0.5 × floor": True, "p99 < 100 ms": True, "0 errors": True}
    assert deep["floor"] == pytest.approx(850)
    assert dict(deep["checks"]) == {"0 errors": False}  # no page 1 in this pass to compare with


def test_the_report_shows_every_part_measured():
    passes = {
        "on": {
            "rows": rows(sequence(), {}, cold=False),
            "memory": [{"pid": 1, "peak_mb": 120.0, "rss_mb": 110.0}],
            "floor_range": (800.0, 1000.0),
            "load_average": ((1.0, 1.0, 1.0), (2.0, 2.0, 2.0)),
        }
    }
    plan = {"sql": "SELECT 1", "plan": "Seq Scan on articles_article", "ms": 3.5}
    report = render_report(
        machine={
            "nproc": 2,
            "cpu": "cpu",
            "memory": "4.0 GB",
            "python": "3.11",
            "date": "today",
            "commit": "abc1234",
        },
        site=SITE,
        sizes={"articles": 1000},
        args=ARGS,
        minutes=1.5,
        small={"home": [200, 9]},
        tenth={"home": [200, 9, 4.0], "cold_articles": [200, 4, 10.0]},
        pg={"version": "16", "shared_buffers": "128MB", "work_mem": "4MB"},
        passes=passes,
        rankings_seconds=[1.4, 0.3, 0.5, 0.4],
        analytics_seconds=2.5,
        cold_articles={"ms": 11.0, "p90_ms": 15.0, "queries": 4, "count": 100},
        counts={"home": Count(status=200, queries=9, render_ms=5.0)},
        plans={"home": [{**plan, "seq_scans": ["articles_article"]}]},
        generated="",
    )
    assert "| home / | 700 | 2.0 | 20.0 | 0 | 0/0 |" in report
    assert "rebuild_rankings() on the full data: 0.40 s, the median of 3" in report
    assert "(0.30, 0.50, 0.40 s); the first of the run 1.40 s (target < 1 s: met)" in report
    assert "rebuild_analytics() on the full data (once a day): 2.50 s." in report
    assert "resident after the run (VmRSS) 110 MB (target < 150 MB after the run: met)" in report
    assert "| home | 200 | 9 | 0 | 9 | yes |" in report
    assert (
        "median 11.0 ms, p90 15.0 ms, 4 queries; on the tenth 10.0 ms, full / tenth 1.10" in report
    )
    assert "| 5.0 | 4.0 | 1.25 (**NOT met**) |" in report  # build ms, at a tenth, the growth
    assert "- home: 1 queries, 3.5 ms in all; **Seq Scan on articles_article**." in report
    assert "1,000 articles" in report and "Commit: `abc1234`" in report


@pytest.mark.parametrize(
    ("model_path", "module", "columns"),
    [
        ("accounts.User", "generate_members", "MEMBER_COLUMNS"),
        ("articles.Article", "generate_articles", "ARTICLE_COLUMNS"),
        ("discussions.Comment", "generate_comments", "COMMENT_COLUMNS"),
    ],
)
def test_the_generator_writes_every_column_the_database_requires(model_path, module, columns):
    """COPY gives a column it is not told of NULL: a new NOT NULL column without a database
    default must be in the generator's list, or `make bench` fails to fill a new database."""
    import importlib

    from django.apps import apps
    from django.db.models import NOT_PROVIDED

    model = apps.get_model(model_path)
    required = {
        field.column
        for field in model._meta.concrete_fields
        if not field.null and field.db_default is NOT_PROVIDED
    }
    written = set(getattr(importlib.import_module(module), columns))
    assert required - written == set()


def test_search_rows_say_they_are_hits_and_what_a_miss_costs():
    by_key = {page.key: page for page in pages(SITE)}
    floor = Load(requests_per_s=1000)
    sequence = [
        (by_key["healthz"], floor),
        (by_key["search_common"], Load(requests_per_s=300, p50_ms=5, p99_ms=20)),
        (by_key["healthz_end"], floor),
    ]
    counts = {"search_common": Count(status=200, queries=7, warm_queries=2, miss_ms=46.5)}
    table = rows(sequence, counts, cold=True)
    assert dict(table[1]["checks"]) == {"≥ 0.1 × floor": True}
    note = "\n".join(_search_note(table))
    assert "hits of the search results cache" in note
    assert "search, common word 46.5 ms" in note
    assert _search_note(rows(sequence, {}, cold=True)) == []


def test_the_tenths_build_times_are_the_mean_of_the_runs_around_the_full_sizes():
    before = {"home": [200, 9, 4.0], "rss": [200, 2, 3.0], "gone": [404, 3, 0.0]}
    after = {"home": [200, 9, 6.0], "rss": [200, 2, 0.0], "new": [200, 1, 2.0]}
    assert run_data.mean_counts(before, after) == {
        "home": [200, 9, 5.0],
        "rss": [200, 2, 3.0],
        "gone": [404, 3, 0.0],
        "new": [200, 1, 2.0],
    }
