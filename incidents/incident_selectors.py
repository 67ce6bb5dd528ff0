"""Reads of the war room: the timeline's pages, the crisis team, tasks, statements and
stakeholder contacts, response-time metrics against their targets, and the assessment
panel (guide II.B, II.C). Each function runs a fixed number of queries, whatever the
number of mentions or entries, so the page stays fast in a big crisis."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, F, Max, Min, Q, QuerySet, Sum
from django.utils import timezone

from incidents.drill_mentions import drill_q, real_mentions
from incidents.models import (
    EntryKind,
    Incident,
    IncidentRole,
    IncidentTask,
    Mention,
    ResponseStatus,
    Sentiment,
    StakeholderNotification,
    Statement,
    StatementStatus,
    TimelineEntry,
)
from incidents.targets import targets_for
from portal.durations import format_duration, format_measured

BASELINE = timedelta(weeks=4)
TOP = 5
PAGE_ENTRIES = 50
NOTIFICATIONS_SHOWN = 100


# -- the timeline, the crisis team and tasks ------------------------------------------------


def entries_of(incident: Incident, kind: str) -> QuerySet[TimelineEntry]:
    """The incident's entries (of one type, when `kind` is one), with their authors."""
    entries = TimelineEntry.objects.filter(incident=incident).select_related("author", "corrects")
    if kind in EntryKind.values:
        entries = entries.filter(kind=kind)
    return entries


def _anchor(incident: Incident, public_id: str) -> dict[str, Any] | None:
    """The time and id of an entry of the incident named in a page's query string."""
    try:
        found = (
            TimelineEntry.objects.filter(incident=incident, public_id=public_id)
            .values("created_at", "id")
            .first()
        )
    except ValidationError:  # not a UUID: as if no anchor were given
        return None
    return dict(found) if found is not None else None


def _beyond(
    entries: QuerySet[TimelineEntry], incident: Incident, public_id: str, *, later: bool
) -> QuerySet[TimelineEntry]:
    """The entries after (`later`) or before the entry `public_id`, in the timeline's own
    order (time, then id) as the page shows it; all of them when it names no entry."""
    anchor = _anchor(incident, public_id) if public_id else None
    if anchor is None:
        return entries
    at, pk = anchor["created_at"], anchor["id"]
    if later:
        return entries.filter(Q(created_at__gt=at) | Q(created_at=at, id__gt=pk))
    return entries.filter(Q(created_at__lt=at) | Q(created_at=at, id__lt=pk))


def entries_before(
    incident: Incident, kind: str, before: str
) -> tuple[list[TimelineEntry], TimelineEntry | None]:
    """The latest `PAGE_ENTRIES` entries (before the entry `before`, when given), oldest
    first, and the oldest of them when there are earlier ones still (two queries)."""
    entries = entries_of(incident, kind).order_by("-created_at", "-id")
    entries = _beyond(entries, incident, before, later=False)
    latest = list(entries[: PAGE_ENTRIES + 1])
    shown = labelled(list(reversed(latest[:PAGE_ENTRIES])))
    earlier = shown[0] if len(latest) > PAGE_ENTRIES and shown else None
    return shown, earlier


def entries_after(incident: Incident, kind: str, after: str) -> list[TimelineEntry]:
    """Up to `PAGE_ENTRIES` entries after the entry `after` (from the first, when it is
    not one of the incident's), oldest first (two queries)."""
    entries = entries_of(incident, kind).order_by("created_at", "id")
    entries = _beyond(entries, incident, after, later=True)
    return labelled(list(entries[:PAGE_ENTRIES]))


KIND_LABELS = dict(EntryKind.choices)


def labelled(entries: list[TimelineEntry]) -> list[TimelineEntry]:
    """Give each entry its type's label once (get_kind_display rebuilds the choices
    on every call, which adds up over a page of entries)."""
    for entry in entries:
        entry.kind_label = KIND_LABELS.get(entry.kind, entry.kind)  # type: ignore[attr-defined]
    return entries


