"""The crisis plan pages: the revision workflow through the UI, refusals with a clear
message, the diff, the printable plan and the portal's view of the plan."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import ActionItem, ActionItemStatus, Incident, IncidentStatus
from incidents.postmortem_actions import action_item_create
from incidents.postmortems import postmortem_create
from plans.models import CrisisPlan, PlanRevision, RevisionStatus
from plans.services import plan_revision_start, plan_revision_update
from tests.incidents.incident_factories import an_incident
from tests.plans.factories import approved_plan


def url(name, client, **kwargs):
    return reverse(f"plans:{name}", kwargs={"client": client.public_id, **kwargs})


def test_staff_starts_a_plan_edits_a_section_and_sends_it_for_review(cast, client):
    client.force_login(cast.staff)
    response = client.post(url("plan_start", cast.client))
    draft = PlanRevision.objects.get(plan__client=cast.client)
    assert response.status_code == 302
    assert response["Location"] == url("revision", cast.client, pk=draft.public_id)

    response = client.post(
        url("revision_section", cast.client, pk=draft.public_id, section="objectives"),
        {"objectives": "Keep customers safe and informed.", "plan_scope": "UK and Ireland"},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.objectives == "Keep customers safe and informed."

    client.post(url("revision_submit", cast.client, pk=draft.public_id))
    draft.refresh_from_db()
    assert draft.status == RevisionStatus.IN_REVIEW


def test_a_statement_template_with_an_unknown_placeholder_is_not_saved(cast, client):
    plan = CrisisPlan.objects.create(client=cast.client, next_review_date="2030-01-01")
    draft = plan_revision_start(plan=plan, by=cast.owner)
    client.force_login(cast.owner)
    response = client.post(
        url("revision_section", cast.client, pk=draft.public_id, section="templates"),
        {
            "templates-TOTAL_FORMS": "1",
            "templates-INITIAL_FORMS": "0",
            "templates-0-name": "Holding statement",
            "templates-0-body": "{client} is aware of {incidnet}.",
        },
    )
    assert response.status_code == 400
    assert "Unknown placeholder {incidnet}" in response.content.decode()
    draft.refresh_from_db()
    assert draft.statement_templates == []


def test_editing_an_approved_revision_is_refused_with_a_clear_message(cast, client):
    _, approved = approved_plan(cast.client, cast.owner)
    client.force_login(cast.owner)
    page = client.get(
        url("revision_section", cast.client, pk=approved.public_id, section="objectives")
    )
    assert "Revision 1 is approved and can no longer be changed" in page.content.decode()
    assert "<textarea" not in page.content.decode()

    response = client.post(
        url("revision_section", cast.client, pk=approved.public_id, section="objectives"),
        {"objectives": "Changed behind everyone's back", "plan_scope": ""},
        follow=True,
    )
    assert "can no longer be changed" in response.content.decode()
    approved.refresh_from_db()
    assert approved.objectives == "Protect trust."


def test_a_second_draft_is_refused_with_a_message_naming_the_open_one(cast, client):
    plan, _ = approved_plan(cast.client, cast.owner)
    plan_revision_start(plan=plan, by=cast.staff)
    client.force_login(cast.manager)
    response = client.post(url("plan_start", cast.client), follow=True)
    assert "Revision 2 of this plan is already a draft (started by Sam Staff)" in (
        response.content.decode()
    )
    assert plan.revisions.count() == 2


def test_approve_through_the_page_records_the_approver(cast, client):
    plan, first = approved_plan(cast.client, cast.owner)
    draft = plan_revision_start(plan=plan, by=cast.staff)
    client.force_login(cast.staff)
    client.post(url("revision_submit", cast.client, pk=draft.public_id))
    client.force_login(cast.manager)
    client.post(url("revision_approve", cast.client, pk=draft.public_id))
    draft.refresh_from_db()
    first.refresh_from_db()
    assert (draft.status, draft.approved_by) == (RevisionStatus.APPROVED, cast.manager)
    assert first.status == RevisionStatus.SUPERSEDED


def test_approving_through_the_page_completes_the_action_items_it_carries(cast, client):
    plan, _ = approved_plan(cast.client, cast.owner)
    draft = plan_revision_start(plan=plan, by=cast.staff)
    incident = an_incident(cast)
    Incident.objects.filter(pk=incident.pk).update(
        status=IncidentStatus.RESOLVED, resolved_at=timezone.now()
    )
    incident.status = IncidentStatus.RESOLVED
    pm = postmortem_create(incident=incident, by=cast.owner)
    earlier = timezone.now() - timedelta(days=2)
    items = {}
    for status in ActionItemStatus:
        item = action_item_create(postmortem=pm, by=cast.owner, title=f"Item {status.label}")
        ActionItem.objects.filter(pk=item.pk).update(
            status=status, plan_revision=draft, completed_at=earlier
        )
        items[status] = item
    unlinked = action_item_create(postmortem=pm, by=cast.owner, title="Not about the plan")

    client.force_login(cast.staff)
    client.post(url("revision_submit", cast.client, pk=draft.public_id))
    client.force_login(cast.manager)
    client.post(url("revision_approve", cast.client, pk=draft.public_id))

    after = {s: ActionItem.objects.get(pk=i.pk) for s, i in items.items()}
    for was in (ActionItemStatus.OPEN, ActionItemStatus.IN_PROGRESS):
        assert after[was].status == ActionItemStatus.DONE
        assert after[was].completed_at > earlier and after[was].updated_by == cast.manager
    assert after[ActionItemStatus.DONE].completed_at == earlier  # not completed twice
    assert after[ActionItemStatus.DROPPED].status == ActionItemStatus.DROPPED
    assert ActionItem.objects.get(pk=unlinked.pk).status == ActionItemStatus.OPEN
    page = client.get(url("revision", cast.client, pk=draft.public_id)).content.decode()
    for title, shown in (
        ("Item Open", "done"),
        ("Item In progress", "done"),
        ("Item Dropped", "dropped"),
    ):
        assert re.search(rf"{title}</a> <span[^>]*>[^<]*· {shown}\b", page), title


def test_read_only_staff_cannot_approve(cast, client):
    plan, _ = approved_plan(cast.client, cast.owner)
    draft = plan_revision_start(plan=plan, by=cast.owner)
    client.force_login(cast.readonly_staff)
    assert client.post(url("revision_submit", cast.client, pk=draft.public_id)).status_code == 403


def test_the_diff_shows_changed_sections_side_by_side(cast, client):
    plan, _ = approved_plan(cast.client, cast.owner)
    draft = plan_revision_start(plan=plan, by=cast.owner)
    plan_revision_update(revision=draft, by=cast.owner, objectives="Protect trust and safety.")
    client.force_login(cast.owner)
    page = client.get(url("revision_diff", cast.client, pk=draft.public_id)).content.decode()
    assert "Revision 2 compared with revision 1" in page
    assert (
        '<tr class="diff-changed"><td>  Protect trust.</td><td>  Protect trust and safety.</td>'
        in page
    )


def test_the_printable_plan_is_an_a4_page_with_page_numbers(cast, client):
    approved_plan(cast.client, cast.owner)
    client.force_login(cast.staff)
    page = client.get(url("plan_print", cast.client)).content.decode()
    assert "size: A4" in page
    assert "counter(page)" in page
    assert "Publish the holding statement" in page
    assert "<script" not in page


def test_a_scenario_with_a_playbook_is_added_to_a_draft(cast, client):
    plan, _ = approved_plan(cast.client, cast.owner)
    draft = plan_revision_start(plan=plan, by=cast.owner)
    client.force_login(cast.staff)
    response = client.post(
        url("scenario_create", cast.client, pk=draft.public_id),
        {
            "title": "Influencer backlash",
            "description": "",
            "trigger_terms": "boycott, #acmefail",
            "steps-TOTAL_FORMS": "3",
            "steps-INITIAL_FORMS": "0",
            "steps-0-action": "Check the facts",
            "steps-0-owner_role": "Social media",
            "steps-0-due": "+15 min",
            "steps-0-client_visible": "on",
            "steps-0-ORDER": "2",
            "steps-1-action": "Alert the crisis lead",
            "steps-1-due": "5",
            "steps-1-ORDER": "1",
            "steps-2-action": "",
        },
    )
    assert response.status_code == 302
    scenario = draft.scenarios.get(title="Influencer backlash")
    assert [(s.action, s.due_offset_minutes, s.client_visible) for s in scenario.steps.all()] == [
        ("Alert the crisis lead", 5, False),
        ("Check the facts", 15, True),
    ]
    assert scenario.trigger_term_list == ["boycott", "#acmefail"]


def one_step_scenario(cast, client, title: str, due: str):  # type: ignore[no-untyped-def]
    """Post a new scenario with one playbook step due at `due`; the draft and the answer."""
    plan, _ = approved_plan(cast.client, cast.owner)
    draft = plan_revision_start(plan=plan, by=cast.owner)
    client.force_login(cast.owner)
    response = client.post(
        url("scenario_create", cast.client, pk=draft.public_id),
        {
            "title": title,
            "steps-TOTAL_FORMS": "1",
            "steps-INITIAL_FORMS": "0",
            "steps-0-action": "Do it",
            "steps-0-due": due,
        },
    )
    return draft, response


@pytest.mark.parametrize(
    ("due", "explained"),
    [
        ("soonish", "such as “+30 min”"),
        # No longer than a year: past that, an incident opened on the plan could not even
        # compute the step's due time (and the database column overflows first).
        ("366 d", "at most 365 days after the incident opens"),
        ("999999999 d", "at most 365 days after the incident opens"),
        ("99999999999999999999", "at most 365 days after the incident opens"),
    ],
)
def test_a_bad_due_offset_is_explained(cast, client, due, explained):
    draft, response = one_step_scenario(cast, client, "Bad", due)
    assert response.status_code == 400
    assert explained in response.content.decode()
    assert not draft.scenarios.filter(title="Bad").exists()


def test_a_step_due_a_year_after_opening_is_saved(cast, client):
    draft, response = one_step_scenario(cast, client, "Anniversary", "+365 d")
    assert response.status_code == 302
    scenario = draft.scenarios.get(title="Anniversary")
    assert scenario.steps.get().due_offset_minutes == 365 * 1440


def test_the_client_contact_sees_the_approved_plan_but_no_draft_or_internal_content(cast, client):
    plan, _ = approved_plan(cast.client, cast.owner, internal_notes="Client CEO is touchy")
    draft = plan_revision_start(plan=plan, by=cast.owner)
    plan_revision_update(revision=draft, by=cast.owner, objectives="DRAFT OBJECTIVE")
    client.force_login(cast.contact_user)
    page = client.get(
        reverse("plansportal:plan", kwargs={"client": cast.client.public_id})
    ).content.decode()
    assert "Protect trust." in page
    assert "Publish the holding statement" in page
    assert "DRAFT OBJECTIVE" not in page
    assert "Client CEO is touchy" not in page
    assert "Brief legal" not in page  # an internal playbook step


def test_a_client_contact_cannot_open_another_clients_portal_plan(cast, client):
    approved_plan(cast.second_client, cast.owner)
    client.force_login(cast.contact_user)
    response = client.get(
        reverse("plansportal:plan", kwargs={"client": cast.second_client.public_id})
    )
    assert response.status_code == 404
