"""Poll one source: conditional GET, parse, ingest, and the source's health.

The per-source lock is the `polling_since` column, taken by a compare-and-set
(`claim_source`): one UPDATE that succeeds only when the source is free or its lock is
older than `LOCK_TIMEOUT` (the worker that held it died), so a source is never polled
twice at once, by any number of workers. `LOCK_TIMEOUT` is longer than the poll task's
hard time limit, so a live poll never loses its lock.

Failures back off exponentially: the next poll is `interval × 2^failures` later, at most
a day; the first success resets it. The error is kept as a sentence for the UI.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote, urlsplit

from django.db.models import Q
from django.utils import timezone

from incidents.ingest import ingest_entries
from incidents.models import Source, SourceKind
from incidents.monitoring.fetch import FetchError, FetchSettings, fetch
from incidents.monitoring.parse import parse_feed

logger = logging.getLogger(__name__)

LOCK_TIMEOUT = timedelta(minutes=10)
MAX_BACKOFF = timedelta(hours=24)
MASTODON_LIMIT = 40
# Language guessing costs about a tenth of the per-mention budget; a feed's or status's
# declared language is always kept.
DETECT_LANGUAGE = True


@dataclass(frozen=True, slots=True)
class PollResult:
    ok: bool
    not_modified: bool = False
    created: int = 0
    duplicates: int = 0
    error: str = ""


# --------------------------------------------------------------------------- lock


def claim_source(source_id: int, *, now: datetime | None = None) -> bool:
    """Take the source's poll lock if it is free or stale. True when this caller has it."""
    now = now or timezone.now()
    free = Q(polling_since__isnull=True) | Q(polling_since__lt=now - LOCK_TIMEOUT)
    return Source.objects.filter(free, pk=source_id).update(polling_since=now) == 1


def release_source(source_id: int, *, claimed_at: datetime | None = None) -> None:
    """Give the lock back (only our own claim, when `claimed_at` is given: a poll that
    overran its lock must not free the lock of the worker that took it over)."""
    qs = Source.objects.filter(pk=source_id)
    if claimed_at is not None:
        qs = qs.filter(polling_since=claimed_at)
    qs.update(polling_since=None)


# --------------------------------------------------------------------------- URLs


class SourceURLError(FetchError):
    pass


def _mastodon_parts(url: str) -> tuple[str, str]:
    """(https://host, path) of a Mastodon URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SourceURLError("The Mastodon address is not a valid http(s) URL.")
    return f"{parts.scheme}://{parts.netloc}", parts.path.rstrip("/")


def mastodon_tag_url(url: str) -> str:
    """The public API timeline of a hashtag, from https://host/tags/name (or the API URL
    itself)."""
    base, path = _mastodon_parts(url)
    if "/api/v1/timelines/tag/" in path:
        return url
    tag = path.rsplit("/", 1)[-1].lstrip("#")
    if not tag:
        raise SourceURLError("The Mastodon address names no hashtag (https://host/tags/name).")
    return f"{base}/api/v1/timelines/tag/{quote(tag)}?limit={MASTODON_LIMIT}"


def mastodon_account_url(url: str, settings: FetchSettings) -> str:
    """The public API statuses of an account, from https://host/@name (looked up) or the
    API URL itself."""
    base, path = _mastodon_parts(url)
    if "/api/v1/accounts/" in path:
        return url
    acct = path.rsplit("/", 1)[-1].lstrip("@")
    if not acct:
        raise SourceURLError("The Mastodon address names no account (https://host/@name).")
    found = fetch(f"{base}/api/v1/accounts/lookup?acct={quote(acct)}", settings=settings)
    try:
        account_id = json.loads(found.body)["id"]
    except (ValueError, KeyError, TypeError):
        raise SourceURLError(f"The Mastodon server did not find the account @{acct}.") from None
    return f"{base}/api/v1/accounts/{quote(str(account_id))}/statuses?limit={MASTODON_LIMIT}"


def poll_url(source: Source, settings: FetchSettings) -> str:
    if source.kind == SourceKind.MASTODON_TAG:
        return mastodon_tag_url(source.url)
    if source.kind == SourceKind.MASTODON_ACCOUNT:
        return mastodon_account_url(source.url, settings)
    return source.url


# --------------------------------------------------------------------------- poll

_HEALTH_FIELDS = [
    "etag",
    "last_modified",
    "last_polled_at",
    "last_success_at",
    "last_error",
    "last_error_at",
    "consecutive_failures",
    "next_poll_at",
]


def backoff(interval_minutes: int, failures: int) -> timedelta:
    """Delay before the next poll after `failures` consecutive failures."""
    delay: timedelta = timedelta(minutes=interval_minutes) * (2 ** min(failures, 16))
    return delay if delay < MAX_BACKOFF else MAX_BACKOFF


def _failed(source: Source, message: str, now: datetime) -> PollResult:
    source.last_polled_at = now
    source.last_error = message[:500]
    source.last_error_at = now
    source.consecutive_failures += 1
    source.next_poll_at = now + backoff(source.interval_minutes, source.consecutive_failures)
    source.save(update_fields=_HEALTH_FIELDS)
    return PollResult(ok=False, error=source.last_error)


def _succeeded(source: Source, now: datetime) -> None:
    source.last_polled_at = now
    source.last_success_at = now
    source.last_error = ""
    source.consecutive_failures = 0
    source.next_poll_at = now + timedelta(minutes=source.interval_minutes)
    source.save(update_fields=_HEALTH_FIELDS)


def poll_source(*, source: Source, settings: FetchSettings | None = None) -> PollResult:
    """Fetch, parse and store one source's new mentions; record its health either way.
    The caller holds the source's lock."""
    settings = settings or FetchSettings.from_django()
    if not source.is_polled:
        return PollResult(ok=True)
    try:
        url = poll_url(source, settings)
        result = fetch(
            url,
            etag=source.etag or None,
            last_modified=source.last_modified or None,
            settings=settings,
        )
    except FetchError as exc:
        logger.info("Polling %s failed: %s", source.pk, exc.detail or exc.user_message)
        return _failed(source, exc.user_message, timezone.now())
    now = timezone.now()
    if result.not_modified:
        _succeeded(source, now)
        return PollResult(ok=True, not_modified=True)
    feed = parse_feed(
        result.body,
        content_type=result.content_type,
        base_url=result.url,
        detect_language=DETECT_LANGUAGE,
    )
    if not feed.entries and feed.parser == "none":
        return _failed(source, " ".join(feed.problems) or "The feed could not be read.", now)
    ingested = ingest_entries(source=source, entries=feed.entries)
    # Validators are stored only after the mentions are: a crash in between re-fetches.
    source.etag = (result.etag or "")[:500]
    source.last_modified = (result.last_modified or "")[:100]
    _succeeded(source, now)
    return PollResult(ok=True, created=ingested.created, duplicates=ingested.duplicates)
