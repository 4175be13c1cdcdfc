"""What every part of bench/generate.py shares: the bench's fixed names, progress and timing
output, COPY, and the facts later phases need about rows already written (`Site`)."""

import contextlib
import random
import sys
import time
from array import array
from collections import defaultdict

from psycopg import sql

BENCH_SLUG = "bench-300-comments"
BENCH_MEMBER = "bench-member"
BENCH_PASSWORD = "bench-password-not-secret"  # a generated, local-only member
BENCH_COMMENTS = 300
HOT_ARTICLES = 10  # the bench article and nine more with 300 comments each
AUTHORS = 200  # the first members write the articles
DAY = 86_400


class Progress:
    """A one-line progress bar on stderr: label, bar, percent, count, elapsed seconds."""

    WIDTH = 30

    def __init__(self, label: str, total: int):
        self.label, self.total, self.done = label, max(total, 1), 0
        self.started = self.shown = time.monotonic()
        self._draw()

    def add(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if now - self.shown >= 0.25:
            self.shown = now
            self._draw()

    def close(self) -> float:
        """Finish the bar; an estimated total becomes the real count."""
        self.total = self.done or self.total
        self._draw()
        sys.stderr.write("\n")
        return time.monotonic() - self.started

    def _draw(self) -> None:
        share = min(self.done / self.total, 1.0)
        bar = "#" * int(share * self.WIDTH)
        sys.stderr.write(
            f"\r  {self.label:<16} [{bar:<{self.WIDTH}}] {share:4.0%} "
            f"{self.done:>11,}/{self.total:,} {time.monotonic() - self.started:6.1f}s"
        )
        sys.stderr.flush()


class Timings:
    def __init__(self):
        self.phases: list[tuple[str, float]] = []

    def add(self, name: str, seconds: float) -> None:
        self.phases.append((name, seconds))

    @contextlib.contextmanager
    def step(self, name: str):
        sys.stderr.write(f"  {name} ...\n")
        started = time.monotonic()
        yield
        self.add(name, time.monotonic() - started)

    def report(self) -> str:
        total = sum(seconds for _, seconds in self.phases)
        lines = [f"  {name:<36} {seconds:8.1f} s" for name, seconds in self.phases]
        return "\n".join(["Timings:", *lines, f"  {'total':<36} {total:8.1f} s"])


def copy_rows(cursor, table: str, columns: list[str], rows, progress: Progress | None = None):
    """COPY an iterable of tuples into table; returns how many rows went in."""
    count = 0
    statement = f'COPY "{table}" ({", ".join(columns)}) FROM STDIN'
    with cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
            if progress is not None and count % 5000 == 0:
                progress.add(5000)
    if progress is not None:
        progress.add(count % 5000)
    return count


def set_sequence(cursor, table: str) -> None:
    """Point the id sequence past the ids COPY wrote explicitly."""
    cursor.execute(
        sql.SQL(
            "SELECT setval(pg_get_serial_sequence({name}, 'id'), "
            "COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        ).format(name=sql.Literal(table), table=sql.Identifier(table))
    )


class Site:
    """What later phases need to know about the rows already written, kept in compact arrays."""

    def __init__(self, members: int):
        self.members = members
        self.article_published = array("d")  # epoch seconds, index = article id - 1
        self.article_author = array("l")
        self.article_weight = array("d")  # popularity: drives comments, votes and views
        self.comment_count = array("l")
        self.comment_created = array("d")  # index = comment id - 1
        self.comment_author = array("l")
        self.comment_article = array("l")
        self.bench_article_id = 0
        self.hot: set[int] = set()  # indexes of the articles with the longest threads
        # (article id, local date ordinal) -> [visible comments, net article votes]
        self.daily = defaultdict(lambda: [0, 0])


def allocate(total: int, weights, cap: int, rng: random.Random) -> list[int]:
    """Split total into integer shares proportional to weights, none above cap (water-filling)."""
    capped = [False] * len(weights)
    factor = 0.0
    while True:
        left = total - cap * sum(capped)
        free_weight = sum(w for w, full in zip(weights, capped, strict=True) if not full)
        if left <= 0 or free_weight <= 0:
            break
        factor = left / free_weight
        newly_capped = [i for i, w in enumerate(weights) if not capped[i] and w * factor >= cap]
        if not newly_capped:
            break
        for i in newly_capped:
            capped[i] = True
    counts = [cap if full else int(w * factor) for w, full in zip(weights, capped, strict=True)]
    open_slots = [i for i, n in enumerate(counts) if n < cap]
    short = total - sum(counts)
    while short > 0 and open_slots:
        for i in rng.choices(open_slots, weights=[weights[i] + 1e-9 for i in open_slots], k=short):
            if counts[i] < cap and short > 0:
                counts[i] += 1
                short -= 1
        open_slots = [i for i in open_slots if counts[i] < cap]
    return counts


def delay_after(rng: random.Random, start: float, now: float, mean_days: float) -> float:
    """A moment after start, usually within mean_days, never later than now."""
    span = now - start
    delay = rng.expovariate(1 / (mean_days * DAY))
    if delay > span:
        delay = span * rng.random()
    return start + delay
