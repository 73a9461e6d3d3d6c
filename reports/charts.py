"""Small server-side SVG charts: no JavaScript, no CDN, nothing for the CSP to block.

Usage (a template gets the SafeString as it is):

    from reports.charts import Series, line_chart

    svg = line_chart(
        [Series(_("Team 1"), [80.0, 82.5, None, 90.0]), Series(_("Service line"), [75, 78, 80, 81])],
        ["Sep", "Oct", "Nov", "Dec"],
        y_max=100,
        title=_("Coverage per month"),
        desc=_("Team 1 rose from 80% to 90%; the service line from 75% to 81%."),
    )

The SVG has role="img", an aria-label (the title), a <title> and a <desc>; every point has its
own <title> (a tooltip with the exact value). It scales to its container (viewBox, width 100%).
The legend is an HTML list after the SVG (long names wrap there instead of overlapping), with
a sample of each line's pattern; a goal (`goal=90`) is a dashed horizontal line, named in the
legend too. Numbers are written as the active language writes them (`84,5 %` in fi and sv);
x labels should be unambiguous in every language (teoffice.l10n.month_short: `11/2026`).
Colours and dash patterns come from CSS classes in static/css/app.css (`.chart .series-N`,
N = 0..3, cycling), so series differ by more than colour. A chart is never the only way to the
numbers: put the same figures in a table (caption, headers) next to it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from teoffice import l10n

WIDTH, HEIGHT = 720, 280
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 16, 44
SERIES_STYLES = 4
MAX_X_LABELS = 12  # more months than this: every second (third …) label, and always the last
CHAR_WIDTH = 9  # an x label's character, in viewBox units at the charts' 15px font


@dataclass
class Series:
    """One line: a name for the legend and one value per x label (None: no value, a gap)."""

    name: str
    values: Sequence[float | int | None]


def _number(value: float) -> str:
    return l10n.number(value, 1) if value % 1 else l10n.number(int(value))


def _with_suffix(value: float, suffix: str) -> str:
    return f"{_number(value)}{l10n.NBSP}{suffix}" if suffix else _number(value)


def nice_max(value: float) -> float:
    """A round axis maximum at or above `value` (1, 2, 2.5, 5 or 10 times a power of ten)."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power  # pragma: no cover


def _legend_item(css: str, name: str) -> SafeString:
    return format_html(
        '<li><svg class="chart chart-key" viewBox="0 0 28 10" width="28" height="10" aria-hidden="true">'
        '<g class="{}"><line x1="1" x2="27" y1="5" y2="5"/></g></svg> {}</li>',
        css,
        name,
    )


