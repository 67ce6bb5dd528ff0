"""Turn a fetched feed body into mention candidates, whatever the body is.

Input is hostile: entity bombs, external entities, wrong or missing encodings, broken
markup, missing dates, relative links, JSON that is not what it claims. `parse_feed`
never raises for bad input; it returns what it could read plus a `problems` list of
plain sentences.

Formats: RSS 0.9x/1.0(RDF)/2.0, Atom 0.3/1.0 and CDF through the XML parsers; JSON Feed
1.0/1.1; Mastodon status arrays (the public timeline API: /api/v1/timelines/tag/:tag,
/api/v1/accounts/:id/statuses).

XML parser choice (measured, see docs/feed-parsing.md and `python -m bench.parsers`):
fastfeedparser (lxml) first, because it is several times faster than feedparser; feedparser
as the fallback when fastfeedparser raises, when it returns fewer entries than the
document has `<item>`/`<entry>` elements, and directly for documents whose encoding only
feedparser's RFC 3023 handling gets right (UTF-16/32 without a usable declaration, an
HTTP charset that contradicts the XML declaration). On the feedparser test corpus this
loses no entry feedparser returns.

Safety of the two parsers (tested in tests/incidents/test_text_matching_sentiment.py):
fastfeedparser parses with lxml `resolve_entities=False` (no entity is expanded, nothing
external is loaded; lxml's `no_network` default holds); feedparser rewrites the DOCTYPE
keeping only entities with literal values and disables external general entities. Both
are given bytes, never a str: feedparser would treat a str - and even bytes not wrapped in
a stream - as a file name or URL and open it, fastfeedparser fetches a str that starts with
http.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.entities import html5 as html5_entities
from typing import Any
from urllib.parse import urljoin, urlsplit

from incidents.monitoring.language import detect_language, normalise_language_tag
from incidents.monitoring.text import clean_chars, collapse_whitespace, html_to_text, truncate

logger = logging.getLogger(__name__)

MAX_ID_CHARS = 512
MAX_URL_CHARS = 2000
MAX_TITLE_CHARS = 500
MAX_AUTHOR_CHARS = 200
MAX_TEXT_CHARS = 5000
# Dates outside this window are typos or defaults ("0001-01-01", "2099-...") and would
# distort volume charts and spike detection; such an entry gets no date instead.
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)

# An entry element in any namespace prefix: <item>, <rss:item>, <entry>, <atom:entry>.
_ENTRY_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)\b", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)""")
_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.I)
# A `&` that starts no entity or character reference: fatal in XML, and lxml's recovery
# drops the text after it ("?a=1&b=2" becomes "?a=1=2"); feedparser's loose parser keeps it.
_BARE_AMP = re.compile(rb"&(?![A-Za-z][A-Za-z0-9._-]*;|#[0-9]{1,8};|#[xX][0-9A-Fa-f]{1,8};)")
_CDATA_OR_BARE_AMP = re.compile(
    rb"<!\[CDATA\[.*?(?:\]\]>|\Z)|<!--.*?(?:-->|\Z)|(" + _BARE_AMP.pattern + rb")", re.S
)
# The feed-level language, which fastfeedparser does not report for RSS: the channel's
# <language>/<dc:language>, or xml:lang on the root element.
_FEED_LANGUAGE = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?language>\s*([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*)\s*<"
    rb"|<(?:[A-Za-z_][\w.-]*:)?(?:feed|rss|RDF)\b[^>]*?\bxml:lang\s*=\s*[\"']([A-Za-z0-9_-]{2,20})"
)
_UTF8_NAMES = {"utf-8", "utf8", "us-ascii", "ascii"}
_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")


@dataclass(frozen=True, slots=True)
class ParsedEntry:
    external_id: str
    url: str
    author: str
    author_reach: int | None
    title: str
    text: str
    published: datetime | None
    language: str | None

    @property
    def match_text(self) -> str:
        """What watch terms are matched against: title and text together."""
        if self.title and self.title not in self.text:
            return f"{self.title} {self.text}" if self.text else self.title
        return self.text


