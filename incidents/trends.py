"""Trends across incidents (guide V.A, V.B), for one client or a whole agency: how many
incidents of each severity opened month by month, how fast the team responded (the
medians of the war room's own metrics, `incident_metrics`, against the plan's targets),
and the post-mortems' action items still open.

Every function takes querysets the caller has already limited with `.within(scope)`, so
scoping stays in one place. Drills are left out: they are exercises, not crises. The
whole page costs a fixed number of queries: one for the incidents of the period (with
their plan revision and first published statement), one for the open action items and
one for their count.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

from django.db.models import F, QuerySet
from django.utils import timezone

from incidents.incident_selectors import (
    Metric,
    incident_metrics,
    median_duration,
    with_first_statement,
)
from incidents.models import ACTION_ITEM_OPEN_STATUSES, ActionItem, Incident
from portal.durations import format_duration

PERIODS = {6: "Last 6 months", 12: "Last 12 months", 24: "Last 24 months"}
DEFAULT_MONTHS = 12
SEVERITIES = (1, 2, 3, 4)
ACTION_ITEMS_SHOWN = 50
# The war room's milestones, by the labels incident_metrics gives them.
FIRST_STATEMENT = "Time to first statement"
MILESTONES = (
    "Time to detect",
    "Time to acknowledge",
    FIRST_STATEMENT,
    "Time to resolution",
)


def month_starts(months: int, *, now: datetime, tz: tzinfo) -> list[datetime]:
    """The first instants of the last `months` local months, oldest first, the current
    month last."""
    local = now.astimezone(tz)
    year, month = local.year, local.month
    starts = []
    for _ in range(months):
        starts.append(datetime(year, month, 1, tzinfo=tz))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(starts))


@dataclass(frozen=True)
class MilestoneSummary:
    """One milestone across the incidents: its median and how often the target was met."""

    label: str
    median: timedelta | None
    measured: int  # incidents that reached the milestone
    met: int
    judged: int  # incidents with a verdict (reached it, or already late)

    @property
    def median_label(self) -> str:
        return format_duration(self.median)

    @property
    def met_share(self) -> float | None:
        return self.met / self.judged if self.judged else None


@dataclass(frozen=True)
class MonthRow:
    start: datetime
    by_severity: tuple[int, int, int, int]
    medians: dict[str, timedelta | None]

    @property
    def total(self) -> int:
        return sum(self.by_severity)


@dataclass(frozen=True)
class ClientRow:
    """Per client, on the agency page."""

    name: str
    public_id: str
    incidents: int
    open: int
    median_first_statement: timedelta | None

    @property
    def median_first_statement_label(self) -> str:
        return format_duration(self.median_first_statement)


@dataclass
class Trends:
    months: list[MonthRow]
    milestones: list[MilestoneSummary]
    by_severity: dict[int, int]
    total: int
    open_now: int
    clients: list[ClientRow] = field(default_factory=list)


def _summaries(rows: list[list[Metric]]) -> list[MilestoneSummary]:
    summaries = []
    for label in MILESTONES:
        metrics = [m for row in rows for m in row if m.label == label]
        values = [m.value for m in metrics if m.value is not None]
        verdicts = [m.met for m in metrics if m.met is not None]
        summaries.append(
            MilestoneSummary(
                label=label,
                median=median_duration(values),
                measured=len(values),
                met=sum(1 for v in verdicts if v),
                judged=len(verdicts),
            )
        )
    return summaries


def trends(
    incidents: QuerySet[Incident],
    *,
    months: int,
    tz: tzinfo,
    now: datetime | None = None,
    per_client: bool = False,
) -> Trends:
    """The trends of `incidents` (already scoped) over the last `months` local months."""
    now = now or timezone.now()
    starts = month_starts(months, now=now, tz=tz)
    rows = list(
        with_first_statement(
            incidents.filter(is_drill=False, opened_at__gte=starts[0], opened_at__lte=now)
        )
        .select_related("plan_revision", "client")
        .order_by("opened_at", "id")
    )
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    month_metrics: dict[int, list[list[Metric]]] = defaultdict(list)
    all_metrics: list[list[Metric]] = []
    clients: dict[int, list[Incident]] = defaultdict(list)
    client_metrics: dict[int, list[list[Metric]]] = defaultdict(list)
    for incident in rows:
        local = incident.opened_at.astimezone(tz)
        index = (local.year - starts[0].year) * 12 + local.month - starts[0].month
        index = min(max(index, 0), months - 1)
        if incident.severity in SEVERITIES:
            counts[index][incident.severity - 1] += 1
        metrics = incident_metrics(incident, now=now)
        month_metrics[index].append(metrics)
        all_metrics.append(metrics)
        clients[incident.client_id].append(incident)
        client_metrics[incident.client_id].append(metrics)
    month_rows = []
    for i, start in enumerate(starts):
        c = counts[i]
        medians = {s.label: s.median for s in _summaries(month_metrics[i])}
        month_rows.append(MonthRow(start, (c[0], c[1], c[2], c[3]), medians))
    by_severity = {s: sum(counts[i][s - 1] for i in range(months)) for s in SEVERITIES}
    client_rows = []
    if per_client:
        for client_id, found in clients.items():
            first = next(
                s for s in _summaries(client_metrics[client_id]) if s.label == FIRST_STATEMENT
            )
            client_rows.append(
                ClientRow(
                    name=found[0].client.name,
                    public_id=str(found[0].client.public_id),
                    incidents=len(found),
                    open=sum(1 for i in found if i.resolved_at is None),
                    median_first_statement=first.median,
                )
            )
        client_rows.sort(key=lambda r: (-r.incidents, r.name))
    return Trends(
        months=month_rows,
        milestones=_summaries(all_metrics),
        by_severity=by_severity,
        total=len(rows),
        open_now=sum(1 for i in rows if i.resolved_at is None),
        clients=client_rows,
    )


def open_action_items(items: QuerySet[ActionItem]) -> QuerySet[ActionItem]:
    """The post-mortems' action items still open (already scoped), soonest due first,
    those without a due date last; drills' left out."""
    return (
        items.filter(status__in=ACTION_ITEM_OPEN_STATUSES, postmortem__incident__is_drill=False)
        .select_related("owner", "postmortem__incident__client")
        .order_by(F("due_date").asc(nulls_last=True), "created_at", "id")
    )
