"""Poll one source: conditional GET, parse, ingest, and the source's health.

The per-source lock is the `polling_since` column, taken by a compare-and-set
(`claim_source`): one UPDATE that succeeds only when the source is free or its lock is
older than `LOCK_TIMEOUT` (the worker that held it died), so a source is never polled
twice at once, by any number of workers. `LOCK_TIMEOUT` is longer than the poll task's
hard time limit, so a live poll never loses its lock. The poll gives the lock back in the
same UPDATE that records its health (and, for a fresh feed, in the transaction that
stores its mentions), so an unchanged feed costs one claim, one conditional GET and one
write.

Failures back off exponentially: the next poll is `interval × 2^failures` later, at most
a day; the first success resets it. The error is kept as a sentence for the UI.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from django.db import connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from incidents.ingest import prepare_entries, store_batch
from incidents.models import Mention, Source, SourceKind
from incidents.monitoring.fetch import FetchError, FetchSettings, HTTPStatusError, fetch
from incidents.monitoring.parse import parse_feed

logger = logging.getLogger(__name__)

LOCK_TIMEOUT = timedelta(minutes=10)
MAX_BACKOFF = timedelta(hours=24)
MASTODON_LIMIT = 40
# A kept Mastodon account id whose statuses answer one of these is looked up again.
ACCOUNT_GONE_STATUSES = frozenset({404, 410})
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
    # Whether the poll gave the caller's lock back itself (see poll_source's claimed_at).
    lock_released: bool = False


# --------------------------------------------------------------------------- lock


# The lock and health statements run on every poll, twice for a feed that has not changed,
# and are written in SQL: measured with bench.ingest, compiling the equivalent ORM
# UPDATE took about five times as long as the database took to run it. Identifiers come
# from the model and are quoted; every value is a parameter.


def _table_and_columns(connection: BaseDatabaseWrapper) -> tuple[str, Callable[[str], str]]:
    quote = connection.ops.quote_name
    return quote(Source._meta.db_table), quote


def _connection() -> BaseDatabaseWrapper:
    return connections[router.db_for_write(Source)]


def claim_source(source_id: int, *, now: datetime | None = None) -> bool:
    """Take the source's poll lock if it is free or stale. True when this caller has it."""
    now = now or timezone.now()
    connection = _connection()
    table, q = _table_and_columns(connection)
    since = q("polling_since")
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {since} = %s "  # noqa: S608
            f"WHERE {q('id')} = %s AND ({since} IS NULL OR {since} < %s)",
            [adapt(now), source_id, adapt(now - LOCK_TIMEOUT)],
        )
        return bool(cursor.rowcount == 1)


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


# Account ids are numbers on Mastodon and base62 flake ids on Pleroma/Akkoma; whatever the
# server answers is kept only if it looks like one (it becomes part of a URL path).
MASTODON_ACCOUNT_ID = re.compile(r"[0-9A-Za-z]{1,100}")


def mastodon_account_id(url: str, settings: FetchSettings) -> str:
    """Look up the id of the account of https://host/@name (one request)."""
    base, path = _mastodon_parts(url)
    acct = path.rsplit("/", 1)[-1].lstrip("@")
    if not acct:
        raise SourceURLError("The Mastodon address names no account (https://host/@name).")
    found = fetch(f"{base}/api/v1/accounts/lookup?acct={quote(acct)}", settings=settings)
    try:
        account_id = json.loads(found.body)["id"]
    except (ValueError, KeyError, TypeError):
        raise SourceURLError(f"The Mastodon server did not find the account @{acct}.") from None
    usable = isinstance(account_id, str | int) and not isinstance(account_id, bool)
    if not usable or not MASTODON_ACCOUNT_ID.fullmatch(str(account_id)):
        raise SourceURLError(f"The Mastodon server answered an unusable id for @{acct}.")
    return str(account_id)


def mastodon_account_url(url: str, settings: FetchSettings, *, account_id: str = "") -> str:
    """The public API statuses of an account, from https://host/@name (looked up unless
    its `account_id` is known) or the API URL itself."""
    base, path = _mastodon_parts(url)
    if "/api/v1/accounts/" in path:
        return url
    account_id = account_id or mastodon_account_id(url, settings)
    return f"{base}/api/v1/accounts/{quote(account_id)}/statuses?limit={MASTODON_LIMIT}"


def _needs_account_lookup(source: Source) -> bool:
    return (
        source.kind == SourceKind.MASTODON_ACCOUNT
        and not source.mastodon_account_id
        and "/api/v1/accounts/" not in urlsplit(source.url).path
    )


def _remember_account_id(source: Source, account_id: str) -> None:
    """Keep a looked-up account id for the next polls - unless the source's address was
    changed meanwhile (the id would be the old account's)."""
    Source.objects.filter(pk=source.pk, kind=source.kind, url=source.url).update(
        mastodon_account_id=account_id
    )
    source.mastodon_account_id = account_id


def _forget_account_id(source: Source) -> None:
    """The statuses of the kept account id are gone (account deleted, suspended or
    moved): the next poll looks the account up again."""
    Source.objects.filter(pk=source.pk, mastodon_account_id=source.mastodon_account_id).update(
        mastodon_account_id=""
    )
    source.mastodon_account_id = ""