@dataclass(slots=True)
class ParsedFeed:
    parser: str
    title: str = ""
    language: str | None = None
    entries: list[ParsedEntry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- helpers


def _str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _absolute_url(value: Any, base_url: str) -> str:
    """An absolute http(s) URL, or "" (a `javascript:` link must never become a link)."""
    raw = _str(value).strip()
    # The common case, an absolute link with nothing odd in it, skips urljoin (which is
    # most of the per-entry cost of the whole mapping otherwise).
    if (
        raw.startswith(("https://", "http://"))
        and raw.isascii()
        and raw.isprintable()
        and " " not in raw
    ):
        return raw if len(raw) <= MAX_URL_CHARS else ""
    raw = collapse_whitespace(clean_chars(raw))
    if not raw:
        return ""
    try:
        url = urljoin(base_url, raw) if base_url else raw
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return ""
    if scheme not in ("http", "https") or len(url) > MAX_URL_CHARS:
        return ""
    return url


def _content_hash(*parts: str) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "replace")).hexdigest()
    return f"sha256:{digest[:40]}"


def _external_id(raw_id: Any, url: str) -> str:
    """The entry's own id, else its link, else "" (the caller then hashes the content)."""
    ident = collapse_whitespace(clean_chars(_str(raw_id)))
    if ident:
        return ident if len(ident) <= MAX_ID_CHARS else _content_hash(ident)
    if url:
        return url if len(url) <= MAX_ID_CHARS else _content_hash(url)
    return ""


def _plain(value: Any, max_chars: int) -> str:
    """Plain text that arrived as plain text: no tags to strip, no entities to decode."""
    return truncate(collapse_whitespace(clean_chars(_str(value))), max_chars)


def _sane_date(value: datetime | None, now: datetime) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    if value < EARLIEST or value > now + FUTURE_SLACK:
        return None
    return value


def iso_date(value: Any) -> datetime | None:
    """An ISO 8601 date-time (a trailing Z or z is UTC, as is one with no offset), or
    None. Feeds and pushed mentions (incidents.push) read their dates with it."""
    text = _str(value).strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class _Builder:
    """Collects entries and counts what had to be repaired, for the problems list."""

    def __init__(self, base_url: str, detect: bool) -> None:
        self.base_url = base_url
        self.detect = detect
        self.now = datetime.now(UTC)
        self.entries: list[ParsedEntry] = []
        self.hashed_ids = 0
        self.bad_dates = 0
        self.bad_links = 0

    def add(
        self,
        *,
        raw_id: Any,
        link: Any,
        title: str,
        text: str,
        author: str,
        author_reach: int | None = None,
        published: datetime | None,
        language_hint: str | None,
    ) -> None:
        url = _absolute_url(link, self.base_url)
        if _str(link).strip() and not url:
            self.bad_links += 1
        if not _str(raw_id).strip() and not url:
            self.hashed_ids += 1
        sane = _sane_date(published, self.now)
        if published is not None and sane is None:
            self.bad_dates += 1
        external_id = _external_id(raw_id, url) or _content_hash(
            title, text, author, sane.isoformat() if sane else ""
        )
        sample = text or title
        language = (
            detect_language(sample, hint=language_hint)
            if self.detect
            else normalise_language_tag(language_hint)
        )
        self.entries.append(
            ParsedEntry(
                external_id=external_id,
                url=url,
                author=author,
                author_reach=author_reach,
                title=title,
                text=text,
                published=sane,
                language=language,
            )
        )

    def problems(self) -> list[str]:
        problems: list[str] = []
        if self.hashed_ids:
            problems.append(
                f"{self.hashed_ids} entries had neither an id nor a link; "
                "they are identified by a hash of their content."
            )
        if self.bad_links:
            problems.append(
                f"{self.bad_links} entry links were not http(s) addresses and were dropped."
            )
        if self.bad_dates:
            problems.append(
                f"{self.bad_dates} entries had an impossible date and were kept undated."
            )
        return problems


# --------------------------------------------------------------------------- sniffing


