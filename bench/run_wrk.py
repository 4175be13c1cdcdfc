"""The pages the bench loads, and wrk driving them: its command line and its output."""

# wrk is a local program, and warm_up() calls the bench's own loopback server.
# ruff: noqa: S603, S310

import contextlib
import re
import subprocess
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from run_paths import BENCH_DIR

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


@dataclass
class Page:
    key: str
    label: str
    path: str
    kind: str  # floor, anon, member, editor or view
    method: str = "GET"
    deep_of: str = ""  # the page-1 key this page 1000 is compared with
    anon_target: bool = False  # one of the four pages the anonymous target names
    plain: bool = False  # sent without Accept-Encoding, as crawlers and some feed readers do
    same_as: str = ""  # the page this one should be as fast as (issue 12)
    search_target: bool = False  # a search, never page-cached: held to SEARCH's share (issue 10)
    p50_limit_ms: float = 0.0  # the median it must stay under (issue 9: the analytics, 300 ms)


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


def pages(site: dict) -> list[Page]:
    """Every page a run loads, in order, for the site that run_probes.find_site() found."""
    article = site["article_path"]
    rubric, tag = site["rubric_path"], site["tag_path"]
    trending = "/trending/?period=all"
    return [
        Page("healthz", "/healthz (floor)", "/healthz", "floor"),
        Page("home", "home /", "/", "anon", anon_target=True),
        Page("article", "article, 300 comments", article, "anon", anon_target=True),
        Page(
            "article_plain",
            "article, no Accept-Encoding",
            article,
            "anon",
            plain=True,
            same_as="article",
        ),
        Page("article_member", "article, member", article, "member"),
        Page("article_20", "article, 20 comments", site["article_20_path"], "anon"),
        Page("trending_1", "trending all, p.1", trending, "anon", anon_target=True),
        Page(
            "trending_1000",
            "trending all, p.1000",
            f"{trending}&page=1000",
            "anon",
            deep_of="trending_1",
        ),
        Page("rubric_1", "rubric, p.1", rubric, "anon", anon_target=True),
        Page("rubric_1000", "rubric, p.1000", f"{rubric}?page=1000", "anon", deep_of="rubric_1"),
        Page("tag", "tag", tag, "anon"),
        Page("rss", "/rss/", "/rss/", "anon"),
        *search_pages(),
        Page("view", "view (POST)", site["view_path"], "view", method="POST"),
        Page(
            "analytics",
            "admin analytics, editor, 30 days",
            "/admin/articles/article/analytics/?days=30",
            "editor",
            p50_limit_ms=300,
        ),
        Page(
            "article_analytics",
            "article analytics, editor, 90 days",
            f"/admin/articles/article/{site['article_id']}/analytics/?days=90",
            "editor",
            p50_limit_ms=300,
        ),
        Page("healthz_end", "/healthz (floor, again)", "/healthz", "floor"),
    ]


# A word in nearly every article's text, one in a single title (the bench article's), a phrase
# of the titles, and a typo that finds nothing and gets a suggestion.
SEARCHES = [
    ("search_common", "search, common word", "клиент"),
    ("search_rare", "search, rare word", "нагрузочный"),
    ("search_phrase", "search, phrase", '"холодные письма"'),
    ("search_typo", "search, typo", "предаплате"),
]


def search_pages() -> list[Page]:
    return [
        Page(key, label, f"/search/?q={quote(query)}", "anon", search_target=True)
        for key, label, query in SEARCHES
    ]


def only(page_list: list[Page], keys: str) -> list[Page]:
    """--only: the pages named (comma-separated keys) and the floor around them."""
    if not keys:
        return page_list
    wanted = {"healthz", "healthz_end", *keys.split(",")}
    return [page for page in page_list if page.key in wanted]


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


# Driving it.


def browser_headers(cookie: str = "", *, plain: bool = False) -> dict:
    """What a browser sends: the page cache keeps pages gzipped and hands them out as they are.
    A plain client (a crawler, a feed reader) accepts no encoding."""
    headers = {"User-Agent": BROWSER, "Accept-Language": "ru", "Accept-Encoding": "gzip, deflate"}
    if plain:
        del headers["Accept-Encoding"]
    if cookie:
        headers["Cookie"] = cookie
    return headers


def warm_up(url: str, page: Page, headers: dict, times: int = 4) -> None:
    """A few requests first, so every worker has imported its code and the page cache is full."""
    for _ in range(times):
        data = b"visitor=warmup-visitor-0001" if page.method == "POST" else None
        request = urllib.request.Request(url, data=data, headers=headers, method=page.method)
        with contextlib.suppress(OSError):
            urllib.request.urlopen(request, timeout=30).read()


def wrk_command(url: str, page: Page, args, headers: dict, *, duration: int, visitors) -> list:
    """wrk's command line; a POST reports views with view.lua and the signed visitor ids."""
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{duration}s",
        "--latency",
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if page.method == "POST":
        command += ["-s", str(BENCH_DIR / "view.lua"), url, "--", str(visitors), str(args.threads)]
    else:
        command.append(url)
    return command


def run_wrk(
    url: str, page: Page, args, cookie: str = "", duration: int = 0, visitors: Path | None = None
) -> Load:
    """Warm the page up, then load it with wrk for `duration` (else --duration) seconds."""
    headers = browser_headers(cookie, plain=page.plain)
    warm_up(url, page, headers)
    command = wrk_command(
        url, page, args, headers, duration=duration or args.duration, visitors=visitors
    )
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"wrk failed: {result.stderr}")
    return parse_wrk(result.stdout)
