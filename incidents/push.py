"""Inbound push: listening tools (Brandwatch-, Talkwalker- or Zapier-style webhooks) that
deliver mentions themselves, to `POST /hooks/push/<source id>/`.

The body is JSON, signed with the source's push secret (see incidents.webhooks for the
header), at most `MAX_BYTES`:

    {"mentions": [{"id": "…", "text": "…", "url": "https://…", "author": "…",
                   "author_reach": 1200, "published": "2026-05-01T10:00:00Z",
                   "title": "…"}, …]}

`id` and `text` are required. A delivery is all or nothing: one bad item refuses the whole
delivery with a numbered list of what is wrong, so the sender can fix and resend, and a
resend (or a duplicate delivery) stores nothing twice (mentions are unique per source and
id).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from incidents.ingest import IngestResult, ingest_entries
from incidents.models import Source
from incidents.monitoring.parse import ParsedEntry, iso_date
from incidents.monitoring.text import html_to_text, plain_line
from incidents.webhooks import SignatureError, verify

MAX_BYTES = 1024 * 1024
MAX_MENTIONS = 1000
MAX_ID = 500
MAX_TEXT = 5000
FUTURE_SLACK = timedelta(days=1)


class PushRefused(Exception):
    """A delivery that is refused: the HTTP status and the sentence to answer."""

    def __init__(self, status: int, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.problems = problems or []


def _entry(index: int, item: Any, now: datetime, problems: list[str]) -> ParsedEntry | None:
    where = f"mentions[{index}]"
    if not isinstance(item, dict):
        problems.append(f"{where} is not an object.")
        return None
    before = len(problems)
    raw_id = item.get("id")
    if isinstance(raw_id, int) and not isinstance(raw_id, bool):
        raw_id = str(raw_id)
    if not isinstance(raw_id, str) or not raw_id.strip():
        problems.append(f'{where}: "id" is required (a string or a number).')
    elif len(raw_id) > MAX_ID:
        problems.append(f'{where}: "id" is longer than {MAX_ID} characters.')
    text = item.get("text")
    if not isinstance(text, str) or not text.strip():
        problems.append(f'{where}: "text" is required (a non-empty string).')
    url = item.get("url", "")
    if url is None:
        url = ""
    if not isinstance(url, str) or (url and not url.startswith(("http://", "https://"))):
        problems.append(f'{where}: "url" must be an http(s) address.')
    elif len(url) > 2000:
        problems.append(f'{where}: "url" is longer than 2,000 characters.')
    for key in ("author", "title"):
        if item.get(key) is not None and not isinstance(item.get(key), str):
            problems.append(f'{where}: "{key}" must be a string.')
    reach = item.get("author_reach")
    if reach is not None and (
        not isinstance(reach, int) or isinstance(reach, bool) or not 0 <= reach < 10**15
    ):
        problems.append(f'{where}: "author_reach" must be a whole number of at least 0.')
    published = item.get("published")
    # Only a string: a number would otherwise be read as a basic-format date (20260501).
    moment = iso_date(published) if isinstance(published, str) else None
    if published is not None and moment is None:
        problems.append(
            f'{where}: "published" must be an ISO 8601 date-time, e.g. "2026-05-01T10:00:00Z".'
        )
    elif moment is not None and moment > now + FUTURE_SLACK:
        problems.append(f'{where}: "published" is in the future.')
    if len(problems) > before:
        return None
    assert isinstance(raw_id, str) and isinstance(text, str) and isinstance(url, str)
    return ParsedEntry(
        external_id=raw_id.strip(),
        url=url,
        author=plain_line(item.get("author") or "", max_chars=200),
        author_reach=reach,
        title=plain_line(item.get("title") or "", max_chars=500),
        # Listening tools send HTML as often as not: it is reduced to plain text.
        text=html_to_text(text, max_chars=MAX_TEXT),
        published=moment,
        language=None,
    )


def parse_push(body: bytes, *, now: datetime | None = None) -> list[ParsedEntry]:
    """The entries of a push body, or PushRefused(400) listing every problem."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise PushRefused(400, "The body is not valid JSON.") from None
    return parse_push_data(data, now=now)


def parse_push_data(data: Any, *, now: datetime | None = None) -> list[ParsedEntry]:
    """The entries of a decoded push body (the REST API's bulk create, which reads other
    keys of the same body, decodes it once)."""
    now = now or timezone.now()
    if not isinstance(data, dict) or not isinstance(data.get("mentions"), list):
        raise PushRefused(400, 'The body must be a JSON object with a "mentions" list.')
    items: list[Any] = data["mentions"]
    if len(items) > MAX_MENTIONS:
        raise PushRefused(
            400, f"At most {MAX_MENTIONS:,} mentions per delivery; split it into several."
        )
    problems: list[str] = []
    entries = [_entry(i, item, now, problems) for i, item in enumerate(items)]
    if problems:
        shown = problems[:50]
        if len(problems) > len(shown):
            shown.append(f"… and {len(problems) - len(shown)} more problems.")
        raise PushRefused(400, "Some mentions are not valid; nothing was stored.", shown)
    return [entry for entry in entries if entry is not None]


def receive_push(*, source: Source, body: bytes, signature: str | None) -> IngestResult:
    """Verify, parse and store one delivery. Raises PushRefused with the status and the
    sentence to answer."""
    if len(body) > MAX_BYTES:
        raise PushRefused(413, f"The body is larger than {MAX_BYTES // 1024} kB.")
    try:
        verify(body, signature, source.push_secret)
    except SignatureError as exc:
        raise PushRefused(401, str(exc)) from None
    entries = parse_push(body)
    return ingest_entries(source=source, entries=entries)
