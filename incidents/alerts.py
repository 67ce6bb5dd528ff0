"""Alerts of one client from its stored mentions: the pure spike detector
(incidents.detection) replayed over the client's recent history, and its verdicts turned
into Alert rows.

Each run builds 5-minute buckets (volume, negative mentions, largest author reach, matched
high-priority terms) for the last `HISTORY` from the Mention table and feeds them to a
fresh detector, so a run needs no state of its own and a missed run loses nothing: an
alert the detector raised in the last `RECENT` is recorded if it is not already.

Idempotence, and "at most one open alert per kind": an alert the detector raises is
- already known when an alert of that kind covers its window (an open one that reaches as
  far, or an acknowledged, dismissed or escalated one that overlaps it): nothing happens;
- an update of the open alert of that kind when there is one: a continuing surge;
- otherwise a new open alert, whose notifications are queued after commit. Two runs racing
  to open it meet the partial unique constraint; the loser updates instead.
While the detector still sees a volume or negative surge in the latest bucket, the open
alert's window is extended to it (once per new bucket).

A run records its verdicts in one transaction that first locks and reads, by one query,
the alerts that decide them, so it reads as much for one alert as for many; each alert
it opens or updates then costs only its own writes. The alerts it opens are notified
together at the end of that transaction (incidents.notify.alerts_opened), which reads
the team and the webhook endpoints once for all of them.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from clients.models import Client
from incidents.detection.detector import Alert as Detected
from incidents.detection.detector import Bucket, Config, SpikeDetector
from incidents.detection.explain import format_count
from incidents.drill_mentions import drill_sources
from incidents.models import (
    Alert,
    AlertKind,
    AlertStatus,
    Mention,
    MonitoringProfile,
    Sentiment,
    WatchTerm,
)

WIDTH = timedelta(minutes=5)
# A week and a day: the detector's same-time-last-week baseline, and its one-day warm-up.
HISTORY = timedelta(days=8, hours=1)
RECENT = timedelta(hours=1)
MAX_ATTACHED = 500
_EPOCH = datetime(2000, 1, 3, tzinfo=UTC)  # a Monday at midnight: bucket grid origin
_SEVERITY_ORDER = ["", "low", "medium", "high", "critical"]
CONTINUING = " Continuing:"


def _zone(client: Client) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(client.agency.time_zone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _index(moment: datetime) -> int:
    return int((moment - _EPOCH) // WIDTH)


def client_config(client: Client) -> Config:
    profile = MonitoringProfile.objects.filter(client=client).first()
    reach = profile.influencer_reach if profile else MonitoringProfile().influencer_reach
    keywords = frozenset(
        WatchTerm.objects.filter(client=client, enabled=True, high_priority=True).values_list(
            "term", flat=True
        )
    )
    return Config(influencer_reach=reach or None, priority_keywords=keywords)


def _drill_sources(client: Client) -> list[int]:
    """The client's drill replay source: its synthetic mentions never raise an alert, so
    a drill never notifies anybody (incidents.drills)."""
    return list(drill_sources().filter(client=client).values_list("pk", flat=True))


def client_buckets(*, client: Client, since: datetime, until: datetime) -> Iterator[Bucket]:
    """Non-empty buckets of the client's mentions in [since, until), in time order, with
    start times in the agency's time zone (explanations name the local day and hour)."""
    volume: dict[int, int] = {}
    negative: dict[int, int] = {}
    reach: dict[int, int] = {}
    keywords: dict[int, set[str]] = {}
    drill = _drill_sources(client)
    rows = (
        Mention.objects.filter(client=client, published_at__gte=since, published_at__lt=until)
        .exclude(source_id__in=drill)
        .values_list("published_at", "sentiment_label", "author_reach")
    )
    for published, label, author_reach in rows.iterator(chunk_size=5000):
        i = _index(published)
        volume[i] = volume.get(i, 0) + 1
        if label == Sentiment.NEGATIVE:
            negative[i] = negative.get(i, 0) + 1
        if author_reach is not None and author_reach > reach.get(i, -1):
            reach[i] = author_reach
    through = (
        Mention.matched_terms.through.objects.filter(
            mention__client=client,
            mention__published_at__gte=since,
            mention__published_at__lt=until,
            watchterm__high_priority=True,
            watchterm__enabled=True,
        )
        .exclude(mention__source_id__in=drill)
        .values_list("mention__published_at", "watchterm__term")
    )
    for published, term in through:
        keywords.setdefault(_index(published), set()).add(term)
    zone = _zone(client)
    for i in sorted(volume):
        yield Bucket(
            start=(_EPOCH + i * WIDTH).astimezone(zone),
            volume=volume[i],
            negative=negative.get(i, 0),
            width=WIDTH,
            max_reach=reach.get(i),
            keywords=frozenset(keywords.get(i, ())),
        )


