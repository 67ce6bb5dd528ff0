"""Store parsed entries as mentions of a source's client: matched against the client's
watch terms, scored for sentiment, inserted once.

Both ways mentions arrive go through `ingest_entries`: polling (incidents.polling) and
inbound push (incidents.push). Idempotence comes from the database, not from memory: a
mention is unique per (source, external id), rows are inserted with `ignore_conflicts`
and the matched-term rows are looked up by (source, external id) and inserted the same
way, so a re-poll, a retried task or a worker killed mid-batch (the transaction rolls
back, the late-acknowledged task runs again) stores every mention exactly once.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from django.conf import settings
from django.db import connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper
from django.db.models import F, Model
from django.utils import timezone

from incidents.models import Mention, Source, Triage, WatchTerm
from incidents.monitoring import sentiment as vader
from incidents.monitoring.matching import Matcher, MatchMode, TermKind, TermSpec, compile_terms
from incidents.monitoring.text import normalise

T = TypeVar("T")

# Column sizes of Mention (the parser's own caps are close but not all equal).
MAX_EXTERNAL_ID = 500
MAX_URL = 2000
MAX_AUTHOR = 200
MAX_TITLE = 500


class EntryLike(Protocol):
    """What ingestion reads from an entry (incidents.monitoring.parse.ParsedEntry)."""

    @property
    def external_id(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def author(self) -> str: ...
    @property
    def author_reach(self) -> int | None: ...
    @property
    def title(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def published(self) -> datetime | None: ...
    @property
    def language(self) -> str | None: ...
    @property
    def match_text(self) -> str: ...


@dataclass(frozen=True, slots=True)
class IngestResult:
    created: int
    duplicates: int


# --------------------------------------------------------------------------- matchers

_TermsVersion = tuple[tuple[int, str, str, str], ...]
_matchers: dict[int, tuple[_TermsVersion, Matcher[int]]] = {}
_matchers_lock = threading.Lock()


def client_matcher(client_id: int) -> Matcher[int]:
    """The compiled matcher of a client's enabled terms. The terms themselves are the
    cache key: one small query per batch, and an edited, added, disabled or deleted term
    recompiles the matcher on the next batch in every worker."""
    connection = connections[router.db_for_read(WatchTerm)]
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {q('id')}, {q('term')}, {q('kind')}, {q('mode')} "  # noqa: S608
            f"FROM {q(WatchTerm._meta.db_table)} "
            f"WHERE {q('client_id')} = %s AND {q('enabled')} = %s ORDER BY {q('id')}",
            [client_id, True],
        )
        version: _TermsVersion = tuple(cursor.fetchall())
    cached = _matchers.get(client_id)
    if cached is not None and cached[0] == version:
        return cached[1]
    matcher = compile_terms(
        TermSpec(id=pk, term=term, kind=TermKind(kind), mode=MatchMode(mode))
        for pk, term, kind, mode in version
    )
    with _matchers_lock:
        _matchers[client_id] = (version, matcher)
    return matcher


# --------------------------------------------------------------------------- ingest


def _fit_id(external_id: str) -> str:
    if len(external_id) <= MAX_EXTERNAL_ID:
        return external_id
    return "sha256:" + hashlib.sha256(external_id.encode("utf-8", "replace")).hexdigest()


def _clip(value: str, size: int) -> str:
    return value if len(value) <= size else value[: size - 1] + "…"


# The per-batch reads (which ids are stored, the client's terms) and the inserts are
# written in SQL: they run on every poll, and compiling the ORM's equivalent cost more
# than the database took to run them (measured with bench.ingest).
#
# Rows are inserted with INSERT ... ON CONFLICT DO NOTHING, which SQLite (3.24+) and
# PostgreSQL both understand (see _insert_mentions). Measured with bench.ingest,
# `bulk_create(ignore_conflicts=True)` spent more time compiling SQL and preparing each
# field of each row than parsing and scoring took together; the statement is the same,
# without that per-value work. The values are adapted as the ORM would (UUID and
# datetime adapters of the connection).
_MENTION_COLUMNS = (
    "public_id",
    "client_id",
    "source_id",
    "external_id",
    "url",
    "author",
    "author_reach",
    "title",
    "text",
    "published_at",
    "fetched_at",
    "language",
    "sentiment",
    "sentiment_label",
    "triage",
)


def _uuid7_ints(count: int) -> list[int]:
    randomness = os.urandom(10 * count)
    stamp = ((time.time_ns() // 1_000_000) & (1 << 48) - 1) << 80 | 0x7 << 76 | 0x2 << 62
    ints = []
    for start in range(0, 10 * count, 10):
        rand = int.from_bytes(randomness[start : start + 10], "big")
        ints.append(stamp | (rand >> 62 & 0xFFF) << 64 | rand & (1 << 62) - 1)
    return ints


def time_ordered_uuids(count: int, *, native: bool) -> list[uuid.UUID] | list[str]:
    """`count` version-7 UUIDs (RFC 9562: 48 bits of Unix milliseconds, then 74 random
    bits), as the database column takes them: UUID objects for a native uuid column
    (PostgreSQL), else 32 hex digits (what Django stores in a char(32) column).

    Mentions are inserted in time order, so their public ids land at the end of the
    unique index instead of on a random page of it; random (version-4) ids made every
    batch dirty pages all over that index once the table outgrew the page cache. 74
    random bits keep the ids unguessable."""
    ints = _uuid7_ints(count)
    if native:
        return [uuid.UUID(int=value) for value in ints]
    return [f"{value:032x}" for value in ints]


def _insert_sql(
    connection: BaseDatabaseWrapper, model: type[Model], columns: Sequence[str], rows: int
) -> str:
    quote = connection.ops.quote_name
    # Identifiers come from the model and are quoted; every value is a parameter.
    table = quote(model._meta.db_table)
    names = ", ".join(quote(c) for c in columns)
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    values = ", ".join([one] * rows)
    return f"INSERT INTO {table} ({names}) VALUES {values} ON CONFLICT DO NOTHING"  # noqa: S608


@dataclass(slots=True)
class PreparedBatch:
    """Entries of one fetch or push made into rows, matched and scored; nothing written
    yet. `received` counts every entry given, duplicates included."""

    source: Source
    received: int
    rows: list[tuple[Any, ...]]
    matches: dict[str, list[int]]


def prepare_entries(*, source: Source, entries: Sequence[EntryLike]) -> PreparedBatch:
    """Rows for the entries not stored yet for this source (one query finds them):
    matched against the client's terms and scored. Entries already stored (and repeats
    within the batch) are left out and never scored again."""
    by_id: dict[str, EntryLike] = {}
    for entry in entries:
        key = _fit_id(entry.external_id)
        if key and key not in by_id:
            by_id[key] = entry
    batch = PreparedBatch(source=source, received=len(entries), rows=[], matches={})
    if not by_id:
        return batch
    existing = _stored_ids(source.pk, list(by_id))
    fresh = [(key, entry) for key, entry in by_id.items() if key not in existing]
    if not fresh:
        return batch

    matcher = client_matcher(source.client_id)
    connection = connections[router.db_for_write(Mention)]
    adapt_datetime = datetime_adapter(connection)
    now = timezone.now()
    fetched_at = adapt_datetime(now)
    score = vader.score
    client_id, source_id = source.client_id, source.pk
    public_ids = time_ordered_uuids(len(fresh), native=connection.features.has_native_uuid_field)
    rows = batch.rows
    matches = batch.matches
    new = Triage.NEW.value
    for (key, entry), public_id in zip(fresh, public_ids, strict=True):
        text = entry.text
        title = entry.title
        if matcher:
            matched = matcher.match_normalised(normalise(entry.match_text))
            if matched:
                matches[key] = matched
        sentiment = score(text or title)
        url = entry.url
        author = entry.author
        language = entry.language
        published = entry.published
        rows.append(
            (
                public_id,
                client_id,
                source_id,
                key,
                url if len(url) <= MAX_URL else "",
                author if len(author) <= MAX_AUTHOR else _clip(author, MAX_AUTHOR),
                entry.author_reach,
                title if len(title) <= MAX_TITLE else _clip(title, MAX_TITLE),
                text,
                adapt_datetime(published) if published is not None else fetched_at,
                fetched_at,
                language[:16] if language else "",
                sentiment.compound,
                sentiment.label.value,
                new,
            )
        )
    return batch


def datetime_adapter(connection: BaseDatabaseWrapper) -> Callable[[datetime], Any]:
    """The connection's datetime adapter, with a shortcut for SQLite in UTC: Django's
    converts through settings and zoneinfo on every call, which cost more per mention
    than matching it against the client's terms (the shortcut gives the same strings;
    tests compare them)."""
    adapt: Callable[[datetime], Any] = connection.ops.adapt_datetimefield_value
    if connection.vendor != "sqlite" or not settings.USE_TZ or connection.timezone_name != "UTC":
        return adapt

    def sqlite_utc(value: datetime) -> Any:
        if value.tzinfo is not UTC:
            return adapt(value)
        return str(value.replace(tzinfo=None))

    return sqlite_utc


def _stored_ids(source_id: int, keys: list[str]) -> set[str]:
    """Which of these external ids the source has stored already."""
    connection = connections[router.db_for_read(Mention)]
    with connection.cursor() as cursor:
        return set(_ids_of(connection, cursor, source_id, keys))


def store_batch(batch: PreparedBatch) -> int:
    """Insert a prepared batch's mentions and their matched terms, skipping any already
    there (another worker's, a moment ago); how many were inserted. Run it inside a
    transaction; the source's `mention_count` is the caller's to update."""
    if not batch.rows:
        return 0
    connection = connections[router.db_for_write(Mention)]
    through = Mention.matched_terms.through
    with connection.cursor() as cursor:
        created, ids = _insert_mentions(connection, cursor, batch.rows, list(batch.matches))
        links = [
            (ids[key], term_id)
            for key, term_ids in batch.matches.items()
            if key in ids
            for term_id in term_ids
        ]
        link_columns = ("mention_id", "watchterm_id")
        if connection.vendor == "sqlite":  # as the mentions (see _insert_mentions)
            cursor.executemany(_insert_sql(connection, through, link_columns, 1), links)
        else:
            for chunk in _chunks(links, _rows_per_statement(connection, 2)):
                cursor.execute(
                    _insert_sql(connection, through, link_columns, len(chunk)),
                    [value for link in chunk for value in link],
                )
    return created


def ingest_entries(*, source: Source, entries: Sequence[EntryLike]) -> IngestResult:
    """Store the entries of one fetch or push as mentions of `source`'s client.

    Entries already stored for this source (and repeats within the batch) are counted as
    duplicates and not scored again."""
    batch = prepare_entries(source=source, entries=entries)
    created = 0
    if batch.rows:
        with transaction.atomic(using=router.db_for_write(Mention)):
            created = store_batch(batch)
            if created:
                Source.objects.filter(pk=source.pk).update(
                    mention_count=F("mention_count") + created
                )
    return IngestResult(created=created, duplicates=len(entries) - created)


def _rows_per_statement(connection: BaseDatabaseWrapper, columns: int) -> int:
    limit = connection.features.max_query_params or 10_000
    return max(1, min(500, limit // columns))


def _chunks(items: list[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _insert_mentions(
    connection: BaseDatabaseWrapper,
    cursor: CursorWrapper,
    rows: list[tuple[Any, ...]],
    wanted: list[str],
) -> tuple[int, dict[str, int]]:
    """Insert the rows, skipping any already there; how many were inserted, and the ids
    of the `wanted` external ids (those with matched terms to link).

    SQLite: one single-row INSERT run over the batch (`executemany`), whose row count
    counts only the rows inserted, then the wanted ids in one SELECT. Measured with
    bench.ingest, a multi-row INSERT ... RETURNING took three to four times as long
    there (Django rewrites the placeholders of the whole statement on every call).
    PostgreSQL: multi-row INSERT ... RETURNING, one round trip per 500 rows. A row
    another worker inserted a moment ago is not counted as created by either; linking
    its terms again is harmless (the links are unique and inserted the same way)."""
    if connection.vendor == "sqlite":
        cursor.executemany(_insert_sql(connection, Mention, _MENTION_COLUMNS, 1), rows)
        created = max(cursor.rowcount, 0)
        ids = _ids_of(connection, cursor, rows[0][2], wanted) if wanted else {}
        return created, ids
    quote = connection.ops.quote_name
    returning = f" RETURNING {quote('external_id')}, {quote('id')}"
    inserted: dict[str, int] = {}
    for chunk in _chunks(rows, _rows_per_statement(connection, len(_MENTION_COLUMNS))):
        sql = _insert_sql(connection, Mention, _MENTION_COLUMNS, len(chunk)) + returning
        cursor.execute(sql, [value for row in chunk for value in row])
        inserted.update(cursor.fetchall())
    ids = inserted
    missing = [key for key in wanted if key not in inserted]
    if missing:
        ids = {**_ids_of(connection, cursor, rows[0][2], missing), **inserted}
    return len(inserted), ids


def _ids_of(
    connection: BaseDatabaseWrapper, cursor: CursorWrapper, source_id: int, keys: list[str]
) -> dict[str, int]:
    q = connection.ops.quote_name
    found: dict[str, int] = {}
    for chunk in _chunks(keys, _rows_per_statement(connection, 1) - 1):
        cursor.execute(
            f"SELECT {q('external_id')}, {q('id')} FROM {q(Mention._meta.db_table)} "  # noqa: S608
            f"WHERE {q('source_id')} = %s AND {q('external_id')} IN "
            f"({', '.join(['%s'] * len(chunk))})",
            [source_id, *chunk],
        )
        found.update(cursor.fetchall())
    return found
