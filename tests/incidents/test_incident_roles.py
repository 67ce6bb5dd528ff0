"""The crisis team in the war room: giving a role to someone who works on the client,
changing or clearing it, each on the timeline; refusals with clear messages; statement
approval by role follows the person now holding it."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from incidents.incident_services import (
    IncidentError,
    incident_assign_role,
    incident_change_status,
    role_candidates,
)
from incidents.models import EntryKind, Incident, IncidentRole, Visibility
from incidents.statement_services import statement_approve, statement_draft
from tests.incidents.incident_factories import HOLDING, TEAM, an_incident
from tests.plans.factories import approved_plan

pytestmark = pytest.mark.django_db


def a_war_room(cast: Any, chain: str = "Legal approves every statement.") -> Incident:
    _plan, revision = approved_plan(
        cast.client,
        cast.owner,
        team_roles=TEAM,
        statement_templates=[HOLDING],
        approval_chain=chain,
    )
    return an_incident(cast, scenario=revision.scenarios.get())


def role(incident: Incident, name: str) -> IncidentRole:
    return IncidentRole.objects.get(incident=incident, role=name)


def assign_url(incident: Incident, held: IncidentRole) -> str:
    return reverse(
        "incidents:assign_role",
        kwargs={
            "client": incident.client.public_id,
            "pk": incident.public_id,
            "role": held.public_id,
        },
    )


def detail_url(incident: Incident) -> str:
    return reverse(
        "incidents:detail",
        kwargs={"client": incident.client.public_id, "pk": incident.public_id},
    )


def test_a_role_named_without_an_account_shows_unassigned_with_the_plans_name(cast, client):
    incident = a_war_room(cast)
    client.force_login(cast.staff)
    page = client.get(detail_url(incident)).content.decode()
    assert "the plan names Lara Lawyer (external), who has no account here" in page
    assert "Who holds Legal" in page  # the form's label, for a writer


def test_the_choices_are_the_people_who_work_on_the_client(cast):
    people = role_candidates(cast.client)
    assert {u.email for u in people} == {
        cast.owner.email,
        cast.manager.email,
        cast.staff.email,
        cast.readonly_staff.email,
    }
    # unassigned staff and the other agency's people are not offered


def test_assigning_a_role_records_who_gave_it_to_whom(cast, client):
    incident = a_war_room(cast)
    legal = role(incident, "Legal")
    client.force_login(cast.manager)
    response = client.post(assign_url(incident, legal), {"person": str(cast.staff.public_id)})
    assert response.status_code == 302
    legal.refresh_from_db()
    assert legal.person == cast.staff
    entry = incident.timeline.filter(kind=EntryKind.DECISION).get()
    assert entry.author == cast.manager
    assert entry.visibility == Visibility.INTERNAL
    assert entry.text == (
        "Sam Staff now holds the role Legal (was Lara Lawyer (external)). 1 open task of the role passed to Sam Staff."
    )
    # the playbook's Legal task, which nobody held, follows the new holder
    assert incident.tasks.get(title="Brief legal").assignee == cast.staff
    page = client.get(detail_url(incident)).content.decode()
    assert "Sam Staff now holds the role Legal." in page  # the flash message
    assert '<span class="role-holder">Sam Staff</span>' in page


def test_reassigning_moves_the_role_and_its_open_tasks(cast):
    incident = a_war_room(cast)
    lead = role(incident, "Crisis lead")
    assert lead.person == cast.manager  # matched by name when the plan ran
    incident_assign_role(role=lead, person=cast.owner, by=cast.manager)
    lead.refresh_from_db()
    assert lead.person == cast.owner
    assert incident.tasks.get(title="Convene the crisis team").assignee == cast.owner
    entry = incident.timeline.filter(kind=EntryKind.DECISION).get()
    assert entry.text.startswith("Olivia Owner now holds the role Crisis lead (was Max Manager).")


def test_clearing_a_role_leaves_it_unassigned(cast, client):
    incident = a_war_room(cast)
    lead = role(incident, "Crisis lead")
    client.force_login(cast.staff)
    response = client.post(assign_url(incident, lead), {"person": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="crisis-team"' in html  # the panel, swapped in place
    assert "The role Crisis lead is now unassigned." in html
    assert response["HX-Trigger"] == "timeline-refresh"
    assert 'id="incident-tasks" hx-swap-oob="true"' in html  # the tasks follow
    lead.refresh_from_db()
    assert lead.person is None
    assert incident.timeline.filter(
        kind=EntryKind.DECISION, text__startswith="The role Crisis lead is now unassigned"
    ).exists()
    assert incident.tasks.get(title="Convene the crisis team").assignee is None


def test_giving_a_role_to_its_holder_again_is_refused(cast):
    incident = a_war_room(cast)
    with pytest.raises(IncidentError, match="Crisis lead is already held by Max Manager"):
        incident_assign_role(role=role(incident, "Crisis lead"), person=cast.manager, by=cast.owner)
    with pytest.raises(IncidentError, match="Legal is already unassigned"):
        incident_assign_role(role=role(incident, "Legal"), person=None, by=cast.owner)


def test_read_only_staff_cannot_assign_a_role(cast, client):
    incident = a_war_room(cast)
    legal = role(incident, "Legal")
    client.force_login(cast.readonly_staff)
    assert "Who holds Legal" not in client.get(detail_url(incident)).content.decode()
    response = client.post(assign_url(incident, legal), {"person": str(cast.staff.public_id)})
    assert response.status_code == 403
    legal.refresh_from_db()
    assert legal.person is None


def test_another_agencys_person_is_refused_with_a_clear_message(cast, client):
    incident = a_war_room(cast)
    legal = role(incident, "Legal")
    client.force_login(cast.manager)
    response = client.post(
        assign_url(incident, legal), {"person": str(cast.outsider.public_id)}, follow=True
    )
    assert "That person does not work on this client." in response.content.decode()
    with pytest.raises(IncidentError, match="does not work on this client"):
        incident_assign_role(role=legal, person=cast.unassigned_staff, by=cast.manager)
    legal.refresh_from_db()
    assert legal.person is None
    assert not incident.timeline.filter(kind=EntryKind.DECISION).exists()


def test_the_refusal_comes_back_in_the_panel_with_htmx(cast, client):
    incident = a_war_room(cast)
    legal = role(incident, "Legal")
    client.force_login(cast.manager)
    response = client.post(
        assign_url(incident, legal),
        {"person": str(cast.outsider.public_id)},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert 'role="alert">That person does not work on this client.' in html
    assert f'id="role-person-{legal.public_id}"' in html  # the form is still there


def test_a_closed_incidents_team_cannot_change(cast, client):
    incident = a_war_room(cast)
    incident_change_status(incident=incident, by=cast.owner, status="closed", reason="Over")
    legal = role(incident, "Legal")
    with pytest.raises(IncidentError, match="This incident is closed: its crisis team"):
        incident_assign_role(role=legal, person=cast.staff, by=cast.owner)
    client.force_login(cast.manager)
    assert "Who holds Legal" not in client.get(detail_url(incident)).content.decode()
    response = client.post(
        assign_url(incident, legal), {"person": str(cast.staff.public_id)}, follow=True
    )
    assert "its crisis team can no longer change" in response.content.decode()
    legal.refresh_from_db()
    assert legal.person is None


def test_another_agency_gets_404(cast, client):
    incident = a_war_room(cast)
    client.force_login(cast.outsider)
    response = client.post(
        assign_url(incident, role(incident, "Legal")), {"person": str(cast.outsider.public_id)}
    )
    assert response.status_code == 404


def test_statement_approval_follows_the_role_assigned(cast):
    incident = a_war_room(cast)
    statement = statement_draft(incident=incident, by=cast.owner, channel="x", body="On it.")
    # Nobody with an account holds Legal yet: the owners and managers may approve.
    legal = role(incident, "Legal")
    incident_assign_role(role=legal, person=cast.staff, by=cast.owner)
    with pytest.raises(IncidentError, match=r"may not approve.*Legal.*\(Sam Staff\)"):
        statement_approve(statement=statement, by=cast.manager)
    statement_approve(statement=statement, by=cast.staff)
    assert statement.approver == cast.staff
