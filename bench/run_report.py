"""The report: each page against the targets of issues 4 and 12 and the floor around it, as the
Markdown that goes to bench/RESULTS.md."""

from run_probes import COLD_KEY, TIMED_RUNS, Count, median
from run_wrk import Load, Page

FLOOR_SHARE = {"anon": 0.5, "cold": 0.05, "member": 0.05, "view": 0.3, "search": 0.1}
# Issue 12: each page's share of the floor, with the page cache on and off (by page key); pages
# named in WARM_P99 also answer within P99_LIMIT_MS.
WARM_SHARE = {"article_member": 0.3, "view": 0.5}
COLD_SHARE = {
    "home": 0.1,
    "rubric_1": 0.1,
    "tag": 0.1,
    "trending_1": 0.1,
    "article_20": 0.1,
    "article": 0.05,
    "rss": 0.1,
}
WARM_P99 = {"article_member"}
GROWTH_LIMIT = 1.2  # a page's build time at full size over that at a tenth of the data
P99_LIMIT_MS = 100.0
DEEP_PAGE_LIMIT = 1.5
SAME_AS_SHARE = 0.9  # "as fast as": within 10% of the other page's req/s in the same pass
RANKINGS_LIMIT_S = 1.0
WORKER_LIMIT_MB = 150
PASS_TITLES = {
    "on": "Page cache on (PAGE_CACHE_SECONDS=60, warmed)",
    "off": "Page cache off (PAGE_CACHE_SECONDS=0): every request builds the page",
}


def fmt_ms(value: float) -> str:
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def _share(page: Page, *, cold: bool) -> float | None:
    """The share of the floor this page must reach in this pass, if any (issue 12's, else issue
    4's)."""
    issue_12 = COLD_SHARE if cold else WARM_SHARE
    if page.key in issue_12:
        return issue_12[page.key]
    if page.kind in {"view", "member"}:
        return None if cold and page.kind == "member" else FLOOR_SHARE[page.kind]
    if page.search_target:  # never page-cached: the same share in both passes
        return FLOOR_SHARE["search"]
    if page.anon_target:
        return FLOOR_SHARE["cold" if cold else "anon"]
    return None


def judge(
    page: Page,
    load: Load,
    floor: Load,
    *,
    cold: bool,
    page_one: Load | None,
    same: Load | None = None,
) -> list:
    """(target, met) pairs that issue 4 section 2 sets for this page in this pass.

    Anonymous targets name home, the article, the trending list and the rubric list; page 1000
    is held to page 1's time; the tag page and RSS have no target of their own, only no errors.
    """
    ratio = load.requests_per_s / floor.requests_per_s if floor.requests_per_s else 0.0
    checks = []
    if share := _share(page, cold=cold):
        checks.append((f"≥ {share} × floor", ratio >= share))
    held_to_p99 = (page.anon_target and not cold) or (page.key in WARM_P99 and not cold)
    if held_to_p99:
        checks.append((f"p99 < {P99_LIMIT_MS:.0f} ms", load.p99_ms < P99_LIMIT_MS))
    if page.deep_of and page_one is not None and page_one.p50_ms:
        slower = load.p50_ms / page_one.p50_ms
        checks.append((f"p50 ≤ {DEEP_PAGE_LIMIT} × p.1 ({slower:.2f}×)", slower <= DEEP_PAGE_LIMIT))
    if page.same_as and same is not None and not cold:
        checks.append(_as_fast_as(page, load, same))
    if page.p50_limit_ms:
        limit = page.p50_limit_ms
        checks.append((f"p50 < {limit:.0f} ms", 0 < load.p50_ms < limit))
    if page.kind != "floor" and (load.errors or held_to_p99):
        checks.append(("0 errors", load.errors == 0))
    return checks


def _as_fast_as(page: Page, load: Load, same: Load) -> tuple[str, bool]:
    speed = load.requests_per_s / same.requests_per_s if same.requests_per_s else 0.0
    return f"≥ {SAME_AS_SHARE} × {page.same_as} ({speed:.2f}×)", speed >= SAME_AS_SHARE