def poll_url(source: Source, settings: FetchSettings) -> str:
    """The URL to GET for a source. A Mastodon account's id is looked up at its first poll
    and kept on the source, so later polls are one request."""
    if source.kind == SourceKind.MASTODON_TAG:
        return mastodon_tag_url(source.url)
    if source.kind == SourceKind.MASTODON_ACCOUNT:
        if _needs_account_lookup(source):
            _remember_account_id(source, mastodon_account_id(source.url, settings))
        return mastodon_account_url(source.url, settings, account_id=source.mastodon_account_id)
    return source.url


# --------------------------------------------------------------------------- poll


def backoff(interval_minutes: int, failures: int) -> timedelta:
    """Delay before the next poll after `failures` consecutive failures."""
    delay: timedelta = timedelta(minutes=interval_minutes) * (2 ** min(failures, 16))
    return delay if delay < MAX_BACKOFF else MAX_BACKOFF


def _record_health(
    source: Source,
    *,
    now: datetime,
    error: str | None = None,
    created: int = 0,
    validators: tuple[str, str] | None = None,
    claimed_at: datetime | None = None,
) -> bool:
    """Write the outcome of a poll (success unless `error`) in one UPDATE, which also adds
    `created` to the mention count, stores new validators and - when `claimed_at` is the
    caller's lock - gives the lock back (only if it still is ours: a poll that overran its
    lock must not free the lock of the worker that took it over). The in-memory source
    follows. True when the lock was handled here."""
    source.last_polled_at = now
    if error is None:
        source.last_success_at = now
        source.last_error = ""
        source.consecutive_failures = 0
        source.next_poll_at = now + timedelta(minutes=source.interval_minutes)
    else:
        source.last_error = error[:500]
        source.last_error_at = now
        source.consecutive_failures += 1
        source.next_poll_at = now + backoff(source.interval_minutes, source.consecutive_failures)
    if validators is not None:
        source.etag, source.last_modified = validators
    connection = _connection()
    table, q = _table_and_columns(connection)
    adapt = connection.ops.adapt_datetimefield_value
    assignments = [
        f"{q('etag')} = %s",
        f"{q('last_modified')} = %s",
        f"{q('last_polled_at')} = %s",
        f"{q('last_success_at')} = %s",
        f"{q('last_error')} = %s",
        f"{q('last_error_at')} = %s",
        f"{q('consecutive_failures')} = %s",
        f"{q('next_poll_at')} = %s",
        f"{q('mention_count')} = {q('mention_count')} + %s",
    ]
    params: list[Any] = [
        source.etag,
        source.last_modified,
        adapt(now),
        adapt(source.last_success_at),
        source.last_error,
        adapt(source.last_error_at),
        source.consecutive_failures,
        adapt(source.next_poll_at),
        created,
    ]
    if claimed_at is not None:
        since = q("polling_since")
        assignments.append(f"{since} = CASE WHEN {since} = %s THEN NULL ELSE {since} END")
        params.append(adapt(claimed_at))
    params.append(source.pk)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {', '.join(assignments)} WHERE {q('id')} = %s",  # noqa: S608
            params,
        )
    source.mention_count += created
    return claimed_at is not None


def _failed(source: Source, message: str, now: datetime, claimed_at: datetime | None) -> PollResult:
    released = _record_health(source, now=now, error=message, claimed_at=claimed_at)
    return PollResult(ok=False, error=source.last_error, lock_released=released)


def poll_source(
    *,
    source: Source,
    settings: FetchSettings | None = None,
    claimed_at: datetime | None = None,
) -> PollResult:
    """Fetch, parse and store one source's new mentions; record its health either way.

    The caller holds the source's lock. Given `claimed_at` (the time it claimed it with),
    the health update gives the lock back in the same statement (`lock_released` in the
    result), so a poll costs one write after the claim; otherwise releasing is the
    caller's. Mentions, their count, the health and the validators are committed
    together: a crash before that commit re-fetches and stores everything next time."""
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
        if (
            source.mastodon_account_id
            and isinstance(exc, HTTPStatusError)
            and exc.status in ACCOUNT_GONE_STATUSES
        ):
            _forget_account_id(source)
        return _failed(source, exc.user_message, timezone.now(), claimed_at)
    now = timezone.now()
    if result.not_modified:
        released = _record_health(source, now=now, claimed_at=claimed_at)
        return PollResult(ok=True, not_modified=True, lock_released=released)
    feed = parse_feed(
        result.body,
        content_type=result.content_type,
        base_url=result.url,
        detect_language=DETECT_LANGUAGE,
    )
    if not feed.entries and feed.parser == "none":
        message = " ".join(feed.problems) or "The feed could not be read."
        return _failed(source, message, now, claimed_at)
    # Matching and scoring happen before the transaction, which holds only the writes.
    batch = prepare_entries(source=source, entries=feed.entries)
    validators = ((result.etag or "")[:500], (result.last_modified or "")[:100])
    with transaction.atomic(using=router.db_for_write(Mention)):
        created = store_batch(batch)
        released = _record_health(
            source, now=now, created=created, validators=validators, claimed_at=claimed_at
        )
    return PollResult(
        ok=True,
        created=created,
        duplicates=batch.received - created,
        lock_released=released,
    )
