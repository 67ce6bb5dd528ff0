"""Every file of the feedparser test corpus goes through parse_feed: no exception, no hang,
and no entry lost that feedparser itself returns from the file (same count or more, and
each feedparser entry's id or link found among ours).

The corpus is read in place from ../shared/corpora/feedparser-tests (see its README); its
files carry `Header:` lines that upstream's harness sends as HTTP headers, and they are
passed on here the same way (Content-Type, Content-Location as the base URL).
"""

from __future__ import annotations

import contextlib
import io
import re
import threading
import warnings
from datetime import UTC
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import feedparser
import pytest

from incidents.monitoring.parse import ParsedFeed, parse_feed

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "feedparser-tests"
FILES = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix in (".xml", ".json"))
HEADER = re.compile(rb"^\s*Header:\s*([\w-]+):\s*(.*?)\s*$", re.M)
# Upstream's harness serves the files from here; relative links resolve against it.
HARNESS = "http://127.0.0.1:8097/"
TIMEOUT_SECONDS = 10

# Where our answer differs from feedparser's on purpose, and why.
KNOWN_DIFFERENCES = {
    "wellformed/atom/entry_link_rel_enclosure_no_href.xml": (
        "feedparser takes the rel=enclosure element's text as the link of one entry; its own "
        "test expects the alternate link, which is what we return"
    ),
    "wellformed/atom10/entry_link_rel_enclosure_no_href.xml": (
        "same as wellformed/atom/entry_link_rel_enclosure_no_href.xml"
    ),
}


def test_the_corpus_is_there() -> None:
    assert len(FILES) > 1300, f"expected the feedparser corpus at {CORPUS}"


def _headers(body: bytes) -> dict[str, str]:
    return {
        name.decode().lower(): value.decode("latin-1")
        for name, value in HEADER.findall(body[:2000])
    }


def _normalised(url: str) -> str:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url.strip()
    return urlunsplit(parts._replace(scheme=parts.scheme.lower(), netloc=parts.netloc.lower()))


def _identities(feed: ParsedFeed, base: str) -> set[str]:
    """Every form under which an entry of ours can be recognised: its id and url, and
    both resolved against the base (feedparser resolves Atom ids as URIs)."""
    found: set[str] = set()
    for entry in feed.entries:
        for value in (entry.external_id, entry.url):
            if value:
                found.add(_normalised(value))
                with contextlib.suppress(ValueError):
                    found.add(_normalised(urljoin(base, value)))
    return found


def _parse_with_timeout(body: bytes, content_type: str | None, base: str) -> ParsedFeed:
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["feed"] = parse_feed(body, content_type=content_type, base_url=base)
        except BaseException as exc:  # reported in the test, not lost in the thread
            outcome["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(TIMEOUT_SECONDS)
    assert not worker.is_alive(), f"parse_feed did not finish within {TIMEOUT_SECONDS}s"
    if "error" in outcome:
        raise outcome["error"]
    feed: ParsedFeed = outcome["feed"]
    return feed


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(CORPUS)) for p in FILES])
def test_corpus_file_parses_without_losing_an_entry(path: Path) -> None:
    name = str(path.relative_to(CORPUS))
    body = path.read_bytes()
    headers = _headers(body)
    base = urljoin(HARNESS + name, headers.get("content-location", ""))
    content_type = headers.get("content-type")

    ours = _parse_with_timeout(body, content_type, base)

    reference_headers = {"content-location": base}
    if content_type:
        reference_headers["content-type"] = content_type
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = feedparser.parse(io.BytesIO(body), response_headers=reference_headers)

    assert len(ours.entries) >= len(theirs.entries), (
        f"feedparser reads {len(theirs.entries)} entries, we read {len(ours.entries)} "
        f"({ours.parser}; problems: {ours.problems})"
    )
    if name in KNOWN_DIFFERENCES:
        return
    identities = _identities(ours, base)
    for entry in theirs.entries:
        keys = [_normalised(k) for k in (entry.get("id"), entry.get("link")) if k]
        if not keys or keys == [_normalised(base)]:
            continue  # nothing to recognise it by (a link that is the document itself)
        assert any(key in identities for key in keys), (
            f"feedparser's entry {keys} is missing from ours ({ours.parser}): "
            f"{[(e.external_id, e.url) for e in ours.entries]}"
        )


@pytest.mark.parametrize("path", FILES[::25], ids=[str(p.relative_to(CORPUS)) for p in FILES[::25]])
def test_corpus_entries_are_safe_plain_values(path: Path) -> None:
    body = path.read_bytes()
    headers = _headers(body)
    feed = parse_feed(body, content_type=headers.get("content-type"), base_url=HARNESS)
    for entry in feed.entries:
        assert entry.external_id
        assert entry.url == "" or entry.url.startswith(("http://", "https://"))
        assert entry.published is None or entry.published.tzinfo == UTC
        for value in (entry.title, entry.text, entry.author):
            assert "\x00" not in value
            assert "<script" not in value.lower()
