"""Status and severity changes, the append-only timeline, tasks and stakeholder logs."""

from __future__ import annotations

import pytest
from django.core import mail

from incidents.incident_services import (
    IncidentError,
    incident_change_severity,
    incident_change_status,
    stakeholder_log,
    task_complete,
    timeline_add,
    timeline_correct,
)
from incidents.models import EntryKind, IncidentStatus, StakeholderNotification
from tests.incidents.incident_factories import a_plan, an_incident

pytestmark = pytest.mark.django_db


def test_status_moves_forward_and_records_milestones_and_reasons(cast):
    incident = an_incident(cast)
    incident_change_status(incident=incident, by=cast.staff, status="assessing", reason="On it")
    assert incident.acknowledged_at is not None
    incident_change_status(incident=incident, by=cast.staff, status="resolved", reason="Fixed")
    assert incident.resolved_at is not None
    entry = incident.timeline.filter(kind=EntryKind.STATUS).last()
    assert entry is not None
    assert entry.author == cast.staff
    assert entry.data == {"from": "assessing", "to": "resolved", "reason": "Fixed"}
    assert "Fixed" in entry.text
    assert incident.version >= 2


def test_a_resolved_incident_can_be_reopened(cast):
    incident = an_incident(cast)
    incident_change_status(incident=incident, by=cast.staff, status="resolved", reason="Done")
    incident_change_status(incident=incident, by=cast.staff, status="responding", reason="Again")
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESPONDING and incident.resolved_at is None


def test_status_cannot_go_backwards(cast):
    incident = an_incident(cast)
    incident_change_status(incident=incident, by=cast.staff, status="monitoring", reason="Calm")
    with pytest.raises(IncidentError, match="cannot go from monitoring back to assessing"):
        incident_change_status(incident=incident, by=cast.staff, status="assessing", reason="x")


def test_a_change_needs_a_reason(cast):
    incident = an_incident(cast)
    with pytest.raises(IncidentError, match="reason"):
        incident_change_status(incident=incident, by=cast.staff, status="assessing", reason=" ")


def test_a_closed_incident_stays_closed_and_refuses_entries(cast):
    incident = an_incident(cast)
    incident_change_status(incident=incident, by=cast.staff, status="closed", reason="Over")
    assert incident.closed_at is not None
    with pytest.raises(IncidentError, match="closed"):
        incident_change_status(incident=incident, by=cast.staff, status="responding", reason="x")
    with pytest.raises(
        IncidentError, match=r"This incident is closed: reopen it to add to its timeline\."
    ):
        timeline_add(incident=incident, by=cast.staff, text="Late note")


def test_empty_and_oversized_notes_are_refused(cast):
    incident = an_incident(cast)
    with pytest.raises(IncidentError, match=r"Write something first\."):
        timeline_add(incident=incident, by=cast.staff, text="   ")
    with pytest.raises(IncidentError, match="the limit is 10,000"):
        timeline_add(incident=incident, by=cast.staff, text="x" * 10_001)
    assert incident.timeline.filter(kind=EntryKind.NOTE).count() == 0


def test_a_correction_is_a_new_entry_referencing_the_original(cast):
    incident = an_incident(cast)
    note = timeline_add(incident=incident, by=cast.staff, text="CEO statement at 3pm")
    fix = timeline_correct(entry=note, by=cast.manager, text="CEO statement at 4pm")
    note.refresh_from_db()
    assert note.text == "CEO statement at 3pm"
    assert fix.corrects == note and fix.kind == EntryKind.CORRECTION
    with pytest.raises(ValueError, match="append-only"):
        note.text = "edited"
        note.save()


def test_raising_severity_informs_the_contacts_it_reaches_once(
    cast, django_capture_on_commit_callbacks
):
    from clients.models import Contact

    Contact.objects.create(
        client=cast.client,
        name="CEO",
        email="ceo@acme.test",
        kind="internal",
        notify_from_severity=4,
    )
    incident = an_incident(cast, severity=1)
    with django_capture_on_commit_callbacks(execute=True):
        incident_change_severity(incident=incident, by=cast.staff, severity=3, reason="Press")
    assert [m.to for m in mail.outbox] == [["jane@planet.test"]]
    with django_capture_on_commit_callbacks(execute=True):
        incident_change_severity(incident=incident, by=cast.staff, severity=2, reason="Calmer")
        incident_change_severity(incident=incident, by=cast.staff, severity=3, reason="Back up")
    assert len(mail.outbox) == 1  # once per level
    with django_capture_on_commit_callbacks(execute=True):
        incident_change_severity(incident=incident, by=cast.staff, severity=4, reason="TV")
    assert sorted(m.to[0] for m in mail.outbox[1:]) == ["ceo@acme.test", "jane@planet.test"]
    records = StakeholderNotification.objects.filter(incident=incident, automatic=True)
    assert records.count() == 3
    assert incident.timeline.filter(kind=EntryKind.STAKEHOLDER_NOTIFIED).count() == 3


def test_a_drill_raising_severity_informs_nobody(cast, django_capture_on_commit_callbacks):
    incident = an_incident(cast, severity=1, is_drill=True)
    with django_capture_on_commit_callbacks(execute=True):
        incident_change_severity(incident=incident, by=cast.staff, severity=4, reason="Drill")
    assert mail.outbox == []
    assert StakeholderNotification.objects.count() == 0


def test_completing_a_task_writes_the_timeline_once(cast):
    a_plan(cast)
    from plans.models import Scenario

    incident = an_incident(cast, scenario=Scenario.objects.get())
    task = incident.tasks.first()
    assert task is not None
    task_complete(task=task, by=cast.staff)
    assert task.done_by == cast.staff and task.done_at is not None
    with pytest.raises(IncidentError, match="already done by Sam Staff"):
        task_complete(task=task, by=cast.manager)
    assert incident.timeline.filter(kind=EntryKind.TASK_DONE).count() == 1


def test_logging_a_stakeholder_contact_takes_one_step(cast):
    incident = an_incident(cast)
    record = stakeholder_log(
        incident=incident,
        by=cast.staff,
        contact=cast.contact,
        channel="phone",
        message="Told her we are investigating.",
    )
    assert record.notified_by == cast.staff and record.channel == "phone"
    assert incident.timeline.filter(kind=EntryKind.STAKEHOLDER_NOTIFIED).exists()


def test_a_contact_of_another_client_cannot_be_logged(cast):
    incident = an_incident(cast)
    with pytest.raises(IncidentError, match="not one of this client's stakeholders"):
        stakeholder_log(
            incident=incident,
            by=cast.staff,
            contact=cast.other_contact,
            channel="email",
            message="Hello",
        )
