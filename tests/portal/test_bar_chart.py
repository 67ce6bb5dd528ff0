"""The shared bar-chart renderer: stacked or side by side, one titled bar per value,
round axis, escaped text, well-formed SVG."""

from __future__ import annotations

import re
from xml.etree import ElementTree

from portal.charts.bars import Group, Series, render_bars

SEVERITIES = [Series("Severity 1", "#8fc9a3"), Series("Severity 2", "#e3b341")]


def values(svg: str) -> list[tuple[str, str, str]]:
    return re.findall(r'data-series="([^"]*)" data-group="([^"]*)" data-value="([^"]*)"', svg)


def test_stacked_bars_pile_the_series_and_skip_empty_values():
    svg = render_bars(
        [Group("Jan", (2, 1)), Group("Feb", (0, 0)), Group("Mar", (3, None))],
        SEVERITIES,
        title="Incidents",
    )
    ElementTree.fromstring(svg)  # noqa: S314 - our own output; parses: no stray markup
    assert values(svg) == [
        ("Severity 1", "Jan", "2"),
        ("Severity 2", "Jan", "1"),
        ("Severity 1", "Mar", "3"),
    ]
    assert 'data-max="5"' in svg  # the tallest stack is 3
    # Stacked: Jan's second bar starts where the first ends.
    rects = re.findall(
        r'<rect class="bar" x="([\d.]+)" y="([\d.]+)" width="[\d.]+" height="([\d.]+)"', svg
    )
    (x1, y1, _h1), (x2, y2, h2) = rects[0], rects[1]
    assert x1 == x2 and abs(float(y2) + float(h2) - float(y1)) < 0.2
    assert "<title>Jan: Severity 2 1</title>" in svg


def test_side_by_side_bars_share_the_group_and_format_their_values():
    svg = render_bars(
        [Group("Jun", (30, 90))],
        [Series("Acknowledge", "#5b7fa6"), Series("First statement", "#c0392b")],
        title="Medians",
        stacked=False,
        fmt=lambda minutes: f"{minutes:g} min",
    )
    rects = re.findall(r'<rect class="bar" x="([\d.]+)" y="([\d.]+)"', svg)
    assert len(rects) == 2 and rects[0][0] != rects[1][0]
    assert 'data-max="100"' in svg  # the largest bar, not the sum
    assert "<title>Jun: First statement 90 min</title>" in svg
    assert ">100 min</text>" in svg and ">50 min</text>" in svg


def test_every_text_is_escaped():
    svg = render_bars(
        [Group("<script>alert(1)</script>", (1,))],
        [Series('"><img src=x>', "red")],
        title="A & B <i>",
    )
    ElementTree.fromstring(svg)  # noqa: S314 - our own output; parses: no stray markup
    assert "<script>" not in svg and "<img" not in svg and "<i>" not in svg
    assert "A &amp; B &lt;i&gt;" in svg


def test_no_data_still_draws_an_axis():
    svg = render_bars([], SEVERITIES, title="Nothing")
    ElementTree.fromstring(svg)  # noqa: S314
    assert 'data-max="1"' in svg and "No data." in svg


def test_counts_get_no_half_way_tick_that_is_not_whole():
    groups = [Group("Jan", (3, 0))]
    assert ">2.5</text>" in render_bars(groups, SEVERITIES, title="x")
    counts = render_bars(groups, SEVERITIES, title="x", whole=True)
    assert ">2.5</text>" not in counts and ">5</text>" in counts and ">0</text>" in counts
    assert ">10</text>" in render_bars([Group("Jan", (20, 0))], SEVERITIES, title="x", whole=True)
