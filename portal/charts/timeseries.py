"""Mention volume over time as an SVG string: one stacked bar per bucket (negative
mentions at the foot of the bar, the rest above) and a line of the negative share.

A pure function, like the heat map: it takes buckets and a time zone and returns markup
in which every piece of text is escaped, so the caller may mark *this output* safe. No
script and no external resource, so WeasyPrint renders it as the page does (the
post-mortem PDF uses the same renderer). Axis labels are in the agency's time zone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from html import escape

WIDTH = 840
HEIGHT = 260
LEFT = 48  # room for the count labels
RIGHT = 44  # room for the share labels
MIN_SHARE_TOTAL = 5  # fewer mentions in a bucket: no share point
TOP = 12
BOTTOM = 44  # room for the time labels and the legend

NEGATIVE = "#c0392b"
OTHER = "#9fb3c8"
SHARE = "#6e1a0e"
INK = "#5d6470"


@dataclass(frozen=True, slots=True)
class Bucket:
    """One time bucket: when it starts (aware), how many mentions, how many negative."""

    start: datetime
    total: int
    negative: int = 0

    @property
    def negative_share(self) -> float | None:
        return self.negative / self.total if self.total else None


def nice_max(value: int) -> int:
    """The top of the count axis: the smallest 1, 2 or 5 × 10^n at or above `value`
    (at least 1, so an empty chart still has an axis)."""
    if value <= 1:
        return 1
    power = 1
    while power * 10 <= value:
        power *= 10
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power  # pragma: no cover - the loop always returns


def _label(start: datetime, tz: tzinfo, *, with_day: bool) -> str:
    local = start.astimezone(tz)
    if with_day:
        return f"{local:%a} {local.day} {local:%b %H:%M}"
    return f"{local:%H:%M}"


def _axis_label(start: datetime, tz: tzinfo, i: int, every: int, multi_day: bool) -> str:
    """Labels that do not collide: the day at each local midnight over several days,
    else a time every few buckets (the first with its day)."""
    if multi_day:
        local = start.astimezone(tz)
        return f"{local:%a} {local.day} {local:%b}" if local.hour == 0 and local.minute == 0 else ""
    if i % every:
        return ""
    return _label(start, tz, with_day=i == 0)


def render_timeseries(
    buckets: Sequence[Bucket],
    *,
    tz: tzinfo,
    title: str = "Mentions over time",
    width: int = WIDTH,
    height: int = HEIGHT,
    chart_id: str = "timeseries",
) -> str:
    """Stacked bars of volume (negative part highlighted) with the negative share as a
    line, one bar per bucket, oldest on the left. Each bar has a <title> with its exact
    figures, so the chart reads without hover on a screen reader and in the PDF."""
    n = len(buckets)
    plot_w = width - LEFT - RIGHT
    plot_h = height - TOP - BOTTOM
    top = nice_max(max((b.total for b in buckets), default=0))
    total = sum(b.total for b in buckets)
    negative = sum(b.negative for b in buckets)
    slot = plot_w / n if n else plot_w
    bar_w = max(slot * 0.8, 1.0)
    span_days = (buckets[-1].start - buckets[0].start).days if n > 1 else 0

    def y(value: float) -> float:
        return TOP + plot_h - (value / top) * plot_h

    desc = (
        f"{total} mention{'s' if total != 1 else ''} in {n} bucket{'s' if n != 1 else ''}"
        f", {negative} negative"
    )
    if n:
        desc += (
            f", from {_label(buckets[0].start, tz, with_day=True)}"
            f" to {_label(buckets[-1].start, tz, with_day=True)}"
        )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeseries" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" data-max="{top}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
        '<g font-family="system-ui, sans-serif" font-size="11">',
    ]
    # Grid and count axis: 0, half and the top.
    for value in (0, top / 2, top):
        gy = y(value)
        label = f"{value:g}"
        parts.append(
            f'<line x1="{LEFT}" y1="{gy:.1f}" x2="{LEFT + plot_w}" y2="{gy:.1f}" '
            f'stroke="#e3e6ea"/>'
            f'<text x="{LEFT - 6}" y="{gy + 4:.1f}" text-anchor="end" fill="{INK}" '
            f'class="axis-count">{label}</text>'
        )
    # Share axis on the right: 0 % and 100 %.
    parts.append(
        f'<text x="{LEFT + plot_w + 6}" y="{y(0) + 4:.1f}" fill="{SHARE}">0%</text>'
        f'<text x="{LEFT + plot_w + 6}" y="{y(top) + 4:.1f}" fill="{SHARE}">100%</text>'
    )
    # The share line skips thin buckets: one negative post out of two is not "50 %
    # negative" in any sense a reader cares about, and it made the line a saw-tooth.
    share_runs: list[list[str]] = [[]]
    label_every = max(1, math.ceil(n / 8)) if n else 1
    multi_day = span_days >= 2
    for i, bucket in enumerate(buckets):
        x = LEFT + i * slot + (slot - bar_w) / 2
        share = bucket.negative_share
        when = _label(bucket.start, tz, with_day=True)
        text = f"{when}: {bucket.total} mention{'s' if bucket.total != 1 else ''}"
        if share is not None:
            text += f", {bucket.negative} negative ({share:.0%})"
        rest = bucket.total - bucket.negative
        bar = [f'<g class="ts-bar" data-total="{bucket.total}"><title>{escape(text)}</title>']
        if bucket.negative:
            bar.append(
                f'<rect x="{x:.1f}" y="{y(bucket.negative):.1f}" width="{bar_w:.1f}" '
                f'height="{y(0) - y(bucket.negative):.1f}" fill="{NEGATIVE}"/>'
            )
        if rest:
            bar.append(
                f'<rect x="{x:.1f}" y="{y(bucket.total):.1f}" width="{bar_w:.1f}" '
                f'height="{y(bucket.negative) - y(bucket.total):.1f}" fill="{OTHER}"/>'
            )
        bar.append("</g>")
        parts.append("".join(bar))
        if share is not None and bucket.total >= MIN_SHARE_TOTAL:
            share_runs[-1].append(f"{x + bar_w / 2:.1f},{y(share * top):.1f}")
        elif share_runs[-1]:
            share_runs.append([])
        label = _axis_label(bucket.start, tz, i, label_every, multi_day)
        if label:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{TOP + plot_h + 14}" text-anchor="middle" '
                f'fill="{INK}" class="axis-time">{escape(label)}</text>'
            )
    for run in share_runs:
        if len(run) > 1:
            parts.append(
                f'<polyline class="ts-share" points="{" ".join(run)}" fill="none" '
                f'stroke="{SHARE}" stroke-width="1.5" stroke-dasharray="4 2"/>'
            )
    # Legend.
    ly = height - 10
    parts.append(
        f'<rect x="{LEFT}" y="{ly - 9}" width="10" height="10" fill="{NEGATIVE}"/>'
        f'<text x="{LEFT + 14}" y="{ly}" fill="{INK}">Negative</text>'
        f'<rect x="{LEFT + 84}" y="{ly - 9}" width="10" height="10" fill="{OTHER}"/>'
        f'<text x="{LEFT + 98}" y="{ly}" fill="{INK}">Other mentions</text>'
        f'<line x1="{LEFT + 200}" y1="{ly - 4}" x2="{LEFT + 220}" y2="{ly - 4}" '
        f'stroke="{SHARE}" stroke-width="1.5" stroke-dasharray="4 2"/>'
        f'<text x="{LEFT + 224}" y="{ly}" fill="{INK}">Negative share (right axis)</text>'
    )
    parts.append("</g></svg>")
    return "".join(parts)
