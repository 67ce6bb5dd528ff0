"""Small builders of monitoring records for the UI tests (no mocks: real rows)."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count
from typing import Any

from django.utils import timezone

from clients.models import Client
from incidents.models import Alert, AlertKind, Mention, Source, WatchTerm

_seq = count(1)


def a_source(client: Client, **fields: Any) -> Source:
    n = next(_seq)
    fields.setdefault("name", f"Feed {n}")
    fields.setdefault("url", f"https://news{n}.example/feed")
    return Source.objects.create(client=client, **fields)


def a_term(client: Client, term: str = "Acme", **fields: Any) -> WatchTerm:
    return WatchTerm.objects.create(client=client, term=term, **fields)


def a_mention(
    client: Client,
    source: Source | None = None,
    *,
    text: str = "Acme is great",
    published_at: datetime | None = None,
    terms: tuple[WatchTerm, ...] = (),
    **fields: Any,
) -> Mention:
    source = source or a_source(client)
    mention = Mention.objects.create(
        client=client,
        source=source,
        external_id=f"m-{next(_seq)}",
        text=text,
        published_at=published_at or timezone.now() - timedelta(minutes=5),
        **fields,
    )
    if terms:
        mention.matched_terms.set(terms)
    return mention


def an_alert(client: Client, kind: str = AlertKind.VOLUME_SPIKE, **fields: Any) -> Alert:
    now = timezone.now()
    fields.setdefault("explanation", "Mentions tripled in the last hour (45 against about 15).")
    return Alert.objects.create(
        client=client,
        kind=kind,
        window_start=now - timedelta(hours=1),
        window_end=now,
        **fields,
    )
