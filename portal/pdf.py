"""HTML to PDF with WeasyPrint, without ever touching the network or the disk outside
the app's own static files.

Everything a report shows comes from our templates, where text from outside is escaped;
the one way a URL could still reach the renderer is markup or CSS we wrote ourselves. The
`SafeFetcher` below is what WeasyPrint asks for every resource (stylesheet, image, font,
nested SVG, `@import`): it answers only

- `data:` URLs (our own generated images: the agency logo read from storage by
  `data_uri`, charts), and
- files under `/static/` of the sentinel origin `STATIC_ORIGIN`, read from disk through
  Django's staticfiles finders (or STATIC_ROOT), with a short list of extensions,

and refuses everything else — http(s), file://, ftp, another origin, a path that climbs
out of the static folders — recording each refusal so callers (and tests) can see it.
The sentinel origin uses the reserved `.invalid` top-level domain, so even a fetcher bug
could not resolve it.
"""

from __future__ import annotations

import base64
import logging
import mimetypes
import os
import posixpath
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string

# WeasyPrint logs every step of every layout (and of parsing its own stylesheets on
# import) at INFO: noise in every log. Its warnings and errors still come through.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

from weasyprint import HTML  # noqa: E402
from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: E402

logger = logging.getLogger(__name__)

STATIC_ORIGIN = "https://firebreak.invalid"
BASE_URL = f"{STATIC_ORIGIN}/"
STATIC_PREFIX = f"{STATIC_ORIGIN}/{settings.STATIC_URL.strip('/')}/"
STATIC_TYPES = {
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
}
PAPER_SIZES = {"a4": "A4", "letter": "letter"}


class URLRefused(ValueError):
    """A resource the PDF renderer will not fetch (WeasyPrint logs it and goes on)."""


class SafeFetcher(URLFetcher):
    """WeasyPrint's URL fetcher, reduced to data: URLs and the app's static files."""

    def __init__(self) -> None:
        # Only data: URLs ever reach the base class's opener (urllib's DataHandler).
        super().__init__(timeout=1, allowed_protocols=("data",), allow_redirects=False)
        self.refused: list[str] = []
        self.served: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)  # urllib's DataHandler: no I/O
        path = static_path(url)
        if path is None:
            self.refused.append(url)
            logger.warning("PDF renderer refused to fetch %.200s", url)
            raise URLRefused(f"Refused to fetch {url[:200]} (only the app's static files)")
        self.served.append(url)
        return URLFetcherResponse(
            url,
            body=path.read_bytes(),
            headers={"Content-Type": STATIC_TYPES[path.suffix.lower()]},
        )


def static_path(url: str) -> Path | None:
    """The file on disk a static URL of the sentinel origin names, or None when the URL
    is anything else (another scheme or host, a query, a climb out, an odd extension)."""
    if not url.startswith(STATIC_PREFIX):
        return None
    parts = urlsplit(url)
    if parts.query or parts.username or parts.password or parts.port:
        return None
    relative = unquote(url[len(STATIC_PREFIX) :].split("#", 1)[0])
    normal = posixpath.normpath(relative)
    if (
        not relative
        or normal != relative
        or normal.startswith(("/", "."))
        or "\\" in normal
        or "\x00" in normal
        or Path(normal).suffix.lower() not in STATIC_TYPES
    ):
        return None
    try:
        found = finders.find(normal)
    except SuspiciousFileOperation:
        return None
    candidates: list[str] = [found] if isinstance(found, str) else []
    candidates.append(os.path.join(settings.STATIC_ROOT, normal))
    roots = [Path(settings.STATIC_ROOT).resolve()] + [
        Path(d[1] if isinstance(d, tuple) else d).resolve() for d in settings.STATICFILES_DIRS
    ]
    for candidate in candidates:
        real = Path(candidate).resolve()
        if real.is_file() and any(real.is_relative_to(root) for root in roots):
            return real
    return None


def static_url(path: str) -> str:
    """The URL a PDF template uses for one of the app's static files."""
    return STATIC_PREFIX + path.lstrip("/")


def data_uri(content: bytes, content_type: str) -> str:
    return f"data:{content_type};base64,{base64.b64encode(content).decode('ascii')}"


LOGO_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp"}


def agency_logo_uri(agency: Any) -> str | None:
    """The agency's uploaded logo as a data: URL, read from storage by the renderer (the
    logo is never fetched by URL: media is only served through scoped views)."""
    logo = getattr(agency, "logo", None)
    if not logo:
        return None
    ext = (logo.name or "").rsplit(".", 1)[-1].lower()
    content_type = LOGO_TYPES.get(ext) or mimetypes.guess_type(logo.name or "")[0]
    if content_type is None or content_type not in LOGO_TYPES.values():
        return None
    try:
        with logo.open("rb") as handle:
            return data_uri(handle.read(), content_type)
    except (FileNotFoundError, OSError):
        logger.warning("Agency logo %s is missing from storage", logo.name)
        return None


@dataclass
class Rendered:
    pdf: bytes
    pages: int
    refused: list[str]
    seconds: float


Progress = Callable[[int], None]


def html_to_pdf(html: str, *, progress: Progress | None = None) -> Rendered:
    """Lay out and write one PDF. `progress` hears 60 once the layout is done (the bulk
    of the work) and 90 once the bytes are written."""
    began = time.perf_counter()
    fetcher = SafeFetcher()
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render()
    if progress:
        progress(60)
    pdf = document.write_pdf()
    if progress:
        progress(90)
    return Rendered(
        pdf=pdf,
        pages=len(document.pages),
        refused=list(fetcher.refused),
        seconds=time.perf_counter() - began,
    )


def render_template_to_pdf(
    template: str, context: dict[str, Any], *, progress: Progress | None = None
) -> Rendered:
    """A PDF template (templates/pdf/…) rendered by Django, then by WeasyPrint."""
    html = render_to_string(template, {"pdf_css": static_url("css/pdf.css"), **context})
    return html_to_pdf(html, progress=progress)