def _looks_like_json(body: bytes) -> bool:
    head = body[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head[:1] in (b"{", b"[")


def _needs_feedparser_encoding(body: bytes, content_type: str | None) -> bool:
    """Documents whose encoding lxml alone may get wrong: UTF-16/32, or an HTTP charset
    that names another encoding than the XML declaration (HTTP wins, per RFC 3023)."""
    if body.startswith(_WIDE_BOMS) or b"\x00" in body[:4]:
        return True
    if not content_type:
        return False
    match = _CHARSET.search(content_type)
    if not match:
        return False
    http_charset = match.group(1).lower()
    declared = _XML_ENCODING.match(body[:200].lstrip(b"\xef\xbb\xbf"))
    xml_charset = declared.group(1).decode("ascii").lower() if declared else "utf-8"
    if http_charset == xml_charset:
        return False
    return not (http_charset in _UTF8_NAMES and xml_charset in _UTF8_NAMES)


# --------------------------------------------------------------------------- DOCTYPE

# Neither parser can be trusted with a hostile internal DTD on its own: feedparser only
# strips entity declarations that start a line, so a one-line billion-laughs document
# reaches expat, which burns seconds of CPU before its amplification limit stops it. So
# before any parser runs, the internal subset is rebuilt with only entities whose value
# is short literal text (no references, no parameter entities, nothing external): the
# expansion of a document can then grow it at most ~10x, whatever it declares.
_DOCTYPE_HEAD = re.compile(
    rb"""<!DOCTYPE\s+[^\s\[>]+(?:\s+(?:PUBLIC\s+(?:"[^"]*"|'[^']*')\s+(?:"[^"]*"|'[^']*')"""
    rb"""|SYSTEM\s+(?:"[^"]*"|'[^']*')))?\s*"""
)
_SUBSET_ITEM = re.compile(
    rb"""\s+|<!--.*?-->|<\?.*?\?>|<!(?:[^"'>]|"[^"]*"|'[^']*')*>|%[\w.:-]+;""", re.S
)
_SAFE_ENTITY = re.compile(
    rb"""<!ENTITY\s+([A-Za-z_][\w.:-]{0,63})\s+(?:"([^"&%<>\]]{0,32})"|'([^'&%<>\]]{0,32})')\s*>"""
)
# Expanded text the kept entities may add to a document, in bytes.
_EXPANSION_BUDGET = 1_000_000
_SUBSET_END = re.compile(rb"\]\s*>")
_ENTITY_MARK = "<!ENTITY"
_WIDE_CODECS = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<", "utf-16-be"),
    (b"<\x00", "utf-16-le"),
)
_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*\?>")


def _defuse_doctype(body: bytes) -> tuple[bytes, bool]:
    """The document with its internal DTD subset reduced to safe entities, and whether
    anything was removed. Documents without an entity declaration are returned as they
    are (the common case costs one substring search)."""
    for prefix, codec in _WIDE_CODECS:
        if body.startswith(prefix):
            if _ENTITY_MARK.encode(codec) not in body:
                return body, False
            # Rare and hostile-looking: work on a UTF-8 copy (declaration dropped, so
            # nothing claims the old encoding).
            text = body.decode(codec, "replace").lstrip("\ufeff")
            body = _XML_DECL.sub(b"", text.encode("utf-8"), count=1)
            break
    if _ENTITY_MARK.encode() not in body:
        return body, False
    start = body.find(b"<!DOCTYPE")
    if start < 0:
        return body, False
    head = _DOCTYPE_HEAD.match(body, start)
    if head is None or body[head.end() : head.end() + 1] != b"[":
        return _cut_declarations(body, start), True
    kept: list[bytes] = []
    expansion = 0
    pos = head.end() + 1
    while True:
        end = _SUBSET_END.match(body, pos)
        if end is not None:
            break
        item = _SUBSET_ITEM.match(body, pos)
        if item is None or item.end() == pos:
            return _cut_declarations(body, start), True
        safe = _SAFE_ENTITY.fullmatch(item.group())
        if safe:
            kept.append(item.group())
            value = safe.group(2) if safe.group(2) is not None else safe.group(3)
            expansion += body.count(b"&" + safe.group(1) + b";") * len(value)
        pos = item.end()
    if expansion > _EXPANSION_BUDGET:
        kept = []  # many short entities used a million times are a slow bomb too
    # The DOCTYPE and each declaration on a line of its own: feedparser only reads those
    # that start a line.
    newline = b"\n" if start and body[start - 1 : start] != b"\n" else b""
    rebuilt = (
        newline + body[start : head.end()] + b"[\n" + b"".join(k + b"\n" for k in kept) + b"]>"
    )
    return body[:start] + rebuilt + body[end.end() :], True


def _cut_declarations(body: bytes, start: int) -> bytes:
    """For a DOCTYPE we cannot read: drop it up to the end of its last entity declaration."""
    last = body.rfind(_ENTITY_MARK.encode())
    close = body.find(b">", last)
    if close < 0:
        return body[:start]
    end = _SUBSET_END.match(body, close + 1)
    stop = end.end() if end else close + 1
    return body[:start] + body[stop:]


