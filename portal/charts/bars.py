"""Bar charts as SVG strings: one group of bars per category (a month, a client), its
series either stacked (incidents by severity) or side by side (median response times).

A pure function like the other renderers of portal/charts: every piece of text is
escaped, no script and no external resource, so the caller may mark *this output* safe
and WeasyPrint renders it as the page does. Each bar carries a <title> with its exact
figure and a `data-value`, so the chart reads without hover and can be checked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from portal.charts.timeseries import INK, nice_max

WIDTH = 840
HEIGHT = 260
LEFT = 64  # room for the value labels
RIGHT = 12
TOP = 12
BOTTOM = 48  # category labels and the legend


@dataclass(frozen=True, slots=True)
class Series:
    label: str
    color: str


@dataclass(frozen=True, slots=True)
class Group:
    """One category: its label and one value per series (None: nothing to draw, such as
    a median of no incident)."""

    label: str
    values: tuple[float | None, ...]


def _number(value: float) -> str:
    return f"{value:g}"


def render_bars(
    groups: Sequence[Group],
    series: Sequence[Series],
    *,
    title: str,
    stacked: bool = True,
    whole: bool = False,
    fmt: Callable[[float], str] = _number,
    width: int = WIDTH,
    height: int = HEIGHT,
    chart_id: str = "bars",
) -> str:
    """Bars per group, oldest or first on the left; `fmt` writes a value for the axis
    and the titles (minutes as "1 h 30 min", say); `whole` values (counts) get no
    half-way tick that is not a whole number."""
    n = len(groups)
    k = max(len(series), 1)
    plot_w = width - LEFT - RIGHT
    plot_h = height - TOP - BOTTOM

    def total(group: Group) -> float:
        present = [v for v in group.values if v is not None]
        if stacked:
            return sum(present)
        return max(present, default=0)

    peak = max((total(g) for g in groups), default=0)
    top = nice_max(int(-(-peak // 1)))  # ceil without floats going astray
    slot = plot_w / n if n else plot_w
    group_w = slot * 0.8
    bar_w = group_w if stacked else group_w / k

    def y(value: float) -> float:
        return TOP + plot_h - (value / top) * plot_h

    desc = "; ".join(
        f"{g.label}: "
        + ", ".join(
            f"{s.label} {fmt(v) if v is not None else 'none'}"
            for s, v in zip(series, g.values, strict=False)
        )
        for g in groups
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bars" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" data-max="{top}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc or "No data.")}</desc>',
        '<g font-family="system-ui, sans-serif" font-size="11">',
    ]
    ticks = (0, top / 2, top) if top % 2 == 0 or not whole else (0, top)
    for tick in ticks:
        gy = y(tick)
        parts.append(
            f'<line x1="{LEFT}" y1="{gy:.1f}" x2="{LEFT + plot_w}" y2="{gy:.1f}" '
            f'stroke="#e3e6ea"/>'
            f'<text x="{LEFT - 6}" y="{gy + 4:.1f}" text-anchor="end" fill="{INK}" '
            f'class="axis-value">{escape(fmt(tick))}</text>'
        )
    label_every = max(1, -(-n // 12)) if n else 1
    for i, group in enumerate(groups):
        x0 = LEFT + i * slot + (slot - group_w) / 2
        base = 0.0
        for j, (s, value) in enumerate(zip(series, group.values, strict=False)):
            if value is None or value <= 0:
                continue
            x = x0 if stacked else x0 + j * bar_w
            low, high = (base, base + value) if stacked else (0.0, value)
            text = f"{group.label}: {s.label} {fmt(value)}"
            parts.append(
                f'<rect class="bar" x="{x:.1f}" y="{y(high):.1f}" width="{bar_w:.1f}" '
                f'height="{y(low) - y(high):.1f}" fill="{escape(s.color)}" '
                f'data-series="{escape(s.label)}" data-group="{escape(group.label)}" '
                f'data-value="{value:g}"><title>{escape(text)}</title></rect>'
            )
            if stacked:
                base += value
        if i % label_every == 0:
            parts.append(
                f'<text x="{x0 + group_w / 2:.1f}" y="{TOP + plot_h + 14}" '
                f'text-anchor="middle" fill="{INK}" class="axis-group">'
                f"{escape(group.label)}</text>"
            )
    # Legend, one swatch per series.
    lx, ly = LEFT, height - 10
    for s in series:
        parts.append(
            f'<rect x="{lx}" y="{ly - 9}" width="10" height="10" fill="{escape(s.color)}"/>'
            f'<text x="{lx + 14}" y="{ly}" fill="{INK}">{escape(s.label)}</text>'
        )
        lx += 24 + 7 * len(s.label)
    parts.append("</g></svg>")
    return "".join(parts)
