"""The revision workflow of crisis plans: draft → in review → approved → superseded."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from plans.models import PlanRevision, RevisionStatus
from plans.services import (
    PlanError,
    plan_create,
    plan_revision_approve,
    plan_revision_discard,
    plan_revision_return,
    plan_revision_start,
    plan_revision_submit,
    plan_revision_update,
    scenario_save,
)
from tests.plans.factories import approved_plan


def test_first_draft_starts_with_the_usual_crisis_team_roles(cast):
    plan = plan_create(client=cast.client, by=cast.owner)
    draft = plan_revision_start(plan=plan, by=cast.owner)
    assert draft.number == 1
    assert draft.status == RevisionStatus.DRAFT
    assert [r["role"] for r in draft.team_roles][:2] == ["Crisis lead", "Spokesperson"]
    assert [lvl["severity"] for lvl in draft.escalation_levels] == [1, 2, 3, 4]


def test_approval_records_who_and_when_and_puts_the_revision_in_force(cast):
    plan, approved = approved_plan(cast.client, cast.manager)
    assert approved.status == RevisionStatus.APPROVED
    assert approved.approved_by == cast.manager
    assert approved.approved_at is not None
    assert plan.approved_revision == approved


def test_an_approved_revision_cannot_be_edited(cast):
    _, approved = approved_plan(cast.client, cast.owner)
    with pytest.raises(PlanError, match="can no longer be changed"):
        plan_revision_update(revision=approved, by=cast.owner, objectives="Sneaky edit")
    approved.refresh_from_db()
    assert approved.objectives == "Protect trust."


def test_a_revision_in_review_cannot_be_edited_nor_its_scenarios(cast):
    plan = plan_create(client=cast.client, by=cast.owner)
    draft = plan_revision_start(plan=plan, by=cast.owner)
    plan_revision_submit(revision=draft, by=cast.owner)
    with pytest.raises(PlanError):
        plan_revision_update(revision=draft, by=cast.owner, objectives="x")
    with pytest.raises(PlanError):
        scenario_save(revision=draft, by=cast.owner, title="Late scenario")


def test_editing_an_approved_plan_starts_a_new_draft_with_its_content(cast):
    plan, approved = approved_plan(cast.client, cast.owner)
    draft = plan_revision_start(plan=plan, by=cast.staff)
    assert draft.number == 2
    assert draft.based_on == approved
    assert draft.objectives == "Protect trust."
    copied = draft.scenarios.get()
    assert copied.title == "Product recall"
    assert [s.action for s in copied.steps.all()] == [
        "Convene the crisis team",
        "Publish the holding statement",
        "Brief legal",
    ]
    # The approved revision keeps its own scenario, untouched by the draft.
    scenario_save(revision=draft, by=cast.staff, scenario=copied, title="Recall (v2)")
    assert approved.scenarios.get().title == "Product recall"


def test_a_second_concurrent_draft_is_refused_with_a_clear_message(cast):
    plan, _ = approved_plan(cast.client, cast.owner)
    plan_revision_start(plan=plan, by=cast.staff)
    with pytest.raises(
        PlanError, match=r"Revision 2 of this plan is already a draft \(started by Sam Staff\)"
    ):
        plan_revision_start(plan=plan, by=cast.manager)
    assert plan.revisions.count() == 2


def test_the_database_refuses_two_open_revisions_even_without_the_service(cast):
    plan = plan_create(client=cast.client, by=cast.owner)
    plan_revision_start(plan=plan, by=cast.owner)
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanRevision.objects.create(plan=plan, number=9, status=RevisionStatus.IN_REVIEW)


def test_approving_supersedes_the_previous_approved_revision(cast):
    plan, first = approved_plan(cast.client, cast.owner)
    second = plan_revision_start(plan=plan, by=cast.owner)
    plan_revision_submit(revision=second, by=cast.owner)
    plan_revision_approve(revision=second, by=cast.manager)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == RevisionStatus.SUPERSEDED
    assert first.superseded_at is not None
    assert second.status == RevisionStatus.APPROVED
    assert list(plan.revisions.filter(status=RevisionStatus.APPROVED)) == [second]


def test_a_draft_must_be_submitted_before_it_is_approved(cast):
    plan = plan_create(client=cast.client, by=cast.owner)
    draft = plan_revision_start(plan=plan, by=cast.owner)
    with pytest.raises(PlanError, match="Submit it for review first"):
        plan_revision_approve(revision=draft, by=cast.owner)


def test_a_revision_sent_back_from_review_is_editable_again(cast):
    plan = plan_create(client=cast.client, by=cast.owner)
    draft = plan_revision_start(plan=plan, by=cast.owner)
    plan_revision_submit(revision=draft, by=cast.owner)
    plan_revision_return(revision=draft, by=cast.manager)
    plan_revision_update(revision=draft, by=cast.owner, objectives="Better")
    draft.refresh_from_db()
    assert draft.objectives == "Better"


def test_a_discarded_draft_frees_the_plan_for_a_new_one_but_approved_ones_stay(cast):
    plan, approved = approved_plan(cast.client, cast.owner)
    draft = plan_revision_start(plan=plan, by=cast.owner)
    plan_revision_discard(revision=draft, by=cast.owner)
    with pytest.raises(PlanError):
        plan_revision_discard(revision=approved, by=cast.owner)
    assert plan_revision_start(plan=plan, by=cast.owner).number == 2


def test_approval_sets_the_next_review_date_from_the_interval(cast):
    from datetime import timedelta

    from django.utils import timezone

    plan = plan_create(client=cast.client, by=cast.owner)
    plan.review_interval_days = 90
    plan.save()
    draft = plan_revision_start(plan=plan, by=cast.owner)
    plan_revision_submit(revision=draft, by=cast.owner)
    plan_revision_approve(revision=draft, by=cast.owner)
    plan.refresh_from_db()
    assert plan.next_review_date == timezone.localdate() + timedelta(days=90)


def test_a_scenario_cannot_link_a_risk_of_another_client(cast):
    from tests.plans.factories import a_risk

    plan = plan_create(client=cast.client, by=cast.owner)
    draft = plan_revision_start(plan=plan, by=cast.owner)
    foreign = a_risk(cast.second_client, cast.owner)
    with pytest.raises(PlanError, match="same client"):
        scenario_save(revision=draft, by=cast.owner, title="x", risks=[foreign])