# A named reference other than XML's five. Feeds use HTML's (&nbsp; &eacute;) without
# declaring them, and lxml's recovery drops them and the text around them ("caf&eacute;"
# becomes "caf"); they are rewritten as numeric references first, and unknown names
# (&foo;) are kept as the literal text feedparser would show.
_NAMED_REF = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos);)([A-Za-z][A-Za-z0-9]{0,31});")


_HTML_REFS: dict[bytes, bytes] = {
    name[:-1].encode("ascii"): b"".join(b"&#%d;" % ord(ch) for ch in text)
    for name, text in html5_entities.items()
    if name.endswith(";")
}


def _numeric_ref(match: re.Match[bytes]) -> bytes:
    name = match.group(1)
    return _HTML_REFS.get(name) or b"&amp;" + name + b";"


def _numeric_references(body: bytes) -> bytes:
    if not _NAMED_REF.search(body):
        return body
    return _NAMED_REF.sub(_numeric_ref, body)


def _has_bare_ampersand(body: bytes) -> bool:
    """A bare `&` outside CDATA sections and comments (where it is legal)."""
    if not _BARE_AMP.search(body):
        return False
    return any(m.group(1) for m in _CDATA_OR_BARE_AMP.finditer(body))


def _fast_path_unsuitable(body: bytes, content_type: str | None) -> bool:
    """Documents fastfeedparser would read less faithfully than feedparser: encodings it
    may get wrong, entities declared in a DOCTYPE (lxml is told not to expand any; feedparser
    expands those with literal values), bare ampersands."""
    return (
        _needs_feedparser_encoding(body, content_type)
        or b"<!ENTITY" in body
        or _has_bare_ampersand(body)
    )


# --------------------------------------------------------------------------- XML


def _ffp_parse(body: bytes) -> Any:
    import fastfeedparser

    # bytes, never str: fastfeedparser fetches a str that starts with http(s)://.
    return fastfeedparser.parse(
        bytes(body), include_tags=False, include_media=False, include_enclosures=False
    )


def _fp_parse(body: bytes, content_type: str | None, base_url: str) -> Any:
    import feedparser

    headers = {"content-location": base_url} if base_url else {}
    if content_type:
        headers["content-type"] = content_type
    # A stream, never bare bytes or str: feedparser opens a value that names a file or URL.
    return feedparser.parse(
        io.BytesIO(body), response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )


def _declared_feed_language(body: bytes) -> str | None:
    match = _FEED_LANGUAGE.search(body, 0, 8192)
    if not match:
        return None
    return normalise_language_tag((match.group(1) or match.group(2)).decode("ascii"))


def _ffp_entries(result: Any, builder: _Builder, body: bytes) -> tuple[str, str | None]:
    feed = result.get("feed") or {}
    feed_language = normalise_language_tag(_str(feed.get("language"))) or _declared_feed_language(
        body
    )
    for entry in result.get("entries") or []:
        content = entry.get("content") or []
        first = content[0] if content and isinstance(content[0], Mapping) else {}
        raw_text = _str(first.get("value")) or _str(entry.get("description"))
        is_plain = first.get("type") == "text/plain" and raw_text == _str(first.get("value"))
        text = (
            _plain(raw_text, MAX_TEXT_CHARS)
            if is_plain
            else html_to_text(raw_text, max_chars=MAX_TEXT_CHARS)
        )
        builder.add(
            raw_id=entry.get("id"),
            link=entry.get("link"),
            title=html_to_text(_str(entry.get("title")), max_chars=MAX_TITLE_CHARS),
            text=text,
            author=html_to_text(_str(entry.get("author")), max_chars=MAX_AUTHOR_CHARS),
            published=iso_date(entry.get("published") or entry.get("updated")),
            language_hint=_str(first.get("language")) or feed_language,
        )
    return html_to_text(_str(feed.get("title")), max_chars=MAX_TITLE_CHARS), feed_language


