"""The runner's wrk parsing; not in the default suite: `.venv/bin/pytest bench/test_run.py`."""

import pytest
from run import duration_ms, parse_wrk

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
    from run import Load, Page, judge

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
        ("≥ 0.05 × floor", False)
    ]