def entry_counts(incident: Incident) -> dict[str, int]:
    """How many entries of each type the timeline has (one aggregate)."""
    return dict(
        TimelineEntry.objects.filter(incident=incident)
        .values_list("kind")
        .annotate(n=Count("pk"))
        .order_by()
    )


def statement_counts(incident: Incident) -> tuple[dict[str, int], datetime | None]:
    """How many statements of each status the incident has, and when the first one went
    out (the same query, so the metrics need not ask again: see with_first_statement)."""
    by_status = list(
        Statement.objects.filter(incident=incident)
        .values_list("status")
        .annotate(n=Count("pk"), first=Min("published_at"))
        .order_by()
    )
    counts = {status: n for status, n, _first in by_status}
    first = next(
        (first for status, _n, first in by_status if status == StatementStatus.PUBLISHED),
        None,
    )
    return counts, first


def notifications_of(incident: Incident) -> list[StakeholderNotification]:
    """The incident's stakeholder contacts (the first `NOTIFICATIONS_SHOWN`)."""
    return list(
        StakeholderNotification.objects.filter(incident=incident).select_related(
            "contact", "notified_by"
        )[:NOTIFICATIONS_SHOWN]
    )


def tasks_of(incident: Incident) -> list[IncidentTask]:
    return list(
        IncidentTask.objects.filter(incident=incident).select_related("assignee", "done_by")
    )


def roles_of(incident: Incident) -> list[IncidentRole]:
    return list(IncidentRole.objects.filter(incident=incident).select_related("person"))


# -- metrics and assessment -----------------------------------------------------------------


def median_duration(values: list[timedelta]) -> timedelta | None:
    """The median of some durations (halfway between the two middle ones for an even
    number); None for none. statistics.median would do, but is typed for numbers only."""
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


@dataclass(frozen=True)
class Metric:
    label: str
    value: timedelta | None  # None: the milestone has not happened yet
    target: timedelta
    elapsed: timedelta | None = None  # so far, while the milestone is pending

    @property
    def value_label(self) -> str:
        if self.value is None and self.elapsed is not None:
            return f"pending ({format_duration(self.elapsed)} so far)"
        return format_measured(self.value)

    @property
    def target_label(self) -> str:
        return format_duration(self.target)

    @property
    def met(self) -> bool | None:
        if self.value is not None:
            return self.value <= self.target
        if self.elapsed is not None and self.elapsed > self.target:
            return False  # already late
        return None


def _span(start: datetime | None, end: datetime | None) -> timedelta | None:
    if start is None or end is None:
        return None
    return max(end - start, timedelta(0))


def with_first_statement(incidents: QuerySet[Incident]) -> QuerySet[Incident]:
    """Incidents annotated with their first published statement, so the metrics of many
    incidents need no query each."""
    return incidents.annotate(
        first_published=Min(
            "statements__published_at",
            filter=Q(statements__status=StatementStatus.PUBLISHED),
        )
    )


def first_statement_at(incident: Incident) -> datetime | None:
    """When the first statement went public (the field, else the statements: from the
    `with_first_statement` annotation when there is one)."""
    if incident.first_statement_at is not None:
        return incident.first_statement_at
    if hasattr(incident, "first_published"):
        annotated: datetime | None = incident.first_published
        return annotated
    value: datetime | None = Statement.objects.filter(
        incident=incident, status=StatementStatus.PUBLISHED
    ).aggregate(first=Min("published_at"))["first"]
    return value


def incident_metrics(incident: Incident, *, now: datetime | None = None) -> list[Metric]:
    """Time to detect, acknowledge, hold and resolve, each against the target of the
    incident's plan revision (at most two queries: select_related("plan_revision")
    saves one)."""
    now = now or timezone.now()
    targets = targets_for(incident.severity, incident.plan_revision)
    start = incident.detected_at
    pending = _span(start, now)
    held = first_statement_at(incident)
    return [
        Metric("Time to detect", _span(incident.first_mention_at, start), targets.detect),
        Metric(
            "Time to acknowledge",
            _span(start, incident.acknowledged_at),
            targets.acknowledge,
            pending,
        ),
        Metric("Time to first statement", _span(start, held), targets.hold, pending),
        Metric("Time to resolution", _span(start, incident.resolved_at), targets.resolve, pending),
    ]