def _fp_entries(result: Any, builder: _Builder) -> tuple[str, str | None]:
    feed = result.get("feed") or {}
    feed_language = normalise_language_tag(_str(feed.get("language")))
    for entry in result.get("entries") or []:
        content = entry.get("content") or []
        first = content[0] if content and isinstance(content[0], Mapping) else {}
        detail = first or entry.get("summary_detail") or {}
        body = _str(first.get("value")) or _str(entry.get("summary"))
        is_plain = detail.get("type") == "text/plain"
        text = (
            _plain(body, MAX_TEXT_CHARS)
            if is_plain
            else html_to_text(body, max_chars=MAX_TEXT_CHARS)
        )
        parsed = entry.get("published_parsed") or entry.get("updated_parsed")
        published: datetime | None = None
        if parsed:
            try:
                y, mo, d, h, mi, sec = (int(part) for part in parsed[:6])
                published = datetime(y, mo, d, h, mi, min(sec, 59), tzinfo=UTC)
            except (TypeError, ValueError):
                published = None
        title_detail = entry.get("title_detail") or {}
        title_plain = title_detail.get("type") == "text/plain"
        title = _str(entry.get("title"))
        builder.add(
            raw_id=entry.get("id"),
            link=entry.get("link"),
            title=_plain(title, MAX_TITLE_CHARS)
            if title_plain
            else html_to_text(title, max_chars=MAX_TITLE_CHARS),
            text=text,
            author=html_to_text(_str(entry.get("author")), max_chars=MAX_AUTHOR_CHARS),
            published=published,
            language_hint=_str(detail.get("language"))
            or _str(title_detail.get("language"))
            or feed_language,
        )
    return html_to_text(_str(feed.get("title")), max_chars=MAX_TITLE_CHARS), feed_language


def _parse_xml(body: bytes, content_type: str | None, base_url: str, detect: bool) -> ParsedFeed:
    problems: list[str] = []
    body, defused = _defuse_doctype(body)
    if defused:
        problems.append(
            "The feed declares entities in its DOCTYPE; only short literal ones were kept."
        )
    ffp_result: Any = None
    if not _fast_path_unsuitable(body, content_type):
        try:
            ffp_result = _ffp_parse(_numeric_references(body))
        except Exception as exc:  # any failure of the fast path means: use the slow one
            logger.debug("fastfeedparser failed, falling back to feedparser: %r", exc)
    if ffp_result is not None:
        ffp_entries = ffp_result.get("entries") or []
        if len(ffp_entries) >= len(_ENTRY_TAG.findall(body)) and all(
            entry.get("id") or entry.get("link") for entry in ffp_entries
        ):
            builder = _Builder(base_url, detect)
            title, language = _ffp_entries(ffp_result, builder, body)
            return ParsedFeed(
                "fastfeedparser", title, language, builder.entries, problems + builder.problems()
            )

    # fastfeedparser failed, or missed entries, or could not identify one: ask feedparser,
    # and keep fastfeedparser's answer only if feedparser does no better.
    fp_result = _fp_parse(body, content_type, base_url)
    if ffp_result is not None and len(ffp_result.get("entries") or []) > len(fp_result.entries):
        builder = _Builder(base_url, detect)
        title, language = _ffp_entries(ffp_result, builder, body)
        return ParsedFeed(
            "fastfeedparser", title, language, builder.entries, problems + builder.problems()
        )
    if fp_result.get("bozo"):
        problems.append(_bozo_message(fp_result.get("bozo_exception"), bool(fp_result.entries)))
    builder = _Builder(base_url, detect)
    title, language = _fp_entries(fp_result, builder)
    if not fp_result.entries and not fp_result.get("version") and not title:
        problems.append("The document is not a feed we recognise (RSS, Atom, RDF or JSON Feed).")
    return ParsedFeed("feedparser", title, language, builder.entries, problems + builder.problems())


def _bozo_message(exc: Any, has_entries: bool) -> str:
    name = type(exc).__name__ if exc is not None else "error"
    if "Encoding" in name:
        return "The feed declares the wrong character encoding; it was decoded as best we could."
    if has_entries:
        return "The feed is not well-formed XML; what could be recovered was read."
    return "The feed is not well-formed XML and no entries could be read from it."


# --------------------------------------------------------------------------- JSON


def _parse_json(body: bytes, base_url: str, detect: bool) -> ParsedFeed:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        return ParsedFeed("json", problems=[f"The JSON document could not be read: {_short(exc)}."])
    if isinstance(data, list):
        return _parse_mastodon(data, base_url, detect)
    if isinstance(data, dict):
        if isinstance(data.get("items"), list):
            return _parse_json_feed(data, base_url, detect)
        if "error" in data:
            return ParsedFeed(
                "json",
                problems=[f"The server answered with an error: {_plain(data.get('error'), 200)}."],
            )
    return ParsedFeed(
        "json", problems=["The JSON document is neither a JSON Feed nor a Mastodon timeline."]
    )


