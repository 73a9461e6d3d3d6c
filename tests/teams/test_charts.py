"""reports.charts: the server-side SVG line chart the dashboard and the coverage report share."""

from __future__ import annotations

import re

import pytest

from reports.charts import TOP, Series, line_chart, nice_max


def test_chart_is_an_accessible_image_with_one_line_per_series():
    svg = line_chart(
        [Series("Team 1", [80, 85.5, 90]), Series("Service line", [70, 75, 72])],
        ["Sep", "Oct", "Nov"],
        y_max=100,
        title="Coverage per month",
        desc="Team 1 rose from 80% to 90%.",
    )
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert 'aria-label="Coverage per month"' in svg
    assert "<title>Coverage per month</title>" in svg
    assert "<desc>Team 1 rose from 80% to 90%.</desc>" in svg
    assert svg.count("<polyline") == 2
    assert 'class="series series-0"' in svg and 'class="series series-1"' in svg
    assert "<title>Team 1: Oct 85.5\xa0%</title>" in svg
    assert all(label in svg for label in ("Sep", "Oct", "Nov", "100\xa0%", "0\xa0%"))
    assert "style=" not in svg  # the CSP allows no inline styles


def test_gaps_split_a_line_and_values_stay_inside_the_plot():
    svg = line_chart(
        [Series("A", [10, None, 30, 500]), Series("B", [None, None, None, None])],
        ["1", "2", "3", "4"],
        y_max=100,
        title="t",
    )
    assert svg.count("<polyline") == 2  # A: [10] alone, then [30, 500]; B has no points
    ys = [float(y) for y in re.findall(r'cy="([\d.]+)"', svg)]
    assert ys and min(ys) >= TOP  # 500 is drawn at the top edge, not above it
    assert "<title>A: 4 500\xa0%</title>" in svg


def test_text_is_escaped():
    svg = line_chart([Series("<b>x</b>", [1])], ["<i>"], y_max=1, title='"t" & <u>')
    assert "<b>" not in svg and "<i>" not in svg and "<u>" not in svg
    assert "&lt;b&gt;x&lt;/b&gt;" in svg


def test_no_labels_is_an_error():
    with pytest.raises(ValueError):
        line_chart([Series("a", [])], [], y_max=1, title="t")


@pytest.mark.parametrize(
    ("value", "expected"), [(0, 1), (0.7, 1), (3.2, 5), (12, 20), (230, 250), (1000, 1000)]
)
def test_nice_max_rounds_up(value, expected):
    assert nice_max(value) == expected


def test_numbers_follow_the_language_and_the_legend_is_a_list_after_the_svg():
    from django.utils import translation

    with translation.override("fi"):
        svg = line_chart(
            [Series("A very long name of a service line that would overlap", [84.5, 1917])],
            ["10/2026", "11/2026"],
            y_max=2000,
            y_suffix="",
            title="t",
        )
    assert "<title>A very long name of a service line that would overlap: 11/2026 1\xa0917" in svg
    assert ": 10/2026 84,5</title>" in svg
    svg_part, legend = svg.split("</svg>", 1)[0], svg.split("</svg>", 1)[1]
    assert 'class="legend"' not in svg_part  # no legend text inside the drawing
    assert legend.startswith('<ul class="chart-legend">') and "would overlap</li>" in legend


def test_the_last_x_label_ends_at_its_point_and_long_series_thin_their_labels():
    labels = [f"{m}/2026" for m in range(1, 13)] + [f"{m}/2027" for m in range(1, 13)]
    svg = line_chart([Series("A", list(range(24)))], labels, y_max=100, title="t")
    ticks = re.findall(r'x="([\d.]+)" y="\d+" text-anchor="(\w+)">(\d+/\d+)</text>', svg)
    assert ticks[-1][1:] == ("end", "12/2027")  # not centred on the edge, so never clipped
    assert ("middle", "11/2027") not in [t[1:] for t in ticks]
    xs = [float(t[0]) for t in ticks]
    # every third month: 7-character labels stay apart (about 9 units a character)
    assert len(ticks) == 8 and min(b - a for a, b in zip(xs, xs[1:], strict=False)) > 7 * 9


def test_a_goal_is_a_dashed_line_named_in_the_legend():
    svg = line_chart(
        [Series("A", [80, 95])], ["1", "2"], y_max=100, title="t", goal=90, goal_label="Goal 90 %"
    )
    assert '<g class="goal"><line' in svg and "Goal 90 %</li>" in svg
    assert 'y1="38.0"' in svg  # 90 of 100 on a 220-pixel plot starting at 16


def test_bars_carry_each_items_own_goal_and_name_it_in_the_legend():
    from reports.charts import bar_chart

    svg = bar_chart(
        [("Team 1", 82.1, 90.0), ("Team 2", 90.0, 75.0), ("Team 3", None, None)],
        x_max=100,
        goal_label="Coverage goal",
        title="t",
    )
    assert svg.count("<rect") == 3 and svg.count("<title>Coverage goal:") == 2
    assert "<title>Team 1: 82.1\xa0%</title>" in svg and ">–</text>" in svg
    assert svg.endswith("Coverage goal</li></ul>")
