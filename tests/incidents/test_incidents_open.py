"""Opening an incident runs the client's approved plan."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from incidents.incident_services import IncidentError, incident_open
from incidents.models import AlertStatus, EntryKind, IncidentStatus, StatementStatus
from plans.models import Scenario
from tests.incidents.incident_factories import a_plan, an_alert_with_mentions, an_incident

pytestmark = pytest.mark.django_db


def test_opening_from_an_alert_runs_the_plan(cast):
    revision = a_plan(cast)
    alert = an_alert_with_mentions(cast)
    incident = an_incident(cast, alert=alert)

    assert incident.plan_revision == revision
    # "RECALLED" and "contaminated" match the recall scenario's trigger terms
    assert incident.scenario is not None and incident.scenario.title == "Product recall"
    tasks = list(incident.tasks.order_by("position"))
    assert [t.title for t in tasks] == [
        "Convene the crisis team",
        "Publish the holding statement",
        "Brief legal",
    ]
    assert tasks[0].assignee == cast.manager  # plan names "Max Manager"
    assert tasks[1].assignee == cast.staff  # plan names the email, in another case
    assert tasks[2].assignee is None  # an outside lawyer has no account
    assert tasks[1].due_at == incident.opened_at + timedelta(minutes=30)
    assert tasks[2].client_visible is False
    roles = {r.role: r for r in incident.roles.all()}
    assert roles["Crisis lead"].person == cast.manager
    assert roles["Crisis lead"].deputy_name == "Olivia Owner"
    assert roles["Legal"].person_name == "Lara Lawyer (external)"

    statement = incident.statements.get()
    assert statement.is_holding and statement.status == StatementStatus.DRAFT
    assert statement.channel == "x"
    assert statement.body.startswith("Acme Foods is aware of Yoghurt recall.")
    assert "— Sam Staff" in statement.body
    assert "[next_update]" in statement.body  # unfilled stays visible

    alert.refresh_from_db()
    assert alert.status == AlertStatus.ESCALATED
    assert incident.mentions.count() == 3
    assert incident.first_mention_at == min(m.published_at for m in alert.mentions.all())
    assert incident.detected_at == alert.opened_at
    kinds = list(incident.timeline.values_list("kind", flat=True))
    assert kinds == [EntryKind.STATUS, EntryKind.MENTION_ATTACHED, EntryKind.STATEMENT_DRAFTED]


def test_an_alert_cannot_be_escalated_twice(cast):
    a_plan(cast)
    alert = an_alert_with_mentions(cast)
    an_incident(cast, alert=alert)
    with pytest.raises(IncidentError, match="escalated"):
        an_incident(cast, alert=alert)


def test_opening_from_a_chosen_scenario_seeds_its_playbook(cast):
    revision = a_plan(cast)
    scenario = Scenario.objects.get(revision=revision)
    incident = an_incident(cast, scenario=scenario, title="Rumour")
    assert incident.scenario == scenario
    assert incident.tasks.count() == 3
    assert incident.alert is None and incident.mentions.count() == 0


def test_opening_from_scratch_without_a_plan_still_works(cast):
    incident = an_incident(cast)
    assert incident.plan_revision is None and incident.scenario is None
    assert incident.status == IncidentStatus.DETECTED
    assert incident.tasks.count() == 0 and incident.statements.count() == 0
    assert "No approved plan" in incident.timeline.get().text


def test_a_scenario_of_another_revision_is_refused(cast):
    from plans.services import plan_revision_start, scenario_save

    revision = a_plan(cast)
    draft = plan_revision_start(plan=revision.plan, by=cast.owner)
    other = scenario_save(revision=draft, by=cast.owner, title="Data leak")
    with pytest.raises(IncidentError, match="approved plan"):
        an_incident(cast, scenario=other)


def test_an_alert_of_another_client_is_refused(cast):
    alert = an_alert_with_mentions(cast)
    with pytest.raises(IncidentError, match="another client"):
        incident_open(client=cast.second_client, by=cast.owner, title="x", severity=2, alert=alert)


def test_opening_at_a_severity_informs_the_contacts_it_reaches(
    cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        an_incident(cast, severity=3)
    assert [m.to for m in mail.outbox] == [["jane@planet.test"]]


def test_a_drill_informs_nobody(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = an_incident(cast, severity=4, is_drill=True)
    assert mail.outbox == []
    assert incident.stakeholder_notifications.count() == 0