def _short(exc: BaseException) -> str:
    return truncate(str(exc) or type(exc).__name__, 200)


def _parse_json_feed(data: dict[str, Any], base_url: str, detect: bool) -> ParsedFeed:
    builder = _Builder(base_url, detect)
    feed_language = normalise_language_tag(_str(data.get("language")))
    feed_author = _json_author(data)
    skipped = 0
    for item in data["items"]:
        if not isinstance(item, dict):
            skipped += 1
            continue
        html_body = _str(item.get("content_html"))
        text = (
            html_to_text(html_body, max_chars=MAX_TEXT_CHARS)
            if html_body
            else _plain(item.get("content_text") or item.get("summary"), MAX_TEXT_CHARS)
        )
        builder.add(
            raw_id=item.get("id"),
            link=item.get("url") or item.get("external_url"),
            title=_plain(item.get("title"), MAX_TITLE_CHARS),
            text=text,
            author=_json_author(item) or feed_author,
            published=iso_date(item.get("date_published") or item.get("date_modified")),
            language_hint=_str(item.get("language")) or feed_language,
        )
    problems = builder.problems()
    if skipped:
        problems.append(f"{skipped} items were not JSON objects and were skipped.")
    return ParsedFeed(
        "json-feed",
        _plain(data.get("title"), MAX_TITLE_CHARS),
        feed_language,
        builder.entries,
        problems,
    )


def _json_author(obj: Mapping[str, Any]) -> str:
    authors = obj.get("authors")
    author = authors[0] if isinstance(authors, list) and authors else obj.get("author")
    if isinstance(author, dict):
        return _plain(author.get("name"), MAX_AUTHOR_CHARS)
    return ""


def _parse_mastodon(statuses: list[Any], base_url: str, detect: bool) -> ParsedFeed:
    builder = _Builder(base_url, detect)
    skipped = 0
    for status in statuses:
        if not isinstance(status, dict):
            skipped += 1
            continue
        # A boost carries the boosted post: that post is the mention, under its own id, so
        # the same post boosted by many accounts is one mention.
        reblog = status.get("reblog")
        post = reblog if isinstance(reblog, dict) else status
        raw_account = post.get("account")
        account: dict[str, Any] = raw_account if isinstance(raw_account, dict) else {}
        followers = account.get("followers_count")
        reach = (
            followers
            if isinstance(followers, int) and not isinstance(followers, bool) and followers >= 0
            else None
        )
        warning = _plain(post.get("spoiler_text"), 500)
        text = html_to_text(_str(post.get("content")), max_chars=MAX_TEXT_CHARS)
        if warning:
            text = f"{warning} {text}".strip()
        builder.add(
            raw_id=post.get("uri") or post.get("url") or post.get("id"),
            link=post.get("url") or post.get("uri"),
            title="",
            text=text,
            author=_plain(account.get("acct"), MAX_AUTHOR_CHARS),
            author_reach=reach,
            published=iso_date(post.get("created_at")),
            language_hint=_str(post.get("language")),
        )
    problems = builder.problems()
    if skipped:
        problems.append(f"{skipped} timeline items were not statuses and were skipped.")
    return ParsedFeed("mastodon", "", None, builder.entries, problems)


# --------------------------------------------------------------------------- entry point


def parse_feed(
    body: bytes,
    *,
    content_type: str | None,
    base_url: str,
    detect_language: bool = True,
) -> ParsedFeed:
    """Entries of a feed body. Never raises for bad input: problems are reported in
    `ParsedFeed.problems`, and entries read before a failure are kept."""
    if not body or not body.strip():
        return ParsedFeed("none", problems=["The feed is empty."])
    try:
        ct = (content_type or "").lower()
        if _looks_like_json(body) or ("json" in ct and body.lstrip()[:1] != b"<"):
            return _parse_json(body, base_url, detect_language)
        return _parse_xml(body, content_type, base_url, detect_language)
    except Exception as exc:  # the promise is "never raises": a bug here is a problem line
        logger.exception("Feed parsing failed for %s", base_url)
        return ParsedFeed("none", problems=[f"The feed could not be read ({type(exc).__name__})."])
