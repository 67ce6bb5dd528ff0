"""Demo content for Acme Foods: an approved crisis plan with a product-recall scenario
and its playbook, a small risk register and a past drill. Built through the same
services as the UI, and only when the client has no plan yet (idempotent)."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from clients.models import Client
from plans.models import CrisisPlan, ExerciseStatus, Risk, RiskCategory
from plans.services import (
    StepData,
    exercise_save,
    plan_create,
    plan_revision_approve,
    plan_revision_start,
    plan_revision_submit,
    plan_revision_update,
    risk_create,
    scenario_save,
)
from portal.models import User

RISKS = [
    ("Contaminated batch reaches shops", RiskCategory.PRODUCT_QUALITY, 2, 5),
    ("Influencer backlash over packaging claims", RiskCategory.CONTROVERSY, 3, 3),
    ("Tone-deaf post during a national tragedy", RiskCategory.COMMUNICATION_ERROR, 2, 4),
    ("Customer-data leak from the loyalty app", RiskCategory.CYBER_ATTACK, 2, 4),
    ("Factory strike halts deliveries", RiskCategory.OPERATIONAL, 3, 2),
]


def _role(role: str, person: str, deputy: str, responsibilities: str) -> dict[str, str]:
    return {
        "role": role,
        "person": person,
        "deputy": deputy,
        "responsibilities": responsibilities,
    }


@transaction.atomic
def load_plan_demo(*, client: Client, by: User) -> None:
    if CrisisPlan.objects.filter(client=client).exists():
        return
    risks: list[Risk] = [
        risk_create(
            client=client,
            by=by,
            title=title,
            category=category,
            likelihood=likelihood,
            impact=impact,
            owner=by,
            mitigations="Monitoring terms in place; holding statement pre-approved.",
        )
        for title, category, likelihood, impact in RISKS
    ]
    plan = plan_create(client=client, by=by)
    draft = plan_revision_start(plan=plan, by=by)
    plan_revision_update(
        revision=draft,
        by=by,
        change_summary="First approved plan.",
        objectives="Protect customer safety first, then trust in the Acme brand.",
        plan_scope="Social media, press and retail-partner communication in the UK.",
        channels="X, Instagram, Facebook, press office, acmefoods.example/news",
        approval_chain="Crisis lead drafts, Legal checks, Spokesperson approves.",
        # People named as the agency's demo users are (clients/demo.py), so opening an
        # incident finds their accounts; Legal is the client's counsel, who has none.
        team_roles=[
            _role("Crisis lead", "Max Manager", "Olivia Owner", "Runs the response."),
            _role("Spokesperson", "Olivia Owner", "Max Manager", "Speaks for Acme."),
            _role("Social media", "Sam Staff", "Max Manager", "Posts and answers online."),
            _role("Legal", "Priya Shah", "", "Acme's in-house counsel: checks statements."),
            _role("Customer service", "Sam Staff", "", "Briefs care lines and retailers."),
            _role("Operations", "Max Manager", "", "Confirms the facts with Quality."),
        ],
        key_messages=[
            {"topic": "Safety", "message": "Your safety comes first; we act on every report."},
            {"topic": "Transparency", "message": "We will share what we know, as we learn it."},
        ],
        statement_templates=[
            {
                "name": "Holding statement",
                "channel": "X",
                "body": "We are aware of reports about {incident} and are looking into them "
                "urgently. Updates will follow here. — {client}, {date}",
            }
        ],
        monitoring_notes="Watch 'acme' with recall, sick, mould; Mumsnet and local news.",
    )
    scenario_save(
        revision=draft,
        by=by,
        title="Product recall",
        description="A batch is found unsafe and must be withdrawn from shops.",
        trigger_terms="recall, sick, mould, contaminated",
        risks=risks[:1],
        steps=[
            StepData("Confirm the facts with Quality", "Operations", 15, False),
            StepData("Publish the holding statement", "Spokesperson", 30, True),
            StepData("Brief retail partners", "Customer service", 60, False),
            StepData("Notify the Food Standards Agency", "Legal", 120, True),
        ],
    )
    plan_revision_submit(revision=draft, by=by)
    plan_revision_approve(revision=draft, by=by)
    exercise_save(
        client=client,
        by=by,
        title="Recall tabletop exercise",
        scheduled_at=timezone.now() - timedelta(days=60),
        status=ExerciseStatus.COMPLETED,
        participants="Olivia Owner, Max Manager, Sam Staff",
        objectives="Holding statement out within 30 minutes.",
        outcome="Statement out in 41 minutes; partner briefing late.",
        score=3,
        lessons_learned="Pre-approve the partner email template.",
    )