def _floor_around(sequence: list[tuple[Page, Load]], index: int) -> float:
    """A page's floor: the mean of the /healthz runs just before and after it."""
    page, load = sequence[index]
    if page.kind == "floor":
        return load.requests_per_s
    neighbours = sequence[index - 1 : index] + sequence[index + 1 : index + 2]
    around = [load.requests_per_s for page, load in neighbours if page.kind == "floor"]
    return sum(around) / len(around) if around else 0.0


def rows(sequence: list[tuple[Page, Load]], counts: dict[str, Count], *, cold: bool) -> list:
    """One table row per page of a pass (and the first and last floor; not the probes)."""
    loads = {page.key: load for page, load in sequence if page.kind != "floor"}
    result = []
    for index, (page, load) in enumerate(sequence):
        if page.kind == "floor" and 0 < index < len(sequence) - 1:
            continue  # a probe: it shows in the floor range, not as a row
        floor = Load(requests_per_s=_floor_around(sequence, index))
        count = counts.get(page.key, Count())
        result.append(
            {
                "key": page.key,
                "label": page.label,
                "rps": load.requests_per_s,
                "p50": load.p50_ms,
                "p99": load.p99_ms,
                "errors": load.errors,
                "queries": f"{count.queries}/{count.warm_queries}",
                "miss_ms": count.miss_ms,
                "bytes": count.bytes,
                "wire": load.bytes_per_response,
                "floor": floor.requests_per_s,
                "ratio": load.requests_per_s / floor.requests_per_s if floor.requests_per_s else 0,
                "checks": judge(
                    page,
                    load,
                    floor,
                    cold=cold,
                    page_one=loads.get(page.deep_of) or None,
                    same=loads.get(page.same_as) or None,
                ),
            }
        )
    return result


def table(rows: list[dict]) -> str:
    header = (
        "| page | req/s | p50 ms | p99 ms | errors | queries (cold/warm) | bytes (HTML / sent) "
        "| floor around | × floor | targets (issues 4 §2 and 12) |"
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


def _header(data: dict) -> list[str]:
    m, args, site, pg = data["machine"], data["args"], data["site"], data["pg"]
    return [
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
        f"{site['tag_path']} has {site['tag_articles']:,}; the typical article "
        f"{site.get('article_20_path', '—')} has {site.get('article_20_comments', '—')} comments.",
    ]


def _passes(data: dict) -> list[str]:
    lines = []
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
            *_search_note(result["rows"]),
        ]
    return lines


def _search_note(rows: list[dict]) -> list[str]:
    """What the search rows measure: hits of the search results cache, beside a miss's cost."""
    misses = [f"{row['label']} {fmt_ms(row['miss_ms'])} ms" for row in rows if row.get("miss_ms")]
    if not misses:
        return []
    return [
        "",
        "Searches are never page-cached; wrk asks each the same query again and again, so their "
        "rates above are of hits of the search results cache (SEARCH_CACHE_SECONDS) and of each "
        "worker's copy of the page (SEARCH_PAGE_SECONDS). A miss, "
        "the first search for a query, page and filters since the articles last changed, builds "
        "the page from the database in-process in: "
        + ", ".join(misses)
        + f' (median of {TIMED_RUNS}, column "miss ms" below).',
    ]


def _cold_articles(data: dict) -> list[str]:
    """The cold article pages: what a crawler or a shared link gets from a big site."""
    cold = data.get("cold_articles")
    if not cold:
        return []
    line = (
        f"- A cold article page ({cold['count']} random articles, each asked once with every "
        "cache of it empty, as a crawler or a shared link finds most of the site; in-process, "
        f"page cache on): median {cold['ms']:.1f} ms, p90 {cold['p90_ms']:.1f} ms, "
        f"{cold['queries']} queries"
    )
    tenth = data.get("tenth", {}).get(COLD_KEY)
    if tenth and tenth[2]:
        ratio = cold["ms"] / tenth[2]
        met = "met" if ratio <= GROWTH_LIMIT else "**NOT met**"
        line += (
            f"; on the tenth {tenth[2]:.1f} ms, full / tenth {ratio:.2f} "
            f"(at most {GROWTH_LIMIT}: {met})"
        )
    return [line + "."]


