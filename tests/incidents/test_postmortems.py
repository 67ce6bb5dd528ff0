"""Post-mortems: only for a resolved incident, and the figures computed from real rows
with known times (no mocks)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from clients.models import Contact, ContactKind
from incidents.models import (
    EntryKind,
    Incident,
    IncidentStatus,
    IncidentTask,
    MentionResponse,
    PostMortemStatus,
    ResponseStatus,
    StakeholderNotification,
    Statement,
    StatementStatus,
    TimelineEntry,
)
from incidents.postmortems import (
    PostMortemError,
    postmortem_charts,
    postmortem_create,
    postmortem_finalise,
    postmortem_metrics,
    postmortem_reopen,
    postmortem_update,
)
from tests.incidents.incident_factories import an_incident
from tests.incidents.ui_factories import a_mention, a_source

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def resolved(cast, **fields):
    incident = an_incident(cast)
    values = {
        "status": IncidentStatus.RESOLVED,
        "first_mention_at": T0 - timedelta(minutes=30),
        "detected_at": T0,
        "opened_at": T0,
        "acknowledged_at": T0 + timedelta(minutes=20),
        "resolved_at": T0 + timedelta(hours=4),
    }
    values.update(fields)
    Incident.objects.filter(pk=incident.pk).update(**values)
    return Incident.objects.select_related("client__agency", "alert").get(pk=incident.pk)


def mention(cast, source, minutes, label="neutral", score=0.0):
    return a_mention(
        cast.client,
        source,
        published_at=T0 + timedelta(minutes=minutes),
        sentiment_label=label,
        sentiment=score,
    )


def sent_reply(incident, m, after):
    """A reply to mention `m` sent `after` its publication."""
    return MentionResponse.objects.create(
        client=incident.client,
        mention=m,
        incident=incident,
        status=ResponseStatus.SENT,
        sent_at=m.published_at + after,
    )


@pytest.fixture
def crisis(cast):
    """A resolved incident of 4 h 30 (first mention T0−30 min … resolved T0+4 h): its
    before window is T0−5 h … T0−30 min and its after window T0+4 h … T0+8 h 30."""
    incident = resolved(cast)
    source = a_source(cast.client)
    mention(cast, source, -600, "negative", -0.9)  # long before: outside every window
    mention(cast, source, -200, "negative", -0.5)  # before
    mention(cast, source, -100, "positive", 0.5)  # before
    negatives = [mention(cast, source, m, "negative", -0.8) for m in (0, 30, 60, 90)]
    mention(cast, source, 100, "positive", 0.6)
    mention(cast, source, 120)
    for m in (250, 300, 400):  # after
        mention(cast, source, m, "positive", 0.4)
    incident.mentions.add(*negatives)
    first, second, third, _fourth = negatives
    sent_reply(incident, first, timedelta(minutes=10))
    sent_reply(incident, second, timedelta(minutes=90))
    # A later second reply to the same mention does not count: the first one does.
    sent_reply(incident, second, timedelta(hours=9))
    MentionResponse.objects.create(
        client=cast.client, mention=third, incident=incident, status=ResponseStatus.NO_RESPONSE
    )
    Statement.objects.create(
        incident=incident,
        channel="x",
        body="We are aware.",
        is_holding=True,
        status=StatementStatus.PUBLISHED,
        published_at=T0 + timedelta(minutes=75),
    )
    Statement.objects.create(
        incident=incident,
        channel="press",
        body="Full statement.",
        status=StatementStatus.PUBLISHED,
        published_at=T0 + timedelta(hours=3),
    )
    Statement.objects.create(incident=incident, channel="x", body="Never published.")
    media = Contact.objects.create(client=cast.client, name="Daily News", kind=ContactKind.MEDIA)
    for when in (10, 200):  # the same journalist twice: one stakeholder, two contacts
        StakeholderNotification.objects.create(
            incident=incident,
            contact=media,
            message="Update",
            notified_at=T0 + timedelta(minutes=when),
        )
    StakeholderNotification.objects.create(
        incident=incident, contact=cast.contact, message="Update", notified_at=T0
    )
    IncidentTask.objects.filter(incident=incident).delete()
    due = T0 + timedelta(hours=1)
    IncidentTask.objects.create(
        incident=incident, title="On time", due_at=due, done_at=due - timedelta(minutes=1)
    )
    IncidentTask.objects.create(
        incident=incident, title="Late", due_at=due, done_at=due + timedelta(minutes=45)
    )
    IncidentTask.objects.create(incident=incident, title="Forgotten", due_at=due)
    IncidentTask.objects.create(incident=incident, title="No due time", done_at=due)
    return incident


def test_metrics_from_known_times(crisis):
    m = postmortem_metrics(crisis, now=T0 + timedelta(days=2))
    assert m.start == T0 - timedelta(minutes=30)
    assert m.end == T0 + timedelta(hours=4)
    times = {metric.label: metric for metric in m.times}
    assert times["Time to detect"].value == timedelta(minutes=30)
    assert times["Time to acknowledge"].value == timedelta(minutes=20)
    assert times["Time to first statement"].value == timedelta(minutes=75)
    assert times["Time to resolution"].value == timedelta(hours=4)
    # severity 2 targets: detect 2 h, acknowledge 1 h, hold 4 h, resolve 3 days
    assert [metric.met for metric in m.times] == [True, True, True, True]
    assert (m.before.start, m.before.end) == (T0 - timedelta(hours=5), m.start)
    assert (m.after.start, m.after.end) == (m.end, T0 + timedelta(hours=8, minutes=30))
    assert [(w.volume, w.negative, w.positive) for w in m.windows] == [
        (2, 1, 1),
        (6, 4, 1),
        (3, 0, 3),
    ]
    assert m.during.negative_share == pytest.approx(4 / 6)
    assert m.after.complete
    assert sum(b.total for b in m.volume_buckets) == 11
    assert m.bucket_width_label == "15 minutes"  # 13 h 30 across the three windows
    # responses: 4 negative, 3 answered (two replies, one "no response needed"), response
    # times 10 and 90 minutes (the later second reply ignored)
    r = m.responses
    assert (r.negative, r.answered, r.replied, r.unanswered) == (4, 3, 2, 1)
    assert r.median == timedelta(minutes=50)
    assert r.p90 == timedelta(minutes=90)
    assert r.buckets == [
        ("under 15 min", 1),
        ("15 min – 1 h", 0),
        ("1 – 4 h", 1),
        ("4 – 24 h", 0),
        ("over 24 h", 0),
    ]
    assert m.statements_published == 2
    assert m.statements[0].is_holding and m.statements[0].after_start == timedelta(minutes=105)
    assert (m.stakeholders_informed, m.notifications) == (2, 3)
    other = Contact.objects.exclude(name="Daily News").get(notifications__incident=crisis)
    kinds = {"Media": 1}
    kinds[other.get_kind_display()] = kinds.get(other.get_kind_display(), 0) + 1
    assert dict(m.by_kind) == kinds
    assert (m.tasks_total, m.tasks_on_time) == (4, 2)
    assert [t.title for t in m.tasks_late] == ["Late"]
    assert m.tasks_late[0].late_by == timedelta(minutes=45)
    assert [t.title for t in m.tasks_not_done] == ["Forgotten"]


def test_milestones_that_never_happened_read_never(cast):
    incident = resolved(cast, first_mention_at=None, acknowledged_at=None)
    labels = {m.label: m for m in postmortem_metrics(incident, now=T0 + timedelta(days=1)).times}
    assert labels["Time to detect"].value_label == "not recorded"
    assert labels["Time to first statement"].value_label == "never"
    assert labels["Time to first statement"].met is None  # 4 h incident, 4 h target
    assert labels["Time to acknowledge"].value_label == "never"
    assert labels["Time to acknowledge"].met is False  # target 1 h


def test_after_window_still_running_is_cut_at_now(crisis):
    now = T0 + timedelta(hours=5)
    m = postmortem_metrics(crisis, now=now)
    assert m.after.end == now
    assert not m.after.complete
    assert m.after.volume == 1  # those at T0+5 h and T0+6 h 40 are not counted yet


def test_charts_show_the_three_windows(crisis):
    # No outside text reaches these charts; the renderers' escaping is tested with
    # hostile text in test_timeseries_chart.py and tests/portal/test_bar_chart.py.
    tz = ZoneInfo("Europe/Berlin")
    m = postmortem_metrics(crisis, tz=tz, now=T0 + timedelta(days=2))
    charts = postmortem_charts(m, tz=tz)
    assert charts.volume.startswith("<svg") and "11 mentions" in charts.volume
    assert 'data-window="before" data-total="2"' in charts.windows
    assert 'data-window="during" data-total="6"' in charts.windows
    assert "67% negative" in charts.windows


def test_no_postmortem_while_the_incident_is_open(cast):
    incident = an_incident(cast)
    with pytest.raises(PostMortemError, match="still detected: write the post-mortem once"):
        postmortem_create(incident=incident, by=cast.owner)
    assert not hasattr(Incident.objects.get(pk=incident.pk), "postmortem")


def test_postmortem_of_a_resolved_incident_writes_the_timeline(cast):
    incident = resolved(cast, summary="Recall rumour")
    pm = postmortem_create(incident=incident, by=cast.staff)
    assert pm.summary == "Recall rumour" and pm.author == cast.staff
    with pytest.raises(PostMortemError, match="already has a post-mortem"):
        postmortem_create(incident=incident, by=cast.owner)
    with pytest.raises(PostMortemError, match="Write the lessons learned before"):
        postmortem_finalise(postmortem=pm, by=cast.owner)
    postmortem_update(postmortem=pm, by=cast.owner, lessons="Answer faster.")
    pm = postmortem_finalise(postmortem=pm, by=cast.owner, share=True)
    assert pm.status == PostMortemStatus.FINAL and pm.shared_with_client
    with pytest.raises(PostMortemError, match="final and can no longer be changed"):
        postmortem_update(postmortem=pm, by=cast.owner, lessons="Changed")
    postmortem_reopen(postmortem=pm, by=cast.owner)
    notes = list(
        TimelineEntry.objects.filter(incident=incident, kind=EntryKind.NOTE)
        .exclude(data={})
        .values_list("text", "visibility")
    )
    assert notes == [
        ("Post-mortem started.", "internal"),
        ("Post-mortem finalised and shared with the client.", "internal"),
        ("Post-mortem reopened as a draft.", "internal"),
    ]


def test_postmortem_of_a_closed_incident_is_allowed(cast):
    incident = resolved(cast, status=IncidentStatus.CLOSED, closed_at=T0 + timedelta(hours=5))
    pm = postmortem_create(incident=incident, by=cast.owner)
    assert TimelineEntry.objects.filter(incident=incident, data__event="started").exists()
    assert pm.incident_id == incident.pk


def test_the_figures_take_a_fixed_number_of_queries(cast, crisis):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries():
        incident = Incident.objects.select_related("client__agency", "alert").get(pk=crisis.pk)
        with CaptureQueriesContext(connection) as captured:
            postmortem_metrics(incident, now=T0 + timedelta(days=2))
        return len(captured)

    small = queries()
    source = a_source(cast.client)
    for minutes in range(0, 240, 2):
        m = mention(cast, source, minutes, "negative", -0.5)
        crisis.mentions.add(m)
        sent_reply(crisis, m, timedelta(minutes=5))
        IncidentTask.objects.create(incident=crisis, title=f"Task {minutes}")
    assert queries() == small
