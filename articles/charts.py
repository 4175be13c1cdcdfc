"""Charts of numbers per day, drawn on the server as SVG (templates/admin/articles/_chart.html).

No script and no style attribute: lines and bars are placed here in the SVG's own units and
coloured by the classes of static/css/admin_analytics.css, so the strict Content-Security-Policy
holds. Every chart carries a title, a text description and a table of the same numbers.
"""

import datetime
from dataclasses import dataclass

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

WIDTH = 720
HEIGHT = 220
LEFT = 56  # room for the values on the left
RIGHT = 12
TOP = 12
BOTTOM = 28  # room for the dates below
GRID_LINES = 4


@dataclass(frozen=True)
class Series:
    label: str
    values: list[int]
    css: str  # chart__line--<css>, chart__key--<css>


@dataclass(frozen=True)
class Tick:
    position: str  # in the SVG's units, with a decimal point whatever the language
    label: str


@dataclass(frozen=True)
class Line:
    series: Series
    points: str  # the polyline's "x,y x,y ..."
    total: int
    peak: int
    peak_day: datetime.date | None


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    days: list[datetime.date]
    lines: list[Line]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT

    def rows(self) -> list[tuple[datetime.date, list[int]]]:
        """The table under the chart: each day with the value of every line."""
        return [
            (day, [line.series.values[index] for line in self.lines])
            for index, day in enumerate(self.days)
        ]


# Grid steps, as multiples of a power of ten: round numbers that keep the chart tall.
STEPS = (1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5, 8)


def _nice_top(value: int) -> int:
    """The smallest top that holds value with GRID_LINES equal whole round steps."""
    scale = 1
    while True:
        for multiple in STEPS:
            step = multiple * scale
            if step == int(step) and step * GRID_LINES >= value:
                return int(step) * GRID_LINES
        scale *= 10


def _x(index: int, count: int) -> float:
    span = WIDTH - LEFT - RIGHT
    return LEFT + (span * index / (count - 1) if count > 1 else span / 2)


def _y(value: int, top: int) -> float:
    return HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * value / top


def _describe(title: str, days: list[datetime.date], lines: list[Line]) -> str:
    """One sentence per line: the total and the best day, for those who do not see the chart."""
    period = _("%(title)s с %(first)s по %(last)s.") % {
        "title": title,
        "first": date_format(days[0], "j E"),
        "last": date_format(days[-1], "j E"),
    }
    parts = [period]
    for line in lines:
        if line.peak_day is None:
            parts.append(_("%(label)s: ни одного.") % {"label": line.series.label})
        else:
            parts.append(
                _("%(label)s: всего %(total)s, больше всего %(day)s — %(peak)s.")
                % {
                    "label": line.series.label,
                    "total": number_format(line.total, force_grouping=True),
                    "day": date_format(line.peak_day, "j E"),
                    "peak": number_format(line.peak, force_grouping=True),
                }
            )
    return " ".join(parts)


def line_chart(
    *, chart_id: str, title: str, days: list[datetime.date], series: list[Series]
) -> Chart:
    """A chart of one or more series of daily numbers over the same days (at least one)."""
    top = _nice_top(max((max(s.values, default=0) for s in series), default=0))
    lines = []
    for one in series:
        peak = max(one.values, default=0)
        points = " ".join(
            f"{_x(index, len(days)):.1f},{_y(max(value, 0), top):.1f}"
            for index, value in enumerate(one.values)
        )
        peak_day = days[one.values.index(peak)] if peak > 0 else None
        lines.append(Line(one, points, sum(one.values), peak, peak_day))
    y_ticks = [
        Tick(f"{_y(top * step // GRID_LINES, top):.1f}", number_format(top * step // GRID_LINES))
        for step in range(GRID_LINES + 1)
    ]
    every = max(1, round(len(days) / 6))
    x_ticks = [
        Tick(f"{_x(index, len(days)):.1f}", date_format(day, "j.m"))
        for index, day in enumerate(days)
        if index % every == 0
    ]
    return Chart(
        id=chart_id,
        title=title,
        description=_describe(title, days, lines),
        days=days,
        lines=lines,
        y_ticks=y_ticks,
        x_ticks=x_ticks,
    )
