"""Helpers of the PDF report tests: read a PDF back as text (pdftotext from
poppler-utils) and list its fonts (pdffonts)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

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


def pdf_body_text(pdf: bytes) -> str:
    """The text of the pages without their running header and footer (the top and
    bottom margins are cropped off), so a paragraph that runs over a page break reads
    on without "Page 3 of 8" in the middle of it."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        info = subprocess.run(["pdfinfo", f.name], check=True, capture_output=True).stdout
    size = next(line for line in info.decode().splitlines() if line.startswith("Page size"))
    height = float(size.split()[4])
    top, bottom = 66, 60  # points: inside the 24 mm and 22 mm page margins
    crop = ["-x", "0", "-y", str(top), "-W", "2000", "-H", str(int(height - top - bottom))]
    return _run("pdftotext", pdf, *crop, "-enc", "UTF-8")


def pdf_pages(pdf: bytes) -> list[str]:
    return pdf_text(pdf).split("\f")[:-1]


def flat(text: str) -> str:
    """Whitespace collapsed, so a phrase wrapped over two lines still matches."""
    return " ".join(text.split())


def squeeze(text: str) -> str:
    """Every whitespace and hyphen removed: a long token the layout broke over two
    lines still matches (pdftotext drops a hyphen that ends a line)."""
    return "".join(text.split()).replace("-", "")


def pdf_fonts(pdf: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        out = subprocess.run(["pdffonts", f.name], check=True, capture_output=True, timeout=60)
    return out.stdout.decode("utf-8")


def pdf_file_bytes(path: str | Path) -> bytes:
    return Path(path).read_bytes()


def a_final_postmortem(
    cast: Any,
    *,
    title: str = "Yoghurt recall",
    shared: bool = True,
    is_drill: bool = False,
    **fields: Any,
) -> Any:
    """A resolved incident of cast.client with a final post-mortem (rows made directly:
    the post-mortem services are tested elsewhere)."""
    from django.utils import timezone

    from incidents.models import Incident, IncidentStatus, PostMortem, PostMortemStatus

    now = timezone.now()
    incident = Incident.objects.create(
        client=cast.client,
        title=title,
        status=IncidentStatus.RESOLVED,
        is_drill=is_drill,
        opened_by=cast.owner,
        detected_at=now - timedelta(hours=6),
        opened_at=now - timedelta(hours=6),
        acknowledged_at=now - timedelta(hours=5, minutes=50),
        resolved_at=now - timedelta(hours=1),
    )
    values = {
        "summary": "A batch was recalled; we answered within the hour.",
        "lessons": "Pre-approve the recall template.",
    }
    values.update(fields)
    return PostMortem.objects.create(
        incident=incident,
        status=PostMortemStatus.FINAL,
        shared_with_client=shared,
        author=cast.owner,
        **values,
    )


def a_stored_report(cast: Any, *, variant: str = "client", postmortem: Any = None) -> Any:
    """A finished report with a (tiny, not rendered) PDF file in media storage."""
    from django.core.files.base import ContentFile

    from incidents.models import Report, ReportKind, ReportStatus

    pm = postmortem or a_final_postmortem(cast)
    report = Report.objects.create(
        client=pm.incident.client,
        kind=ReportKind.POSTMORTEM,
        postmortem=pm,
        variant=variant,
        status=ReportStatus.DONE,
        progress=100,
        pages=1,
        byte_size=17,
        finished_at=pm.updated_at,
        requested_by=cast.owner,
    )
    report.file.save(f"{report.public_id}.pdf", ContentFile(b"%PDF-1.4\n%stored\n"))
    return report


def a_pending_report(
    cast: Any,
    title: str,
    *,
    status: str,
    requested: int,
    started: int | None,
    postmortem: Any = None,
    variant: str = "client",
) -> Any:
    """A report of its own post-mortem (or of `postmortem`), asked for `requested` minutes
    ago and claimed by a worker `started` minutes ago (None: never claimed)."""
    from django.utils import timezone

    from incidents.models import Report

    now = timezone.now()
    return Report.objects.create(
        client=cast.client,
        kind="postmortem",
        postmortem=postmortem or a_final_postmortem(cast, title=title),
        variant=variant,
        status=status,
        progress=40 if status == "running" else 0,
        requested_by=cast.owner,
        requested_at=now - timedelta(minutes=requested),
        started_at=None if started is None else now - timedelta(minutes=started),
    )
