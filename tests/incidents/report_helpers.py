"""Helpers of the PDF report tests: read a PDF back as text (pdftotext from
poppler-utils) and list its fonts (pdffonts)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None,
    reason="pdftotext is not installed (apt-get install poppler-utils; .ci/run installs it)",
)


def _run(tool: str, pdf: bytes, *args: str) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        out = subprocess.run(
            [tool, *args, f.name, "-"], check=True, capture_output=True, timeout=120
        )
    return out.stdout.decode("utf-8")


def pdf_text(pdf: bytes, *, layout: bool = False) -> str:
    """The text of the PDF, pages separated by form feeds."""
    return _run("pdftotext", pdf, *(["-layout"] if layout else []), "-enc", "UTF-8")


def pdf_pages(pdf: bytes) -> list[str]:
    return pdf_text(pdf).split("\f")[:-1]


def flat(text: str) -> str:
    """Whitespace collapsed, so a phrase wrapped over two lines still matches."""
    return " ".join(text.split())


def pdf_fonts(pdf: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        out = subprocess.run(["pdffonts", f.name], check=True, capture_output=True, timeout=60)
    return out.stdout.decode("utf-8")


def pdf_file_bytes(path: str | Path) -> bytes:
    return Path(path).read_bytes()