@dataclass(frozen=True)
class Ranked:
    name: str
    reach: int
    mentions: int


@dataclass
class Assessment:
    since: datetime
    until: datetime
    volume: int
    negative: int
    usual_volume: float  # mentions in a window of the same length, on average
    usual_negative_share: float | None
    top_sources: list[Ranked] = field(default_factory=list)
    top_authors: list[Ranked] = field(default_factory=list)
    explanation: str = ""
    unanswered_negative: int = 0
    median_first_response: timedelta | None = None

    @property
    def negative_share(self) -> float | None:
        return self.negative / self.volume if self.volume else None

    @property
    def median_first_response_label(self) -> str:
        return format_duration(self.median_first_response)

    @property
    def volume_ratio(self) -> float | None:
        return self.volume / self.usual_volume if self.usual_volume else None


def assessment(incident: Incident, *, now: datetime | None = None) -> Assessment:
    """Mention volume and negative share since the incident started (the alert's window
    start when it came from an alert) against the client's usual over the previous four
    weeks, top sources and authors by reach, and how the individual responses go.
    Five queries."""
    now = now or timezone.now()
    since = incident.opened_at
    if incident.alert is not None:
        since = min(since, incident.alert.window_start)
    until = incident.closed_at or now
    length = max(until - since, timedelta(minutes=5))
    before = since - BASELINE
    negative = Q(sentiment_label=Sentiment.NEGATIVE)
    during = Q(published_at__gte=since, published_at__lt=until)
    baseline = Q(published_at__gte=before, published_at__lt=since)
    client_mentions: QuerySet[Mention] = Mention.objects.filter(client_id=incident.client_id)
    # A drill's replayed mentions count in its own assessment only: never in a real
    # incident's, nor in anybody's usual.
    if incident.is_drill:
        baseline &= ~drill_q()
    else:
        client_mentions = real_mentions(client_mentions)
    counts = client_mentions.aggregate(
        volume=Count("pk", filter=during),
        negative=Count("pk", filter=during & negative),
        before=Count("pk", filter=baseline),
        before_negative=Count("pk", filter=baseline & negative),
    )
    windows = BASELINE / length
    usual_share = counts["before_negative"] / counts["before"] if counts["before"] else None
    sources = (
        client_mentions.filter(during)
        .values("source__name")
        .annotate(reach=Sum("author_reach"), n=Count("pk"))
        .order_by(F("reach").desc(nulls_last=True), "-n")[:TOP]
    )
    authors = (
        client_mentions.filter(during)
        .exclude(author="")
        .values("author")
        .annotate(reach=Max("author_reach"), n=Count("pk"))
        .order_by(F("reach").desc(nulls_last=True), "-n")[:TOP]
    )
    answered = Q(responses__status__in=[ResponseStatus.SENT, ResponseStatus.NO_RESPONSE])
    unanswered = (
        incident.mentions.filter(negative).exclude(answered).values("pk").distinct().count()
    )
    firsts = (
        incident.mentions.filter(responses__status=ResponseStatus.SENT)
        .values("pk", "published_at")
        .annotate(first=Min("responses__sent_at"))
    )
    waits = [
        max(row["first"] - row["published_at"], timedelta(0))
        for row in firsts
        if row["first"] is not None
    ]
    return Assessment(
        since=since,
        until=until,
        volume=counts["volume"],
        negative=counts["negative"],
        usual_volume=counts["before"] / windows if windows else 0.0,
        usual_negative_share=usual_share,
        top_sources=[Ranked(r["source__name"], r["reach"] or 0, r["n"]) for r in sources],
        top_authors=[Ranked(r["author"], r["reach"] or 0, r["n"]) for r in authors],
        explanation=incident.alert.explanation if incident.alert is not None else "",
        unanswered_negative=unanswered,
        median_first_response=median_duration(waits),
    )
