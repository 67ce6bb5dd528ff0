"""Post-mortems (guide IV.C, V.A): writing the review of a resolved incident, and the
figures it is built on.

Writes: `postmortem_create`, `postmortem_update`, `postmortem_finalise`,
`postmortem_reopen`, `postmortem_set_shared` (refusals raise `PostMortemError`, whose
message is meant for the person who clicked). Each but `postmortem_update` (the text,
saved often) writes an internal timeline entry on the incident, also when the incident
is already closed: the review is part of its story.

Reads: `postmortem_metrics(incident)` computes everything from the recorded data and
returns a plain `PostMortemMetrics`, which the post-mortem page and the PDF report both
render; `postmortem_charts(metrics, tz=...)` turns it into the two SVG charts (the same
markup on the page and in the PDF). Nothing here is stored: the figures cannot drift
from the timeline, the mentions and the statements they come from.

The windows. "During" runs from the start of the incident (the earliest of its first
mention, the alert's window and its detection) to its resolution (else its closing,
else now). "Before" and "after" are windows of the same length (at least an hour)
just before and just after it, so the three volumes compare like with like. An "after"
window that reaches into the future is cut at now and marked incomplete.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from incidents.drill_mentions import real_mentions
from incidents.incident_selectors import (
    Metric,
    incident_metrics,
    median_duration,
)
from incidents.incident_services import add_system_entry, locked_incident
from incidents.models import (
    EntryKind,
    Incident,
    IncidentStatus,
    IncidentTask,
    Mention,
    PostMortem,
    PostMortemStatus,
    ResponseStatus,
    Sentiment,
    StakeholderNotification,
    Statement,
    StatementStatus,
    Visibility,
)
from portal.charts.timeseries import Bucket
from portal.durations import format_duration, format_measured

if TYPE_CHECKING:
    from portal.models import User

MIN_WINDOW = timedelta(hours=1)
MAX_CHART_BUCKETS = 90
# Widths a chart bucket may have; the smallest that keeps the chart under
# MAX_CHART_BUCKETS bars across the three windows is used.
BUCKET_WIDTHS = [
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(minutes=30),
    timedelta(hours=1),
    timedelta(hours=2),
    timedelta(hours=3),
    timedelta(hours=6),
    timedelta(hours=12),
    timedelta(days=1),
    timedelta(days=2),
    timedelta(days=7),
]
# Response-time buckets: (label, upper bound exclusive; None = no bound).
RESPONSE_BUCKETS: list[tuple[str, timedelta | None]] = [
    ("under 15 min", timedelta(minutes=15)),
    ("15 min – 1 h", timedelta(hours=1)),
    ("1 – 4 h", timedelta(hours=4)),
    ("4 – 24 h", timedelta(hours=24)),
    ("over 24 h", None),
]
SECTIONS = {
    "summary": "executive summary",
    "impact": "impact",
    "went_well": "what went well",
    "went_badly": "what did not go well",
    "root_causes": "root causes",
    "lessons": "lessons learned",
}
TEXT_FIELDS = list(SECTIONS)
MAX_TEXT = 20_000
REVIEWABLE = (IncidentStatus.RESOLVED, IncidentStatus.CLOSED)


class PostMortemError(Exception):
    """A refusal with a message meant for the person who acted."""


# -- the figures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """Mentions of the client in one window (all of the client's mentions, not only the
    ones attached to the incident: the brand's whole conversation)."""

    label: str  # "Before", "During", "After"
    start: datetime
    end: datetime
    volume: int
    negative: int
    neutral: int
    positive: int
    mean_sentiment: float | None  # average VADER compound (-1 … 1); None without mentions
    complete: bool = True  # False: an "after" window cut short at now

    @property
    def negative_share(self) -> float | None:
        return self.negative / self.volume if self.volume else None

    @property
    def positive_share(self) -> float | None:
        return self.positive / self.volume if self.volume else None

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600


@dataclass(frozen=True)
class ResponseTimes:
    """How the negative mentions of the incident (attached to it, or answered in its
    name) were answered. Response time = first reply sent − mention published."""

    negative: int  # negative mentions of the incident
    answered: int  # of which replied to, or marked "no response needed"
    replied: int  # of which with a reply sent (these have a response time)
    median: timedelta | None  # the middle one (the mean of the two middle ones)
    p90: timedelta | None  # nearest-rank 90th percentile
    buckets: list[tuple[str, int]]  # RESPONSE_BUCKETS labels with their counts

    @property
    def unanswered(self) -> int:
        return self.negative - self.answered

    @property
    def median_label(self) -> str:
        return format_duration(self.median)

    @property
    def p90_label(self) -> str:
        return format_duration(self.p90)


@dataclass(frozen=True)
class TaskShortfall:
    """A task of the incident that was done after its due time, or never done."""

    title: str
    owner: str  # the assignee's name, else the owner role, else ""
    due_at: datetime | None
    done_at: datetime | None  # None: not done

    @property
    def late_by(self) -> timedelta | None:
        if self.done_at is None or self.due_at is None:
            return None
        return self.done_at - self.due_at

    @property
    def late_by_label(self) -> str:
        return format_measured(self.late_by)


@dataclass(frozen=True)
class ReviewMetric(Metric):
    """A response-time metric as a review reads it, after the incident: a milestone that
    did not happen is "never" (not "pending"), an unknown start "not recorded"."""

    @property
    def value_label(self) -> str:
        if self.value is not None:
            return format_measured(self.value)
        return "never" if self.elapsed is not None else "not recorded"


def _review(metric: Metric) -> ReviewMetric:
    return ReviewMetric(metric.label, metric.value, metric.target, metric.elapsed)


@dataclass(frozen=True)
class PublishedStatement:
    channel: str  # display label, e.g. "X / Twitter"
    is_holding: bool
    published_at: datetime
    after_start: timedelta  # how long after the incident started


@dataclass
class PostMortemMetrics:
    """Everything the post-mortem page and the PDF report show as figures.

    times: time to detect, acknowledge, first statement and resolution, each a
        `ReviewMetric` (an `incident_selectors.Metric`: label, value, target, `met`,
        `value_label`, `target_label`) against the targets of the plan the incident ran
        on (incidents/targets.py), measured up to `end`. `value` None with `elapsed`
        set: the milestone never happened (`value_label` "never"; `met` False when the
        incident outlasted the target, else None); both None: not recorded (e.g. no
        first mention known, for time to detect).
    before / during / after: `Window`s of mention volume and sentiment.
    volume_buckets: the mention volume across the three windows, bucketed
        (`bucket_width` wide; `bucket_width_label` in words) for the time-series chart.
    responses: `ResponseTimes` of the negative mentions.
    statements: the published statements, oldest first.
    stakeholders_informed: distinct contacts informed; notifications: how many times
        (automatic ones included); by_kind: (contact kind label, distinct contacts).
    tasks_total / tasks_on_time: the incident's tasks, and those done by their due
        time (or done, without one); tasks_late / tasks_not_done: the others.
    """

    incident: Incident
    start: datetime
    end: datetime
    times: list[Metric]
    before: Window
    during: Window
    after: Window
    volume_buckets: list[Bucket]
    bucket_width: timedelta
    responses: ResponseTimes
    statements: list[PublishedStatement] = field(default_factory=list)
    stakeholders_informed: int = 0
    notifications: int = 0
    by_kind: list[tuple[str, int]] = field(default_factory=list)
    tasks_total: int = 0
    tasks_on_time: int = 0
    tasks_late: list[TaskShortfall] = field(default_factory=list)
    tasks_not_done: list[TaskShortfall] = field(default_factory=list)

    @property
    def windows(self) -> list[Window]:
        return [self.before, self.during, self.after]

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    @property
    def duration_label(self) -> str:
        return format_duration(self.duration)

    @property
    def bucket_width_label(self) -> str:
        """The chart's bucket as words: "5 minutes", "hour", "2 days", "week"."""
        minutes = int(self.bucket_width.total_seconds() // 60)
        for size, unit in ((7 * 24 * 60, "week"), (24 * 60, "day"), (60, "hour")):
            if minutes % size == 0:
                n = minutes // size
                return unit if n == 1 else f"{n} {unit}s"
        return f"{minutes} minutes"

    @property
    def statements_published(self) -> int:
        return len(self.statements)

    @property
    def targets_met(self) -> int:
        return sum(1 for metric in self.times if metric.met)


def incident_window(
    incident: Incident, *, now: datetime | None = None
) -> tuple[datetime, datetime]:
    """(start, end) of the incident as the post-mortem measures it."""
    now = now or timezone.now()
    starts = [incident.detected_at, incident.opened_at]
    if incident.first_mention_at is not None:
        starts.append(incident.first_mention_at)
    if incident.alert is not None:
        starts.append(incident.alert.window_start)
    start = min(starts)
    end = incident.resolved_at or incident.closed_at or now
    return start, max(end, start)


def bucket_width_for(span: timedelta) -> timedelta:
    for width in BUCKET_WIDTHS:
        if span / width <= MAX_CHART_BUCKETS:
            return width
    return BUCKET_WIDTHS[-1]


def _bucket_origin(moment: datetime, width: timedelta, tz: tzinfo) -> datetime:
    """The start of the bucket holding `moment`: on a multiple of `width` from local
    midnight (days and weeks start at local midnight), so the chart's labels fall on
    round local times."""
    local = moment.astimezone(tz)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if width >= timedelta(days=1):
        return midnight
    steps = (local - midnight) // width
    return midnight + steps * width


def _window(
    label: str,
    rows: list[tuple[datetime, str, float]],
    start: datetime,
    end: datetime,
    *,
    complete: bool = True,
) -> Window:
    inside = [(label_, score) for at, label_, score in rows if start <= at < end]
    counts = Counter(label_ for label_, _ in inside)
    return Window(
        label=label,
        start=start,
        end=end,
        volume=len(inside),
        negative=counts[Sentiment.NEGATIVE],
        neutral=counts[Sentiment.NEUTRAL],
        positive=counts[Sentiment.POSITIVE],
        mean_sentiment=sum(score for _, score in inside) / len(inside) if inside else None,
        complete=complete,
    )


def _percentile(values: list[timedelta], q: float) -> timedelta | None:
    """Nearest-rank percentile: the smallest value with at least q of them at or below."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(q * len(ordered)) - 1, 0)]


def _response_times(incident: Incident) -> ResponseTimes:
    negative = (
        Mention.objects.filter(Q(incidents=incident) | Q(responses__incident=incident))
        .filter(sentiment_label=Sentiment.NEGATIVE)
        .values("pk")
        .distinct()
    )
    rows = (
        Mention.objects.filter(pk__in=negative)
        .annotate(
            answers=Count(
                "responses",
                filter=Q(responses__status__in=[ResponseStatus.SENT, ResponseStatus.NO_RESPONSE]),
            ),
            first_sent=Min("responses__sent_at", filter=Q(responses__status=ResponseStatus.SENT)),
        )
        .values_list("published_at", "answers", "first_sent")
    )
    total = answered = 0
    waits: list[timedelta] = []
    for published_at, answers, first_sent in rows:
        total += 1
        if answers:
            answered += 1
        if first_sent is not None:
            waits.append(max(first_sent - published_at, timedelta(0)))
    buckets: list[tuple[str, int]] = []
    for i, (label, upper) in enumerate(RESPONSE_BUCKETS):
        lower = RESPONSE_BUCKETS[i - 1][1] if i else timedelta(0)
        assert lower is not None
        n = sum(1 for w in waits if w >= lower and (upper is None or w < upper))
        buckets.append((label, n))
    return ResponseTimes(
        negative=total,
        answered=answered,
        replied=len(waits),
        median=median_duration(waits),
        p90=_percentile(waits, 0.9),
        buckets=buckets,
    )


def _tasks(incident: Incident) -> tuple[int, int, list[TaskShortfall], list[TaskShortfall]]:
    total = on_time = 0
    late: list[TaskShortfall] = []
    not_done: list[TaskShortfall] = []
    for task in IncidentTask.objects.filter(incident=incident).select_related("assignee"):
        total += 1
        owner = task.assignee.display_name if task.assignee else task.owner_role
        item = TaskShortfall(task.title, owner, task.due_at, task.done_at)
        if task.done_at is None:
            not_done.append(item)
        elif task.due_at is not None and task.done_at > task.due_at:
            late.append(item)
        else:
            on_time += 1
    return total, on_time, late, not_done


def postmortem_metrics(
    incident: Incident, *, tz: tzinfo | None = None, now: datetime | None = None
) -> PostMortemMetrics:
    """The figures of the post-mortem of `incident`, from its recorded data. `tz` places
    the chart buckets on round local times (default: the agency's time zone). The
    caller has scoped `incident` (it came from `.within(scope)`); everything read here
    hangs off it. A fixed number of queries, whatever the size of the crisis."""
    from zoneinfo import ZoneInfo

    now = now or timezone.now()
    if tz is None:
        tz = ZoneInfo(incident.client.agency.time_zone)
    start, end = incident_window(incident, now=now)
    length = max(end - start, MIN_WINDOW)
    before_start = start - length
    after_end = end + length
    after_complete = after_end <= now
    after_end = min(after_end, max(now, end))
    in_windows: QuerySet[Mention] = Mention.objects.filter(
        client_id=incident.client_id,
        published_at__gte=before_start,
        published_at__lt=after_end,
    )
    # A real incident's figures never count a drill's synthetic mentions; a drill's
    # review counts its own stream (it has nothing else).
    if not incident.is_drill:
        in_windows = real_mentions(in_windows)
    rows: list[tuple[datetime, str, float]] = list(
        in_windows.order_by().values_list("published_at", "sentiment_label", "sentiment")
    )
    # Bucketed volume over the three windows, for the time-series chart.
    width = bucket_width_for(after_end - before_start)
    origin = _bucket_origin(before_start, width, tz)
    n_buckets = max(math.ceil((after_end - origin) / width), 1)
    totals = [0] * n_buckets
    negatives = [0] * n_buckets
    for at, label, _score in rows:
        i = int((at - origin) // width)
        if 0 <= i < n_buckets:
            totals[i] += 1
            if label == Sentiment.NEGATIVE:
                negatives[i] += 1
    buckets = [Bucket(origin + i * width, totals[i], negatives[i]) for i in range(n_buckets)]
    statements = [
        PublishedStatement(
            channel=s.get_channel_display(),
            is_holding=s.is_holding,
            published_at=s.published_at,
            after_start=max(s.published_at - start, timedelta(0)),
        )
        for s in Statement.objects.filter(
            incident=incident, status=StatementStatus.PUBLISHED, published_at__isnull=False
        ).order_by("published_at", "id")
        if s.published_at is not None
    ]
    notifications = list(
        StakeholderNotification.objects.filter(incident=incident).values_list(
            "contact_id", "contact__kind"
        )
    )
    contacts = dict(notifications)
    kinds = Counter(contacts.values())
    from clients.models import ContactKind

    kind_labels = dict(ContactKind.choices)
    total, on_time, late, not_done = _tasks(incident)
    return PostMortemMetrics(
        incident=incident,
        start=start,
        end=end,
        times=[_review(metric) for metric in incident_metrics(incident, now=end)],
        before=_window("Before", rows, before_start, start),
        during=_window("During", rows, start, end if end > start else start + MIN_WINDOW),
        after=_window("After", rows, end, after_end, complete=after_complete),
        volume_buckets=buckets,
        bucket_width=width,
        responses=_response_times(incident),
        statements=statements,
        stakeholders_informed=len(contacts),
        notifications=len(notifications),
        by_kind=sorted(
            ((kind_labels.get(kind, kind), n) for kind, n in kinds.items()),
            key=lambda pair: (-pair[1], pair[0]),
        ),
        tasks_total=total,
        tasks_on_time=on_time,
        tasks_late=late,
        tasks_not_done=not_done,
    )


@dataclass(frozen=True)
class PostMortemCharts:
    """SVG markup for the page and the PDF. The renderers escape every text they draw,
    so their output is marked safe here, once, for both."""

    volume: SafeString  # mentions over time across before/during/after, negative highlighted
    windows: SafeString  # before/during/after side by side: volume and sentiment mix


def postmortem_charts(metrics: PostMortemMetrics, *, tz: tzinfo) -> PostMortemCharts:
    from incidents.postmortem_charts import render_windows
    from portal.charts.timeseries import render_timeseries

    return PostMortemCharts(
        volume=mark_safe(
            render_timeseries(
                metrics.volume_buckets,
                tz=tz,
                title="Mentions before, during and after the incident",
                chart_id="pm-volume",
            )
        ),
        windows=mark_safe(render_windows(metrics.windows, tz=tz, chart_id="pm-windows")),
    )


# -- writes -----------------------------------------------------------------------------------


def _note(incident: Incident, *, by: User | None, text: str, event: str, pm: PostMortem) -> None:
    """An internal timeline entry about the post-mortem. Written also on a closed
    incident (timeline_add refuses notes there, rightly for people; this is the record
    of the review itself)."""
    locked = locked_incident(incident)
    add_system_entry(
        locked,
        by=by,
        kind=EntryKind.NOTE,
        text=text,
        visibility=Visibility.INTERNAL,
        data={"postmortem": str(pm.public_id), "event": event},
    )


def _clean(changes: dict[str, Any]) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    for name, value in changes.items():
        if name not in TEXT_FIELDS:
            raise PostMortemError(f"“{name}” is not a section of a post-mortem.")
        text = (value or "").strip()
        if len(text) > MAX_TEXT:
            raise PostMortemError(
                f"The section “{SECTIONS[name]}” is {len(text):,} characters long; the limit is "
                f"{MAX_TEXT:,}."
            )
        cleaned[name] = text
    return cleaned


def postmortem_create(*, incident: Incident, by: User) -> PostMortem:
    """Start the post-mortem of a resolved or closed incident (its summary pre-filled
    from the incident's). Refused while the incident is still being handled, and when
    it already has one."""
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        if locked.status not in REVIEWABLE:
            raise PostMortemError(
                f"This incident is still {locked.get_status_display().lower()}: write the "
                "post-mortem once it is resolved."
            )
        if PostMortem.objects.filter(incident=locked).exists():
            raise PostMortemError("This incident already has a post-mortem: continue that one.")
        now = timezone.now()
        pm = PostMortem.objects.create(
            incident=locked,
            summary=locked.summary,
            author=by,
            created_at=now,
            updated_by=by,
            updated_at=now,
        )
        _note(locked, by=by, text="Post-mortem started.", event="started", pm=pm)
    return pm


def _locked(postmortem: PostMortem) -> PostMortem:
    """The post-mortem's row, locked until the caller's transaction ends, with its
    incident (not locked: `_note` takes that lock)."""
    return (
        PostMortem.objects.select_for_update(of=("self",))
        .select_related("incident")
        .get(pk=postmortem.pk)
    )


def _require_draft(pm: PostMortem) -> None:
    if pm.status != PostMortemStatus.DRAFT:
        raise PostMortemError(
            "This post-mortem is final and can no longer be changed. Reopen it as a draft "
            "to change it."
        )


def postmortem_update(*, postmortem: PostMortem, by: User, **changes: Any) -> PostMortem:
    """Change the text sections of a draft (names from TEXT_FIELDS)."""
    cleaned = _clean(changes)
    with transaction.atomic():
        pm = PostMortem.objects.select_for_update().get(pk=postmortem.pk)
        _require_draft(pm)
        for name, value in cleaned.items():
            setattr(pm, name, value)
        pm.updated_by = by
        pm.updated_at = timezone.now()
        pm.save(update_fields=[*cleaned, "updated_by", "updated_at"])
    return pm


def postmortem_finalise(*, postmortem: PostMortem, by: User, share: bool = False) -> PostMortem:
    """Mark the post-mortem final (read-only from then on), optionally shared with the
    client's contacts. The summary and the lessons learned must be written first."""
    with transaction.atomic():
        pm = _locked(postmortem)
        _require_draft(pm)
        missing = [
            SECTIONS[name] for name in ("summary", "lessons") if not getattr(pm, name).strip()
        ]
        if missing:
            raise PostMortemError(
                f"Write the {' and the '.join(missing)} before marking the post-mortem final."
            )
        now = timezone.now()
        pm.status = PostMortemStatus.FINAL
        pm.shared_with_client = share
        pm.finalised_by = by
        pm.finalised_at = now
        pm.updated_by = by
        pm.updated_at = now
        pm.save()
        shared = " and shared with the client" if share else ""
        _note(pm.incident, by=by, text=f"Post-mortem finalised{shared}.", event="finalised", pm=pm)
    return pm


def postmortem_reopen(*, postmortem: PostMortem, by: User) -> PostMortem:
    """Back to a draft (client contacts stop seeing it until it is final again)."""
    with transaction.atomic():
        pm = _locked(postmortem)
        if pm.status == PostMortemStatus.DRAFT:
            raise PostMortemError("This post-mortem is already a draft.")
        pm.status = PostMortemStatus.DRAFT
        pm.updated_by = by
        pm.updated_at = timezone.now()
        pm.save(update_fields=["status", "updated_by", "updated_at"])
        _note(pm.incident, by=by, text="Post-mortem reopened as a draft.", event="reopened", pm=pm)
    return pm


def postmortem_set_shared(*, postmortem: PostMortem, by: User, shared: bool) -> PostMortem:
    """Share the post-mortem with the client's contacts (seen once final), or stop."""
    with transaction.atomic():
        pm = _locked(postmortem)
        if pm.shared_with_client == shared:
            state = "already shared with" if shared else "not shared with"
            raise PostMortemError(f"This post-mortem is {state} the client.")
        pm.shared_with_client = shared
        pm.updated_by = by
        pm.updated_at = timezone.now()
        pm.save(update_fields=["shared_with_client", "updated_by", "updated_at"])
        text = (
            "Post-mortem shared with the client."
            if shared
            else ("Post-mortem no longer shared with the client.")
        )
        _note(pm.incident, by=by, text=text, event="shared" if shared else "unshared", pm=pm)
    return pm
