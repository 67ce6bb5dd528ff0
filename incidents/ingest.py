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
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from incidents.models import Mention, Sentiment, Source, WatchTerm
from incidents.monitoring import sentiment as vader
from incidents.monitoring.matching import Matcher, MatchMode, TermKind, TermSpec, compile_terms
from incidents.monitoring.text import normalise

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
    version: _TermsVersion = tuple(
        WatchTerm.objects.filter(client_id=client_id, enabled=True)
        .order_by("id")
        .values_list("id", "term", "kind", "mode")
    )
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


def ingest_entries(*, source: Source, entries: Sequence[EntryLike]) -> IngestResult:
    """Store the entries of one fetch or push as mentions of `source`'s client.

    Entries already stored for this source (and repeats within the batch) are counted as
    duplicates and not scored again."""
    by_id: dict[str, EntryLike] = {}
    for entry in entries:
        key = _fit_id(entry.external_id)
        if key and key not in by_id:
            by_id[key] = entry
    if not by_id:
        return IngestResult(created=0, duplicates=len(entries))
    existing = set(
        Mention.objects.filter(source=source, external_id__in=list(by_id)).values_list(
            "external_id", flat=True
        )
    )
    fresh = [(key, entry) for key, entry in by_id.items() if key not in existing]
    duplicates = len(entries) - len(fresh)
    if not fresh:
        return IngestResult(created=0, duplicates=duplicates)

    matcher = client_matcher(source.client_id)
    now = timezone.now()
    score = vader.score
    mentions: list[Mention] = []
    matches: dict[str, list[int]] = {}
    for key, entry in fresh:
        text = entry.text
        title = entry.title
        if matcher:
            matched = matcher.match_normalised(normalise(entry.match_text))
            if matched:
                matches[key] = matched
        sentiment = score(text or title)
        mentions.append(
            Mention(
                client_id=source.client_id,
                source_id=source.pk,
                external_id=key,
                url=entry.url if len(entry.url) <= MAX_URL else "",
                author=_clip(entry.author, MAX_AUTHOR),
                author_reach=entry.author_reach,
                title=_clip(title, MAX_TITLE),
                text=text,
                published_at=entry.published or now,
                fetched_at=now,
                language=(entry.language or "")[:16],
                sentiment=sentiment.compound,
                sentiment_label=Sentiment(sentiment.label.value),
            )
        )

    with transaction.atomic():
        Mention.objects.bulk_create(mentions, ignore_conflicts=True, batch_size=500)
        if matches:
            ids = dict(
                Mention.objects.filter(source=source, external_id__in=list(matches)).values_list(
                    "external_id", "id"
                )
            )
            through = Mention.matched_terms.through
            Mention.matched_terms.through.objects.bulk_create(
                [
                    through(mention_id=ids[key], watchterm_id=term_id)
                    for key, term_ids in matches.items()
                    if key in ids
                    for term_id in term_ids
                ],
                ignore_conflicts=True,
                batch_size=500,
            )
        Source.objects.filter(pk=source.pk).update(mention_count=F("mention_count") + len(fresh))
    return IngestResult(created=len(fresh), duplicates=duplicates)
