"""The 5×5 risk heat map as an SVG string (likelihood up, impact across).

A pure function: it takes counts and a function giving each cell's link, and returns
markup in which every piece of text is escaped, so the caller may mark *this output*
safe. No script and no external resource, so WeasyPrint renders it as the page does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from html import escape

SIZE = 5
CELL = 64
LEFT = 124  # room for the likelihood labels ("5 Almost certain")
TOP = 8
BOTTOM = 56  # room for the impact labels

BAND_COLOURS = {
    "low": ("#e9f6ee", "#114b2b"),
    "medium": ("#fff3d6", "#6b4600"),
    "high": ("#f9d3c4", "#6e1a0e"),
    "critical": ("#b4321e", "#ffffff"),
}
LIKELIHOOD_LABELS = ["Rare", "Unlikely", "Possible", "Likely", "Almost certain"]
IMPACT_LABELS = ["Negligible", "Minor", "Moderate", "Major", "Severe"]


def score_band(score: int) -> str:
    """The band of a likelihood × impact score (1–25)."""
    if score >= 15:
        return "critical"
    if score >= 8:
        return "high"
    if score >= 4:
        return "medium"
    return "low"


def render_heatmap(
    counts: Mapping[tuple[int, int], int],
    *,
    href: Callable[[int, int], str | None] | None = None,
    title: str = "Risk heat map",
) -> str:
    """counts maps (likelihood, impact) -> number of risks; href(likelihood, impact)
    gives the URL a cell links to (None for no link). Empty cells are not links."""
    width = LEFT + SIZE * CELL + 8
    height = TOP + SIZE * CELL + BOTTOM
    total = sum(counts.values())
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="heatmap" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="heatmap-title">',
        f'<title id="heatmap-title">{escape(title)} — {total} risk{"s" if total != 1 else ""}</title>',
        '<g font-family="system-ui, sans-serif" font-size="12">',
    ]
    for likelihood in range(SIZE, 0, -1):
        y = TOP + (SIZE - likelihood) * CELL
        parts.append(
            f'<text x="{LEFT - 8}" y="{y + CELL // 2 + 4}" text-anchor="end" fill="#5d6470">'
            f"{likelihood} {escape(LIKELIHOOD_LABELS[likelihood - 1])}</text>"
        )
        for impact in range(1, SIZE + 1):
            x = LEFT + (impact - 1) * CELL
            n = counts.get((likelihood, impact), 0)
            band = score_band(likelihood * impact)
            fill, ink = BAND_COLOURS[band]
            label = (
                f"Likelihood {likelihood}, impact {impact}: {n} risk{'s' if n != 1 else ''} "
                f"(score {likelihood * impact}, {band})"
            )
            cell = (
                f'<rect x="{x + 1}" y="{y + 1}" width="{CELL - 2}" height="{CELL - 2}" rx="4" '
                f'fill="{fill}" stroke="#ffffff"/>'
                f'<text x="{x + CELL // 2}" y="{y + CELL // 2 + 6}" text-anchor="middle" '
                f'font-size="{18 if n else 12}" font-weight="{700 if n else 400}" fill="{ink}">'
                f"{n if n else '·'}</text>"
            )
            link = href(likelihood, impact) if (href and n) else None
            if link:
                parts.append(
                    f'<a href="{escape(link, quote=True)}" class="heatmap-cell" '
                    f'aria-label="{escape(label, quote=True)}" '
                    f'data-likelihood="{likelihood}" data-impact="{impact}">'
                    f"<title>{escape(label)}</title>{cell}</a>"
                )
            else:
                parts.append(
                    f'<g class="heatmap-cell" data-likelihood="{likelihood}" '
                    f'data-impact="{impact}"><title>{escape(label)}</title>{cell}</g>'
                )
    base = TOP + SIZE * CELL
    for impact in range(1, SIZE + 1):
        x = LEFT + (impact - 1) * CELL + CELL // 2
        parts.append(
            f'<text x="{x}" y="{base + 16}" text-anchor="middle" fill="#5d6470">{impact}</text>'
            f'<text x="{x}" y="{base + 30}" text-anchor="middle" font-size="10" fill="#5d6470">'
            f"{escape(IMPACT_LABELS[impact - 1])}</text>"
        )
    parts.append(
        f'<text x="{LEFT + SIZE * CELL // 2}" y="{base + 48}" text-anchor="middle" '
        f'font-weight="600" fill="#1c1f24">Impact →</text>'
    )
    parts.append("</g></svg>")
    return "".join(parts)
