"""The server-side volume chart: one bar per bucket, escaped text, labels in the
agency's time zone, an axis that tops out at a round number above the largest bucket."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

from portal.charts.timeseries import Bucket, nice_max, render_timeseries

START = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def buckets(counts: list[tuple[int, int]]) -> list[Bucket]:
    return [Bucket(START + timedelta(hours=i), t, n) for i, (t, n) in enumerate(counts)]


def test_the_chart_has_one_bar_per_bucket_and_is_well_formed_svg():
    svg = render_timeseries(buckets([(3, 1), (0, 0), (7, 7), (12, 2)]), tz=UTC)
    ElementTree.fromstring(svg)  # noqa: S314 - our own output; parses: no stray markup
    assert svg.count('class="ts-bar"') == 4
    assert re.findall(r'data-total="(\d+)"', svg) == ["3", "0", "7", "12"]


def test_the_count_axis_tops_out_at_the_next_round_number():
    svg = render_timeseries(buckets([(3, 0), (12, 2)]), tz=UTC)
    assert 'data-max="20"' in svg
    assert ">20</text>" in svg
    assert [nice_max(v) for v in (0, 1, 3, 12, 20, 21, 99, 100, 101)] == [
        1,
        1,
        5,
        20,
        20,
        50,
        100,
        100,
        200,
    ]


def test_each_bar_says_its_figures_and_negative_share():
    svg = render_timeseries(buckets([(4, 1)]), tz=UTC)
    assert "4 mentions, 1 negative (25%)" in svg


def test_title_text_is_escaped_and_the_chart_is_accessible():
    svg = render_timeseries(buckets([(1, 0)]), tz=UTC, title="<script>alert(1)</script> & co")
    assert "<script>" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in svg
    assert 'role="img"' in svg and "<desc" in svg and "<title" in svg
    assert "<script" not in svg.lower()


def test_time_labels_are_in_the_given_time_zone():
    svg = render_timeseries(buckets([(1, 0)]), tz=ZoneInfo("Asia/Kolkata"))
    assert "Sun 1 Mar 15:30" in svg  # 10:00 UTC is 15:30 in India


def test_an_empty_series_still_renders_an_axis():
    svg = render_timeseries([], tz=UTC)
    ElementTree.fromstring(svg)  # noqa: S314 - our own output
    assert 'data-max="1"' in svg
    assert "0 mentions" in svg


def test_a_week_is_labelled_by_day_at_local_midnight():
    week = buckets([(2, 0)] * (24 * 7))  # hourly from Sun 1 Mar 10:00 UTC
    svg = render_timeseries(week, tz=ZoneInfo("Europe/Paris"))
    labels = re.findall(r'class="axis-time">([^<]+)<', svg)
    assert labels[:2] == ["Mon 2 Mar", "Tue 3 Mar"]  # midnight in Paris, not UTC
    assert len(labels) == 7  # one per local midnight in the span: no overlapping labels


def test_the_share_line_skips_buckets_too_thin_to_mean_anything():
    svg = render_timeseries(buckets([(10, 5), (20, 4), (1, 1), (10, 2), (30, 3)]), tz=UTC)
    lines = re.findall(r'class="ts-share" points="([^"]+)"', svg)
    # The one-mention bucket breaks the line: 50 %, 20 % | 20 %, 10 %.
    assert [len(points.split()) for points in lines] == [2, 2]