def _other_targets(data: dict) -> list[str]:
    first, *scheduled = data["rankings_seconds"]
    typical = median(scheduled or [first])
    met = "met" if typical < RANKINGS_LIMIT_S else "**NOT met**"
    lines = [
        "",
        "## Other targets",
        "",
        f"- rebuild_rankings() on the full data: {typical:.2f} s, the median of "
        f"{len(scheduled)} rebuilds each after the VACUUM autovacuum does between scheduled "
        f"ones ({', '.join(f'{s:.2f}' for s in scheduled)} s); the first of the run "
        f"{first:.2f} s (target < {RANKINGS_LIMIT_S:.0f} s: {met}).",
    ]
    lines += _cold_articles(data)
    if "analytics_seconds" in data:
        seconds = data["analytics_seconds"]
        lines.append(f"- rebuild_analytics() on the full data (once a day): {seconds:.2f} s.")
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
    return lines


def _on_small_copy(count: Count, small: tuple) -> tuple[str, str]:
    """The page's queries on the 1% copy, and whether they are as many as on the full data."""
    small_status, small_queries = small[:2]
    if small_queries is None:
        return "—", "—"
    if small_status != 200 or count.status != 200:
        return f"(status {small_status})", "—"
    return str(small_queries), "yes" if small_queries == count.queries else "**no**"


def _in_process(data: dict) -> list[str]:
    lines = [
        "",
        "## Each page in-process",
        "",
        "Django's test client in this process, same database and Redis. Queries: first request "
        "with the page cache cold, then warm; the same page on a 1% copy of the data "
        f"(`<database>_small`) must need as many. Build time: median of {TIMED_RUNS} requests with "
        "the page cache off, queries included; the same on a tenth of the data "
        "(`<database>_tenth`; the mean of a run before the full size's and one after it), and "
        f"the full size's over the tenth's (issue 12: at most {GROWTH_LIMIT}). A search's "
        "cold queries and DB ms are a miss of the search results cache, its warm queries and "
        "build ms a hit; miss ms is its build time with the search results cache off too.",
        "",
        "| page | status | queries cold | warm | on 1% copy | same | bytes | DB ms (cold) "
        "| build ms (cache off) | at 1/10 | full / tenth | miss ms |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for key, count in data["counts"].items():
        if key.startswith("healthz"):
            continue
        copy, same = _on_small_copy(count, data["small"].get(key, (0, None)))
        tenth, growth = _growth(count, data.get("tenth", {}).get(key))
        lines.append(
            f"| {key} | {count.status} | {count.queries} | {count.warm_queries} | {copy} | {same} "
            f"| {count.bytes:,} | {count.db_ms:.1f} | {count.render_ms:.1f} | {tenth} | {growth} "
            f"| {'—' if count.miss_ms is None else f'{count.miss_ms:.1f}'} |"
        )
    return lines


def _growth(count: Count, tenth: list | None) -> tuple[str, str]:
    """The build time on the tenth, and the full size's over it against GROWTH_LIMIT."""
    if not tenth or len(tenth) < 3 or tenth[0] != 200 or not tenth[2]:
        return "—", "—"
    ratio = count.render_ms / tenth[2]
    met = "met" if ratio <= GROWTH_LIMIT else "**NOT met**"
    return f"{tenth[2]:.1f}", f"{ratio:.2f} ({met})"


def _plans(data: dict) -> list[str]:
    lines = ["", "## EXPLAIN (ANALYZE, BUFFERS) of the list queries", ""]
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
        lines += [f"### {key}: {slowest['ms']:.1f} ms", "", "```sql", slowest["sql"][:1500]]
        lines += ["```", "", "```", slowest["plan"], "```", ""]
    return lines


def render_report(**data) -> str:
    """The whole report, from what main() measured."""
    lines = _header(data) + _passes(data) + _other_targets(data)
    lines += _in_process(data) + _plans(data)
    if data["generated"]:
        lines += ["## Data generation (bench/generate.py)", "", "```", data["generated"], "```"]
    return "\n".join(lines) + "\n"
