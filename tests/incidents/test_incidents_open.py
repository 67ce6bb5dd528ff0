"""Opening an incident runs the client's approved plan."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from incidents.incident_services import IncidentError, incident_open
from incidents.models import AlertStatus, EntryKind, IncidentStatus, StatementStatus
from plans.models import Scenario
from tests.incidents.incident_factories import a_plan, an_alert_with_mentions, an_incident
from tests.incidents.ui_factories import an_alert
from tests.waiting import wait_for

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


@pytest.mark.parametrize(
    ("graded", "expected"),
    [("low", 2), ("medium", 2), ("high", 3), ("critical", 4), ("", 2)],
)
def test_an_incident_from_an_alert_starts_at_the_alerts_severity(cast, graded, expected):
    alert = an_alert(cast.client, severity=graded)
    incident = incident_open(client=cast.client, by=cast.owner, title="Spike", alert=alert)
    assert incident.severity == expected
    assert f"Incident opened at severity {expected}" in incident.timeline.first().text


def test_a_chosen_severity_wins_over_the_alerts(cast):
    alert = an_alert(cast.client, severity="critical")
    incident = incident_open(client=cast.client, by=cast.owner, title="x", severity=1, alert=alert)
    assert incident.severity == 1


def test_without_an_alert_a_severity_must_be_chosen(cast):
    with pytest.raises(IncidentError, match="Choose a severity"):
        incident_open(client=cast.client, by=cast.owner, title="Rumour")


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


def stakeholders(cast):
    """Jane (told from severity 3, the default), a regulator from 2, the CEO only at 4,
    and a contact without an email address (nobody to write to)."""
    from clients.models import Contact

    Contact.objects.create(
        client=cast.client,
        name="Rita Regulator",
        kind="regulator",
        email="rita@regulator.test",
        notify_from_severity=2,
    )
    Contact.objects.create(
        client=cast.client,
        name="Carl CEO",
        kind="internal",
        email="ceo@acme.test",
        notify_from_severity=4,
    )
    Contact.objects.create(
        client=cast.client, name="No Email", kind="partner", email="", notify_from_severity=1
    )


def test_opening_through_the_page_informs_records_and_logs_the_stakeholders(
    cast, client, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from incidents.models import Incident, StakeholderNotification

    stakeholders(cast)
    client.force_login(cast.staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("incidents:open", kwargs={"client": cast.client.public_id}),
            {"title": "Factory fire", "severity": "3", "summary": ""},
        )
    assert response.status_code == 302
    incident = Incident.objects.get(title="Factory fire")
    assert sorted(m.to[0] for m in mail.outbox) == ["jane@planet.test", "rita@regulator.test"]
    email = next(m for m in mail.outbox if m.to == ["rita@regulator.test"])
    assert "Acme Foods: the incident “Factory fire” has been opened at severity 3." in email.body
    records = StakeholderNotification.objects.filter(incident=incident)
    assert sorted((r.contact.name, r.severity, r.automatic, r.channel) for r in records) == [
        ("Jane Reporter", 3, True, "email"),
        ("Rita Regulator", 3, True, "email"),
    ]
    entries = incident.timeline.filter(kind=EntryKind.STAKEHOLDER_NOTIFIED)
    assert sorted(entries.values_list("text", flat=True)) == [
        "Jane Reporter informed by email (severity 3, at opening).",
        "Rita Regulator informed by email (severity 3, at opening).",
    ]
    page = client.get(response["Location"]).content.decode()
    assert "<strong>Rita Regulator</strong>" in page and "automatic, severity 3" in page
    assert "Carl CEO" not in page.split('id="stakeholders-h"')[1].split("Log a contact")[0]


def test_opening_from_an_alert_at_the_top_severity_informs_everyone_it_reaches(
    cast, django_capture_on_commit_callbacks
):
    stakeholders(cast)
    alert = an_alert_with_mentions(cast)
    with django_capture_on_commit_callbacks(execute=True):
        incident = an_incident(cast, alert=alert, severity=4)
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ceo@acme.test",
        "jane@planet.test",
        "rita@regulator.test",
    ]
    assert incident.stakeholder_notifications.filter(automatic=True, severity=4).count() == 3


def test_a_low_severity_opening_informs_only_those_told_from_it(
    cast, django_capture_on_commit_callbacks
):
    stakeholders(cast)
    with django_capture_on_commit_callbacks(execute=True):
        incident = an_incident(cast, severity=1)
    assert mail.outbox == []  # the only contact told from 1 has no email address
    assert incident.stakeholder_notifications.count() == 0


def test_a_drill_opened_at_the_top_severity_informs_nobody(
    cast, django_capture_on_commit_callbacks
):
    stakeholders(cast)
    with django_capture_on_commit_callbacks(execute=True):
        incident = an_incident(cast, severity=4, is_drill=True)
    assert mail.outbox == []
    assert incident.stakeholder_notifications.count() == 0
    assert not incident.timeline.filter(kind=EntryKind.STAKEHOLDER_NOTIFIED).exists()


def test_a_real_worker_informs_the_stakeholders_of_an_opening(celery_worker, cast):
    """The notification goes through the broker to a real Celery worker."""
    from incidents.models import StakeholderNotification

    stakeholders(cast)
    incident = an_incident(cast, severity=2)
    wait_for(lambda: StakeholderNotification.objects.filter(incident=incident).exists())
    record = StakeholderNotification.objects.get(incident=incident)
    assert (record.contact.name, record.severity) == ("Rita Regulator", 2)
