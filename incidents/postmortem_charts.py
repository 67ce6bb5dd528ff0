"""The before / during / after chart of a post-mortem as an SVG string: one stacked bar
per window, its height the mention volume (one scale for the three), split into
negative, neutral and positive mentions, with the negative share under it.

A pure function like portal/charts/timeseries.py, and drawn in its palette: every piece
of text is escaped, no script and no external resource, so the page and the WeasyPrint
PDF render the same markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo
from html import escape
from typing import TYPE_CHECKING

from portal.charts.timeseries import INK, NEGATIVE, OTHER, nice_max

if TYPE_CHECKING:
    from incidents.postmortems import Window

WIDTH = 560
HEIGHT = 260
TOP = 28  # room for the count above the tallest bar
BOTTOM = 64  # window name, dates, share, legend
LEFT = 40
POSITIVE = "#3c8d5a"


def _when(window: Window, tz: tzinfo) -> str:
    start = window.start.astimezone(tz)
    end = window.end.astimezone(tz)
    if start.date() == end.date():
        return f"{start.day} {start:%b %H:%M}–{end:%H:%M}"
    return f"{start.day} {start:%b %H:%M} – {end.day} {end:%b %H:%M}"


def render_windows(
    windows: Sequence[Window],
    *,
    tz: tzinfo,
    title: str = "Volume and sentiment before, during and after",
    width: int = WIDTH,
    height: int = HEIGHT,
    chart_id: str = "windows",
) -> str:
    n = max(len(windows), 1)
    plot_w = width - LEFT - 12
    plot_h = height - TOP - BOTTOM
    top = nice_max(max((w.volume for w in windows), default=0))
    slot = plot_w / n
    bar_w = min(slot * 0.5, 90.0)

    def y(value: float) -> float:
        return TOP + plot_h - (value / top) * plot_h

    desc = "; ".join(
        f"{w.label}: {w.volume} mention{'s' if w.volume != 1 else ''}, {w.negative} negative"
        + ("" if w.complete else " (window not over yet)")
        for w in windows
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="pm-windows" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" data-max="{top}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
        '<g font-family="system-ui, sans-serif" font-size="11">',
    ]
    for value in (0, top / 2, top):
        gy = y(value)
        parts.append(
            f'<line x1="{LEFT}" y1="{gy:.1f}" x2="{LEFT + plot_w}" y2="{gy:.1f}" '
            f'stroke="#e3e6ea"/>'
            f'<text x="{LEFT - 6}" y="{gy + 4:.1f}" text-anchor="end" fill="{INK}">'
            f"{value:g}</text>"
        )
    for i, window in enumerate(windows):
        cx = LEFT + i * slot + slot / 2
        x = cx - bar_w / 2
        share = window.negative_share
        text = f"{window.label} ({_when(window, tz)}): {window.volume} mentions"
        if share is not None:
            text += (
                f", {window.negative} negative ({share:.0%}), {window.neutral} neutral, "
                f"{window.positive} positive"
            )
        parts.append(
            f'<g class="pm-window" data-window="{escape(window.label.lower())}" '
            f'data-total="{window.volume}"><title>{escape(text)}</title>'
        )
        base = 0
        for count, colour in (
            (window.negative, NEGATIVE),
            (window.neutral, OTHER),
            (window.positive, POSITIVE),
        ):
            if count:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y(base + count):.1f}" width="{bar_w:.1f}" '
                    f'height="{y(base) - y(base + count):.1f}" fill="{colour}"/>'
                )
            base += count
        parts.append("</g>")
        parts.append(
            f'<text x="{cx:.1f}" y="{y(window.volume) - 6:.1f}" text-anchor="middle" '
            f'fill="{INK}" font-weight="bold">{window.volume}</text>'
        )
        ly = TOP + plot_h
        label = window.label + ("" if window.complete else " (so far)")
        share_text = "no mentions" if share is None else f"{share:.0%} negative"
        parts.append(
            f'<text x="{cx:.1f}" y="{ly + 15}" text-anchor="middle" fill="{INK}" '
            f'font-weight="bold">{escape(label)}</text>'
            f'<text x="{cx:.1f}" y="{ly + 28}" text-anchor="middle" fill="{INK}" '
            f'font-size="10">{escape(_when(window, tz))}</text>'
            f'<text x="{cx:.1f}" y="{ly + 41}" text-anchor="middle" fill="{NEGATIVE}">'
            f"{escape(share_text)}</text>"
        )
    ly = height - 6
    parts.append(
        f'<rect x="{LEFT}" y="{ly - 9}" width="10" height="10" fill="{NEGATIVE}"/>'
        f'<text x="{LEFT + 14}" y="{ly}" fill="{INK}">Negative</text>'
        f'<rect x="{LEFT + 84}" y="{ly - 9}" width="10" height="10" fill="{OTHER}"/>'
        f'<text x="{LEFT + 98}" y="{ly}" fill="{INK}">Neutral</text>'
        f'<rect x="{LEFT + 160}" y="{ly - 9}" width="10" height="10" fill="{POSITIVE}"/>'
        f'<text x="{LEFT + 174}" y="{ly}" fill="{INK}">Positive</text>'
    )
    parts.append("</g></svg>")
    return "".join(parts)
