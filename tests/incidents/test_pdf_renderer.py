"""portal/pdf.py: the URL fetcher serves the app's static files and data: URLs only,
and a rendered PDF embeds its fonts and lays out our own stylesheet."""

from __future__ import annotations

import pytest
from weasyprint.urls import URLFetchingError, fetch

from portal.pdf import STATIC_PREFIX, SafeFetcher, html_to_pdf, static_path, static_url
from tests.incidents.report_helpers import flat, needs_poppler, pdf_fonts, pdf_text


def test_static_file_is_served_from_disk():
    fetcher = SafeFetcher()
    response = fetcher.fetch(static_url("css/pdf.css"))
    assert response.content_type == "text/css"
    assert b"table-header-group" in response.read()
    assert fetcher.refused == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/x.png",
        "https://example.com/style.css",
        "file:///etc/passwd",
        "ftp://example.com/x",
        "javascript:alert(1)",
        STATIC_PREFIX + "../../../../etc/passwd",
        STATIC_PREFIX + "css/../../pyproject.toml",
        STATIC_PREFIX + "%2e%2e/%2e%2e/etc/passwd",
        STATIC_PREFIX + "css/app.css?x=1",
        STATIC_PREFIX + "css/nothere.css",
        STATIC_PREFIX + "img/firebreak.svg.py",
        "https://firebreak.invalid:444/static/css/pdf.css",
        "https://user@firebreak.invalid/static/css/pdf.css",
        "https://firebreak.invalid.example.com/static/css/pdf.css",
    ],
)
def test_anything_else_is_refused_and_recorded(url):
    fetcher = SafeFetcher()
    with pytest.raises(URLFetchingError), fetch(fetcher, url):
        pass
    assert fetcher.refused == [url]


def test_climbing_out_of_static_is_not_a_path():
    assert static_path(STATIC_PREFIX + "css/pdf.css") is not None
    assert static_path(STATIC_PREFIX + "./css/pdf.css") is None
    assert static_path(STATIC_PREFIX + "/etc/passwd") is None


def test_data_urls_are_answered_without_any_io():
    fetcher = SafeFetcher()
    response = fetcher.fetch("data:text/plain;base64,aGVsbG8=")
    assert response.read() == b"hello"
    assert fetcher.refused == []


@needs_poppler
def test_fonts_are_embedded_and_stylesheet_applied():
    html = (
        f'<html><head><link rel="stylesheet" href="{static_url("css/pdf.css")}"></head>'
        "<body><h2>Héllo — “quoted” ünïcode</h2>"
        '<img src="http://127.0.0.1:9/tracker.png"></body></html>'
    )
    rendered = html_to_pdf(html)
    assert rendered.pdf.startswith(b"%PDF")
    assert "Héllo — “quoted” ünïcode" in flat(pdf_text(rendered.pdf))
    fonts = pdf_fonts(rendered.pdf)
    assert "DejaVu" in fonts
    rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
    assert rows and all(row[-5] == "yes" for row in rows), fonts  # the emb column
    assert rendered.refused == ["http://127.0.0.1:9/tracker.png"]
