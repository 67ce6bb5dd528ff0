"""The risk heat map renderer (shared with the PDFs)."""

from __future__ import annotations

import re
from xml.etree import ElementTree

from portal.charts.heatmap import render_heatmap, score_band

SVG = "{http://www.w3.org/2000/svg}"


def cells(svg: str) -> dict[tuple[int, int], ElementTree.Element]:
    root = ElementTree.fromstring(svg)  # noqa: S314 (our own output)
    found = {}
    for el in root.iter():
        if el.get("data-likelihood"):
            found[(int(el.get("data-likelihood")), int(el.get("data-impact")))] = el
    return found


def test_the_heat_map_has_25_cells_with_their_counts():
    svg = render_heatmap({(5, 5): 2, (1, 1): 1})
    found = cells(svg)
    assert len(found) == 25
    texts = ["".join(found[(5, 5)].itertext())]
    assert "2" in texts[0]
    assert "Likelihood 5, impact 5: 2 risks (score 25, critical)" in texts[0]


def test_cells_with_risks_link_to_their_risks_and_empty_cells_do_not():
    svg = render_heatmap(
        {(3, 4): 1},
        href=lambda likelihood, impact: f"/risks/?likelihood={likelihood}&impact={impact}",
    )
    found = cells(svg)
    assert found[(3, 4)].tag == f"{SVG}a"
    assert found[(3, 4)].get("href") == "/risks/?likelihood=3&impact=4"
    assert found[(2, 2)].tag != f"{SVG}a"
    assert svg.count("<a ") == 1


def test_all_text_is_escaped_and_there_is_no_script():
    svg = render_heatmap(
        {(1, 1): 1}, href=lambda *_: '/x?a=1&b="><script>alert(1)</script>', title="<b>Acme</b>"
    )
    assert "<script" not in svg
    assert "<b>" not in svg
    ElementTree.fromstring(svg)  # noqa: S314 — still well-formed XML


def test_score_bands():
    assert [score_band(s) for s in (1, 4, 8, 15, 25)] == [
        "low",
        "medium",
        "high",
        "critical",
        "critical",
    ]
    assert re.search(r"viewBox", render_heatmap({}))
