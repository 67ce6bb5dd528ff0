"""Statements: draft per channel, approval by a role the plan names (never the author),
publication with time and address, each on the timeline; refusals with clear messages."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from incidents.incident_services import IncidentError, incident_change_status
from incidents.models import (
    EntryKind,
    Incident,
    IncidentRole,
    Statement,
    StatementStatus,
    Visibility,
)
from incidents.statement_services import (
    approval_rule,
    statement_approve,
    statement_draft,
    statement_edit,
    statement_publish,
)
from tests.incidents.incident_factories import HOLDING, TEAM
from tests.plans.factories import approved_plan

pytestmark = pytest.mark.django_db


def an_incident(cast: Any, **fields: Any) -> Incident:
    values: dict[str, Any] = {"client": cast.client, "title": "Yoghurt recall"}
    values["opened_by"] = cast.owner
    values.update(fields)
    return Incident.objects.create(**values)


def a_draft(
    cast: Any, incident: Incident, by: Any = None, body: str = "We are on it."
) -> Statement:
    return statement_draft(incident=incident, by=by or cast.staff, channel="x", body=body)


def test_a_draft_fills_in_its_placeholders_and_goes_on_the_timeline(cast):
    incident = an_incident(cast)
    statement = a_draft(cast, incident, body="{client} is looking into {incident}.")
    assert statement.body == "Acme Foods is looking into Yoghurt recall."
    assert statement.status == StatementStatus.DRAFT
    entry = incident.timeline.get()
    assert entry.kind == EntryKind.STATEMENT_DRAFTED
    assert entry.visibility == Visibility.INTERNAL
    assert entry.author == cast.staff


def test_an_unknown_placeholder_is_refused_by_name(cast):
    incident = an_incident(cast)
    with pytest.raises(IncidentError, match=r"Unknown placeholder \{clinet\}"):
        a_draft(cast, incident, body="{clinet} is sorry.")
    assert not incident.statements.exists()


def test_an_empty_statement_is_refused(cast):
    with pytest.raises(IncidentError, match="Write the statement first"):
        a_draft(cast, an_incident(cast), body="   ")


def test_approving_ones_own_statement_is_refused(cast):
    statement = a_draft(cast, an_incident(cast), by=cast.owner)
    with pytest.raises(IncidentError, match="You wrote this statement: someone else must approve"):
        statement_approve(statement=statement, by=cast.owner)
    statement.refresh_from_db()
    assert statement.status == StatementStatus.DRAFT


def test_without_a_plan_owners_and_managers_approve(cast):
    incident = an_incident(cast)
    statement = a_draft(cast, incident)
    with pytest.raises(IncidentError, match="may not approve"):
        statement_approve(statement=statement, by=cast.readonly_staff)
    statement_approve(statement=statement, by=cast.manager)
    statement.refresh_from_db()
    assert statement.status == StatementStatus.APPROVED
    assert statement.approver == cast.manager
    assert statement.approved_at is not None
    assert "no approved plan" in approval_rule(incident).explanation


def test_the_role_named_in_the_approval_chain_approves_and_nobody_else(cast):
    _plan, revision = approved_plan(
        cast.client,
        cast.owner,
        team_roles=TEAM,
        statement_templates=[HOLDING],
        approval_chain="Drafted by the spokesperson, approved by the CRISIS LEAD.",
    )
    incident = an_incident(cast, plan_revision=revision)
    IncidentRole.objects.create(incident=incident, role="Crisis lead", person=cast.manager)
    IncidentRole.objects.create(incident=incident, role="Legal", person=cast.staff)
    statement = a_draft(cast, incident, by=cast.staff)
    # the owner is not the crisis lead of this incident
    with pytest.raises(IncidentError, match=r"may not approve.*Crisis lead"):
        statement_approve(statement=statement, by=cast.owner)
    statement_approve(statement=statement, by=cast.manager)
    assert statement.status == StatementStatus.APPROVED


def test_an_unfilled_placeholder_blocks_approval_until_edited(cast):
    incident = an_incident(cast)
    statement = a_draft(cast, incident, body="Next update at {next_update}.")
    assert statement.body == "Next update at [next_update]."
    with pytest.raises(IncidentError, match=r"\[next_update\] to fill in"):
        statement_approve(statement=statement, by=cast.manager)
    statement_edit(
        statement=statement, by=cast.staff, channel="facebook", body="Next update at 4pm."
    )
    statement_approve(statement=statement, by=cast.manager)
    assert statement.channel == "facebook"
    edit = incident.timeline.filter(data__previous_body="Next update at [next_update].")
    assert edit.exists()  # the earlier words are kept


def test_only_drafts_can_be_edited(cast):
    statement = a_draft(cast, an_incident(cast))
    statement_approve(statement=statement, by=cast.manager)
    with pytest.raises(IncidentError, match="only drafts can be edited"):
        statement_edit(statement=statement, by=cast.staff, channel="x", body="Changed")


def test_publishing_before_approval_is_refused(cast):
    statement = a_draft(cast, an_incident(cast))
    with pytest.raises(IncidentError, match="Approve this statement before publishing it"):
        statement_publish(statement=statement, by=cast.staff)


def test_publishing_records_time_address_and_first_statement(cast):
    incident = an_incident(cast)
    statement = a_draft(cast, incident)
    statement_approve(statement=statement, by=cast.manager)
    statement_publish(statement=statement, by=cast.staff, url="https://x.com/acme/status/1")
    incident.refresh_from_db()
    statement.refresh_from_db()
    assert statement.status == StatementStatus.PUBLISHED
    assert statement.published_url == "https://x.com/acme/status/1"
    assert incident.first_statement_at == statement.published_at
    kinds = list(incident.timeline.values_list("kind", "visibility"))
    assert kinds == [
        (EntryKind.STATEMENT_DRAFTED, Visibility.INTERNAL),
        (EntryKind.STATEMENT_APPROVED, Visibility.INTERNAL),
        (EntryKind.STATEMENT_PUBLISHED, Visibility.CLIENT),
    ]
    # a second statement does not move the first-statement time
    second = a_draft(cast, incident)
    statement_approve(statement=second, by=cast.manager)
    statement_publish(statement=second, by=cast.staff)
    incident.refresh_from_db()
    assert incident.first_statement_at == statement.published_at


def test_a_bad_address_is_refused(cast):
    statement = a_draft(cast, an_incident(cast))
    statement_approve(statement=statement, by=cast.manager)
    with pytest.raises(IncidentError, match="full address"):
        statement_publish(statement=statement, by=cast.staff, url="javascript:alert(1)")


def test_a_closed_incident_refuses_statements(cast):
    incident = an_incident(cast)
    statement = a_draft(cast, incident)
    incident_change_status(incident=incident, by=cast.owner, status="closed", reason="Done")
    for act in (
        lambda: a_draft(cast, incident),
        lambda: statement_approve(statement=statement, by=cast.manager),
        lambda: statement_edit(statement=statement, by=cast.staff, channel="x", body="New"),
    ):
        with pytest.raises(IncidentError, match="closed"):
            act()


# -- pages --------------------------------------------------------------------------------


def statements_url(incident: Incident, name: str = "list", **kwargs: Any) -> str:
    return reverse(
        f"statements:{name}",
        kwargs={"client": incident.client.public_id, "incident": incident.public_id, **kwargs},
    )


def test_staff_drafts_a_statement_and_a_manager_approves_and_publishes_it(cast, client):
    incident = an_incident(cast)
    client.force_login(cast.staff)
    response = client.get(statements_url(incident, "draft"))
    assert response.status_code == 200
    response = client.post(
        statements_url(incident, "draft"), {"channel": "linkedin", "body": "{client} is sorry."}
    )
    assert response.status_code == 302
    statement = incident.statements.get()
    assert statement.body == "Acme Foods is sorry."

    response = client.post(statements_url(incident, "approve", pk=statement.public_id), follow=True)
    assert "You wrote this statement: someone else must approve it." in response.text

    client.force_login(cast.manager)
    client.post(statements_url(incident, "approve", pk=statement.public_id))
    client.post(
        statements_url(incident, "publish", pk=statement.public_id),
        {"url": "https://linkedin.com/posts/1"},
    )
    statement.refresh_from_db()
    assert statement.status == StatementStatus.PUBLISHED
    page = client.get(statements_url(incident)).text
    assert "Acme Foods is sorry." in page
    assert "https://linkedin.com/posts/1" in page


def test_the_draft_form_shows_an_unknown_placeholder_error(cast, client):
    incident = an_incident(cast)
    client.force_login(cast.staff)
    response = client.post(statements_url(incident, "draft"), {"channel": "x", "body": "{oops}"})
    assert response.status_code == 400
    assert "Unknown placeholder {oops}" in response.text


def test_the_statements_page_explains_who_approves_and_shows_key_messages(cast, client):
    _plan, revision = approved_plan(
        cast.client,
        cast.owner,
        key_messages=[{"topic": "Safety", "message": "Your safety comes first."}],
    )
    incident = an_incident(cast, plan_revision=revision)
    client.force_login(cast.staff)
    page = client.get(statements_url(incident, "draft")).text
    assert "Your safety comes first." in page
    page = client.get(statements_url(incident)).text
    assert "owners and managers" in page


def test_when_nobody_holds_the_named_role_owners_and_managers_approve(cast):
    _plan, revision = approved_plan(
        cast.client, cast.owner, approval_chain="The spokesperson approves."
    )
    incident = an_incident(cast, plan_revision=revision)
    IncidentRole.objects.create(incident=incident, role="Spokesperson", person_name="Outside PR")
    rule = approval_rule(incident)
    assert "nobody with an account here holds it" in rule.explanation
    statement = a_draft(cast, incident)
    statement_approve(statement=statement, by=cast.manager)
    assert statement.status == StatementStatus.APPROVED


# -- who approves: exact role names of the plan's crisis team --------------------------------


def test_the_chain_names_roles_as_whole_words_only():
    from incidents.statement_services import roles_named_in_chain

    team = ["Legal", "Crisis lead", "Lead", "Spokesperson", "Customer service"]
    assert roles_named_in_chain("The paralegal and the team leader check it.", team) == []
    assert roles_named_in_chain("Approved by the CRISIS LEAD.", team) == ["Crisis lead"]
    assert roles_named_in_chain("Lead approves, then Legal's sign-off.", team) == [
        "Legal",
        "Lead",
    ]
    assert roles_named_in_chain("Both spokespersons; customer   SERVICE", team) == [
        "Spokesperson",
        "Customer service",
    ]
    assert roles_named_in_chain("Légal approves", ["Legal"]) == ["Legal"]  # accents folded


def a_plan_with_chain(cast, chain, team):
    _plan, revision = approved_plan(cast.client, cast.owner, team_roles=team, approval_chain=chain)
    return revision


def test_a_role_only_contained_in_a_word_of_the_chain_does_not_approve(cast):
    team = [{"role": "Legal", "person": "", "deputy": ""}]
    revision = a_plan_with_chain(cast, "The paralegal approves every statement.", team)
    incident = an_incident(cast, plan_revision=revision)
    IncidentRole.objects.create(incident=incident, role="Legal", person=cast.staff)
    rule = approval_rule(incident)
    assert not rule.allows(cast.staff)
    assert rule.allows(cast.manager) and rule.allows(cast.owner)  # the fallback
    assert "names none of the plan's crisis-team roles" in rule.explanation


def test_a_longer_role_name_does_not_also_name_a_shorter_one(cast):
    team = [
        {"role": "Crisis lead", "person": "", "deputy": ""},
        {"role": "Lead", "person": "", "deputy": ""},
    ]
    revision = a_plan_with_chain(cast, "Approved by the crisis lead.", team)
    incident = an_incident(cast, plan_revision=revision)
    IncidentRole.objects.create(incident=incident, role="Crisis lead", person=cast.manager)
    IncidentRole.objects.create(incident=incident, role="Lead", person=cast.staff)
    rule = approval_rule(incident)
    assert rule.allows(cast.manager) and not rule.allows(cast.staff)
    assert rule.roles == ["Crisis lead"]
    statement = a_draft(cast, incident, by=cast.owner)
    with pytest.raises(IncidentError, match=r"may not approve.*names the role Crisis lead"):
        statement_approve(statement=statement, by=cast.staff)
    statement_approve(statement=statement, by=cast.manager)
    assert statement.status == StatementStatus.APPROVED


def test_an_incident_role_outside_the_plans_team_is_never_an_approver(cast):
    team = [{"role": "Spokesperson", "person": "", "deputy": ""}]
    revision = a_plan_with_chain(cast, "Legal approves; the spokesperson publishes.", team)
    incident = an_incident(cast, plan_revision=revision)
    # Someone added a "Legal" role to this incident, but the plan's team has none.
    IncidentRole.objects.create(incident=incident, role="Legal", person=cast.staff)
    IncidentRole.objects.create(incident=incident, role="Spokesperson", person=cast.manager)
    rule = approval_rule(incident)
    assert rule.roles == ["Spokesperson"]
    assert not rule.allows(cast.staff)


def test_a_named_role_nobody_holds_falls_back_to_owners_and_managers(cast):
    team = [{"role": "Legal", "person": "Lara Lawyer (external)", "deputy": ""}]
    revision = a_plan_with_chain(cast, "LEGAL approves.", team)
    incident = an_incident(cast, plan_revision=revision)
    IncidentRole.objects.create(incident=incident, role="Legal", person_name="Lara Lawyer")
    rule = approval_rule(incident)
    assert "names the role Legal, but nobody with an account here holds it" in rule.explanation
    assert rule.allows(cast.owner) and rule.allows(cast.manager)
    assert not rule.allows(cast.staff)
