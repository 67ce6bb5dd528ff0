"""Small helpers that build plans through the services, as the UI does."""

from __future__ import annotations

from typing import Any

from plans.models import CrisisPlan, PlanRevision, Risk
from plans.services import (
    StepData,
    plan_create,
    plan_revision_approve,
    plan_revision_start,
    plan_revision_submit,
    plan_revision_update,
    risk_create,
    scenario_save,
)


def approved_plan(client: Any, by: Any, **content: Any) -> tuple[CrisisPlan, PlanRevision]:
    plan = plan_create(client=client, by=by)
    draft = plan_revision_start(plan=plan, by=by)
    plan_revision_update(revision=draft, by=by, objectives="Protect trust.", **content)
    scenario_save(
        revision=draft,
        by=by,
        title="Product recall",
        trigger_terms="recall, contaminated",
        steps=[
            StepData("Convene the crisis team", "Crisis lead", 0),
            StepData("Publish the holding statement", "Spokesperson", 30),
            StepData("Brief legal", "Legal", 60, client_visible=False),
        ],
    )
    plan_revision_submit(revision=draft, by=by)
    approved = plan_revision_approve(revision=draft, by=by)
    plan.refresh_from_db()
    return plan, approved


def a_risk(client: Any, by: Any, **fields: Any) -> Risk:
    values = {
        "title": "Contaminated batch",
        "category": "product_quality",
        "likelihood": 2,
        "impact": 5,
    }
    values.update(fields)
    return risk_create(client=client, by=by, **values)