def _window_mentions(client: Client, kind: str, alert: Detected | Alert) -> QuerySet[Mention]:
    qs = Mention.objects.filter(
        client=client, published_at__gte=alert.window_start, published_at__lt=alert.window_end
    ).exclude(source_id__in=drill_sources().filter(client=client).values("pk"))
    if kind == AlertKind.NEGATIVE_SURGE:
        qs = qs.filter(sentiment_label=Sentiment.NEGATIVE)
    elif kind == AlertKind.INFLUENCER:
        qs = qs.filter(author_reach__gte=alert.expected)
    elif kind == AlertKind.KEYWORD:
        qs = qs.filter(matched_terms__high_priority=True).distinct()
    return qs


def _attach(alert: Alert, mentions: QuerySet[Mention]) -> None:
    ids = list(mentions.order_by("-published_at").values_list("id", flat=True)[:MAX_ATTACHED])
    if ids:
        alert.mentions.add(*ids)


def _higher(a: str, b: str) -> str:
    order = _SEVERITY_ORDER
    return a if order.index(a if a in order else "") >= order.index(b if b in order else "") else b


def _update(alert: Alert, detected: Detected, now: datetime) -> Alert:
    alert.score = max(alert.score, detected.score)
    alert.severity = _higher(alert.severity, detected.severity.value)
    alert.window_end = detected.window_end
    alert.observed = detected.observed
    alert.expected = detected.expected
    base = alert.explanation.split(CONTINUING, 1)[0]
    alert.explanation = (
        base
        if detected.explanation == base
        else f"{base}{CONTINUING} {detected.explanation[0].lower()}{detected.explanation[1:]}"
    )
    alert.updated_at = now
    alert.update_count += 1
    alert.save()
    return alert


@dataclass
class _Known:
    """The client's alerts that decide what a run's verdicts are, read (and locked) by
    one query: the open alert of each kind, and handled ones a verdict could overlap."""

    open: dict[str, Alert]
    handled: list[Alert]
    # opened by this run: notified together once its verdicts are recorded
    opened: list[Alert] = field(default_factory=list)


def _known(client: Client, kinds: set[str], since: datetime | None) -> _Known:
    """Lock and read, in one query whatever the number of kinds, the alerts of `kinds`
    that are open or (handled) end after `since`."""
    which = Q(status=AlertStatus.OPEN)
    if since is not None:
        which |= Q(window_end__gt=since)
    rows = list(
        Alert.objects.select_for_update()
        .filter(which, client=client, kind__in=kinds)
        .order_by("id")
    )
    return _Known(
        open={a.kind: a for a in rows if a.status == AlertStatus.OPEN},
        handled=[a for a in rows if a.status != AlertStatus.OPEN],
    )