def line_chart(
    series: Sequence[Series],
    x_labels: Sequence[str],
    *,
    y_max: float,
    y_suffix: str = "%",
    title: str,
    desc: str = "",
    y_ticks: int | None = None,
    goal: float | None = None,
    goal_label: str = "",
) -> SafeString:
    """An SVG line chart of `series` over `x_labels`, y from 0 to `y_max`, and its legend.

    Values above y_max are drawn at the top edge (their tooltip keeps the true value).
    y_ticks: how many steps on the y axis (None: 4 or 5, whichever gives rounder numbers).
    goal: a target value drawn as a dashed line (goal_label names it in the legend).
    All text is escaped.
    """
    if not x_labels:
        raise ValueError("A chart needs at least one x label.")
    y_max = y_max or 1
    if y_ticks is None:
        y_ticks = 4 if (y_max / 4 * 2) % 1 == 0 else 5
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    count = len(x_labels)
    step = plot_w / max(count - 1, 1)

    def x(i: int) -> float:
        return LEFT + (i * step if count > 1 else plot_w / 2)

    def y(value: float) -> float:
        return TOP + plot_h - min(max(value, 0), y_max) / y_max * plot_h

    grid = []
    for t in range(y_ticks + 1):
        value = y_max * t / y_ticks
        grid.append(
            format_html(
                '<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
                '<text class="tick" x="{}" y="{}" text-anchor="end">{}</text>',
                LEFT,
                WIDTH - RIGHT,
                f"{y(value):.1f}",
                f"{y(value):.1f}",
                LEFT - 6,
                f"{y(value) + 4:.1f}",
                _with_suffix(value, y_suffix),
            )
        )
    # As many labels as fit side by side (a character is about 9 units wide at 15px), at
    # most MAX_X_LABELS; the others are skipped from the end backwards (the last always shows).
    widest = max(len(str(label)) for label in x_labels) * CHAR_WIDTH + 12
    fit = max(1, min(MAX_X_LABELS, int(plot_w // widest)))
    every = math.ceil(count / fit)
    shown = [i for i in range(count) if (count - 1 - i) % every == 0]

    def anchor(i: int) -> str:
        # The last label ends at its point and the first starts at it: neither is clipped.
        if count > 1 and i == count - 1:
            return "end"
        return "start" if count > 1 and i == 0 else "middle"

    labels = format_html_join(
        "",
        '<text class="tick" x="{}" y="{}" text-anchor="{}">{}</text>',
        ((f"{x(i):.1f}", HEIGHT - BOTTOM + 20, anchor(i), x_labels[i]) for i in shown),
    )
    lines = []
    legend = []
    for n, s in enumerate(series):
        css = f"series series-{n % SERIES_STYLES}"
        # A gap (None) breaks the line into segments.
        segments: list[list[str]] = [[]]
        points = []
        for i, value in enumerate(s.values[:count]):
            if value is None:
                segments.append([])
                continue
            segments[-1].append(f"{x(i):.1f},{y(value):.1f}")
            points.append(
                format_html(
                    '<circle cx="{}" cy="{}" r="3.5"><title>{}: {} {}</title></circle>',
                    f"{x(i):.1f}",
                    f"{y(value):.1f}",
                    s.name,
                    x_labels[i],
                    _with_suffix(float(value), y_suffix),
                )
            )
        paths = format_html_join(
            "",
            '<polyline fill="none" points="{}"/>',
            ((" ".join(seg),) for seg in segments if seg),
        )
        lines.append(format_html('<g class="{}">{}{}</g>', css, paths, mark_safe("".join(points))))
        legend.append(_legend_item(css, s.name))
    goal_line = ""
    if goal is not None:
        goal_line = format_html(
            '<g class="goal"><line x1="{}" x2="{}" y1="{}" y2="{}"/></g>',
            LEFT,
            WIDTH - RIGHT,
            f"{y(goal):.1f}",
            f"{y(goal):.1f}",
        )
        name = goal_label or _with_suffix(goal, y_suffix)
        legend.append(_legend_item("goal", name))
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" width="100%" role="img" aria-label="{}"'
        ' xmlns="http://www.w3.org/2000/svg"><title>{}</title><desc>{}</desc>'
        '<g aria-hidden="true">{}{}<line class="axis" x1="{}" x2="{}" y1="{}" y2="{}"/>{}{}</g>'
        '</svg><ul class="chart-legend">{}</ul>',
        WIDTH,
        HEIGHT,
        title,
        title,
        desc,
        mark_safe("".join(grid)),
        labels,
        LEFT,
        WIDTH - RIGHT,
        TOP + plot_h,
        TOP + plot_h,
        goal_line,
        mark_safe("".join(lines)),
        mark_safe("".join(legend)),
    )


BAR_ROW = 40  # a name above its bar: long names get the whole width, never clipped at the left


def bar_chart(
    items: Sequence[tuple[str, float | None, float | None]],
    *,
    x_max: float,
    suffix: str = "%",
    title: str,
    desc: str = "",
    goal_label: str = "",
) -> SafeString:
    """A horizontal bar per (name, value, goal) item: its name above the bar, its value after
    it, its own goal (if any) a dashed mark across the bar; 0 to `x_max`. The legend names
    the goal mark (`goal_label`) when any item has one."""
    left, right, top = 8, 90, 8
    plot_w = WIDTH - left - right
    height = top + BAR_ROW * len(items) + 30

    def x(value: float) -> float:
        return left + min(max(value, 0), x_max) / x_max * plot_w

    bars = []
    goal_marks = []
    for i, (name, value, goal) in enumerate(items):
        y0 = top + i * BAR_ROW
        text = "–" if value is None else _with_suffix(float(value), suffix)
        if goal is not None:
            goal_marks.append(
                format_html(
                    '<line x1="{}" x2="{}" y1="{}" y2="{}"><title>{}: {}</title></line>',
                    f"{x(goal):.1f}",
                    f"{x(goal):.1f}",
                    y0 + 14,
                    y0 + 36,
                    goal_label,
                    _with_suffix(float(goal), suffix),
                )
            )
        bars.append(
            format_html(
                '<text class="tick" x="{}" y="{}">{}</text>'
                '<rect class="bar" x="{}" y="{}" width="{}" height="14"><title>{}: {}</title></rect>'
                '<text class="tick" x="{}" y="{}">{}</text>',
                left,
                y0 + 13,
                name,
                left,
                y0 + 18,
                f"{x(value or 0) - left:.1f}",
                name,
                text,
                f"{x(value or 0) + 6:.1f}",
                y0 + 30,
                text,
            )
        )
    axis_y = top + BAR_ROW * len(items) + 4
    ticks = format_html_join(
        "",
        '<text class="tick" x="{}" y="{}" text-anchor="{}">{}</text>',
        (
            (
                f"{x(v):.1f}",
                axis_y + 18,
                "start" if v == 0 else "end" if v == x_max else "middle",
                _with_suffix(v, suffix),
            )
            for v in (0, x_max / 2, x_max)
        ),
    )
    legend = ""
    goal_line = ""
    if goal_marks:
        goal_line = format_html('<g class="goal">{}</g>', mark_safe("".join(goal_marks)))
        legend = _legend_item("goal", goal_label)
    return format_html(
        '<svg class="chart bars" viewBox="0 0 {} {}" width="100%" role="img" aria-label="{}"'
        ' xmlns="http://www.w3.org/2000/svg"><title>{}</title><desc>{}</desc>'
        '<g aria-hidden="true">{}<line class="axis" x1="{}" x2="{}" y1="{}" y2="{}"/>{}{}</g>'
        '</svg><ul class="chart-legend">{}</ul>',
        WIDTH,
        height,
        title,
        title,
        desc,
        mark_safe("".join(bars)),
        left,
        left + plot_w,
        axis_y,
        axis_y,
        ticks,
        goal_line,
        legend,
    )