def _record(*, client: Client, detected: Detected, now: datetime, known: _Known) -> Alert | None:
    """One verdict against the alerts `known` (locked by the caller's transaction); an
    alert it opens joins `known.opened`, for the caller to notify."""
    kind = detected.kind.value
    current = known.open.get(kind)
    if current is not None:
        if current.window_end >= detected.window_end:
            return None
        alert = _update(current, detected, now)
        _attach(alert, _window_mentions(client, kind, detected))
        return alert
    if any(a.kind == kind and a.window_end > detected.window_start for a in known.handled):
        return None
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                client=client,
                kind=kind,
                status=AlertStatus.OPEN,
                score=detected.score,
                severity=detected.severity.value,
                explanation=detected.explanation,
                window_start=detected.window_start,
                window_end=detected.window_end,
                observed=detected.observed,
                expected=detected.expected,
                opened_at=now,
                updated_at=now,
            )
    except IntegrityError:
        # Another run opened it a moment ago: this verdict updates it.
        raced = Alert.objects.select_for_update().get(
            client=client, kind=kind, status=AlertStatus.OPEN
        )
        known.open[kind] = raced
        if raced.window_end >= detected.window_end:
            return None
        return _update(raced, detected, now)
    known.open[kind] = alert
    known.opened.append(alert)
    _attach(alert, _window_mentions(client, kind, detected))
    return alert


def record_detected(*, client: Client, detected: Detected, now: datetime) -> Alert | None:
    """Turn one detector verdict into an Alert row (see the module docstring). Returns the
    alert created or updated, or None when it was already known."""
    from incidents.notify import alerts_opened

    with transaction.atomic():
        known = _known(client, {detected.kind.value}, detected.window_start)
        alert = _record(client=client, detected=detected, now=now, known=known)
        alerts_opened(client=client, alerts=known.opened)
        return alert


def _extend(
    *, client: Client, kind: str, bucket_end: datetime, now: datetime, known: _Known
) -> Alert | None:
    """A surge the detector still sees in the latest bucket: stretch the open alert's
    window to it (once per bucket) and recount what it observed."""
    alert = known.open.get(kind)
    if alert is None or alert.window_end >= bucket_end:
        return None
    alert.window_end = bucket_end
    mentions = _window_mentions(client, kind, alert)
    count = mentions.count()
    alert.observed = float(count)
    noun = "negative mentions" if kind == AlertKind.NEGATIVE_SURGE else "mentions"
    zone = _zone(client)
    base = alert.explanation.split(CONTINUING, 1)[0]
    alert.explanation = (
        f"{base}{CONTINUING} {format_count(count)} {noun} from "
        f"{alert.window_start.astimezone(zone):%H:%M} to {bucket_end.astimezone(zone):%H:%M}."
    )
    alert.updated_at = now
    alert.update_count += 1
    alert.save()
    _attach(alert, mentions)
    return alert


def detect_for_client(*, client: Client, now: datetime | None = None) -> list[Alert]:
    """Run the detector over the client's recent mentions; record what it raises.
    Returns the alerts created or updated by this run."""
    from incidents.notify import alerts_opened

    now = now or timezone.now()
    config = client_config(client)
    detector = SpikeDetector(config)
    raised: list[Detected] = []
    last_end: datetime | None = None
    for bucket in client_buckets(client=client, since=now - HISTORY, until=now):
        raised.extend(detector.observe(bucket))
        last_end = bucket.start + bucket.width
    if last_end is None:
        return []
    latest: dict[str, Detected] = {}
    for detected in raised:
        if detected.window_end > now - RECENT:
            latest[detected.kind.value] = detected  # the last of each kind wins
    # Surges still going on in the latest bucket (only when that bucket is recent).
    going_on = [
        kind.value
        for kind in (AlertKind.VOLUME_SPIKE, AlertKind.NEGATIVE_SURGE)
        if last_end > now - WIDTH and kind.value in detector.active
    ]
    if not latest and not going_on:
        return []
    touched: list[Alert] = []
    since = min((d.window_start for d in latest.values()), default=None)
    with transaction.atomic():
        known = _known(client, {*latest, *going_on}, since)
        for detected in latest.values():
            alert = _record(client=client, detected=detected, now=now, known=known)
            if alert is not None:
                touched.append(alert)
        for kind_value in going_on:
            extended = _extend(
                client=client, kind=kind_value, bucket_end=last_end, now=now, known=known
            )
            if extended is not None:
                touched.append(extended)
        alerts_opened(client=client, alerts=known.opened)
    return touched
