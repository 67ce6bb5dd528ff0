"""Writes of the plans app: the revision workflow of crisis plans, scenarios and their
playbooks, the risk register (with its history) and drills. Views, tasks and later the
API call these; they are the only code that changes these models.

The revision workflow: draft → in review → approved → superseded. Only a draft may be
changed; a plan has at most one open (draft or in-review) revision and at most one
approved revision, both enforced by database constraints as well as here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from clients.models import Client
from plans.defaults import first_draft_content
from plans.models import (
    OPEN_STATUSES,
    CrisisPlan,
    Exercise,
    PlanRevision,
    PlaybookStep,
    RevisionStatus,
    Risk,
    RiskChange,
    Scenario,
)

if TYPE_CHECKING:
    from portal.models import User


class PlanError(Exception):
    """A workflow rule was broken; the message is written for the person who tried."""


# Fields of a revision that hold plan content (copied to the next draft, diffed).
CONTENT_FIELDS = [
    "objectives",
    "plan_scope",
    "escalation_levels",
    "team_roles",
    "channels",
    "approval_chain",
    "key_messages",
    "statement_templates",
    "monitoring_notes",
    "internal_notes",
]


def _open_revision_message(revision: PlanRevision) -> str:
    who = revision.created_by.display_name if revision.created_by else "someone"
    state = "a draft" if revision.is_draft else "in review"
    return (
        f"Revision {revision.number} of this plan is already {state} (started by {who}). "
        "Continue that one, or discard it, before starting another."
    )


def _require_draft(revision: PlanRevision) -> None:
    if revision.status != RevisionStatus.DRAFT:
        raise PlanError(
            f"Revision {revision.number} is {revision.get_status_display().lower()} and can "
            "no longer be changed. Start a new draft to change the plan."
        )


def plan_create(*, client: Client, by: User, owner: User | None = None) -> CrisisPlan:
    """The client's plan (created on first use), with nothing approved yet."""
    plan, _ = CrisisPlan.objects.get_or_create(
        client=client,
        defaults={
            "owner": owner or by,
            "next_review_date": timezone.localdate() + timedelta(days=180),
        },
    )
    return plan


@transaction.atomic
def plan_revision_start(*, plan: CrisisPlan, by: User) -> PlanRevision:
    """Start a new draft, copied from the approved revision (or empty for a new plan).

    Refused while another revision is a draft or in review: two people editing two
    drafts of one plan would each lose the other's work on approval."""
    plan = CrisisPlan.objects.select_for_update().get(pk=plan.pk)
    current = plan.revisions.filter(status__in=OPEN_STATUSES).first()
    if current is not None:
        raise PlanError(_open_revision_message(current))
    base = plan.approved_revision
    number = (plan.revisions.aggregate(n=Max("number"))["n"] or 0) + 1
    draft = PlanRevision(plan=plan, number=number, based_on=base, created_by=by)
    content = (
        {name: getattr(base, name) for name in CONTENT_FIELDS}
        if base is not None
        else first_draft_content()
    )
    for name, value in content.items():
        setattr(draft, name, value)
    try:
        with transaction.atomic():
            draft.save()
    except IntegrityError as exc:
        # Another request started a draft between our check and our insert.
        current = plan.revisions.filter(status__in=OPEN_STATUSES).first()
        raise PlanError(
            _open_revision_message(current) if current else "Another draft was just started."
        ) from exc
    if base is not None:
        _copy_scenarios(source=base, target=draft)
    return draft


def _copy_scenarios(*, source: PlanRevision, target: PlanRevision) -> None:
    for scenario in source.scenarios.prefetch_related("steps", "risks"):
        copy = Scenario.objects.create(
            revision=target,
            title=scenario.title,
            description=scenario.description,
            trigger_terms=scenario.trigger_terms,
            position=scenario.position,
        )
        copy.risks.set(scenario.risks.all())
        PlaybookStep.objects.bulk_create(
            PlaybookStep(
                scenario=copy,
                position=step.position,
                action=step.action,
                owner_role=step.owner_role,
                due_offset_minutes=step.due_offset_minutes,
                client_visible=step.client_visible,
            )
            for step in scenario.steps.all()
        )


def plan_revision_update(*, revision: PlanRevision, by: User, **changes: Any) -> PlanRevision:
    """Change content fields of a draft."""
    unknown = set(changes) - {*CONTENT_FIELDS, "change_summary"}
    if unknown:
        raise ValueError(f"not content fields of a revision: {sorted(unknown)}")
    with transaction.atomic():
        revision = PlanRevision.objects.select_for_update().get(pk=revision.pk)
        _require_draft(revision)
        for name, value in changes.items():
            setattr(revision, name, value)
        revision.save()
    return revision


@transaction.atomic
def plan_revision_submit(*, revision: PlanRevision, by: User) -> PlanRevision:
    """Send a draft for review: from now on it cannot be changed."""
    revision = PlanRevision.objects.select_for_update().get(pk=revision.pk)
    _require_draft(revision)
    revision.status = RevisionStatus.IN_REVIEW
    revision.submitted_by = by
    revision.submitted_at = timezone.now()
    revision.save()
    return revision


@transaction.atomic
def plan_revision_return(*, revision: PlanRevision, by: User) -> PlanRevision:
    """Send a revision in review back to draft (changes requested)."""
    revision = PlanRevision.objects.select_for_update().get(pk=revision.pk)
    if revision.status != RevisionStatus.IN_REVIEW:
        raise PlanError(f"Revision {revision.number} is not in review.")
    revision.status = RevisionStatus.DRAFT
    revision.submitted_by = None
    revision.submitted_at = None
    revision.save()
    return revision


@transaction.atomic
def plan_revision_approve(*, revision: PlanRevision, by: User) -> PlanRevision:
    """Approve a revision in review: it becomes the plan in force and the one it
    replaces is superseded, in one transaction (the plan row is locked so that two
    approvals cannot interleave). Approval counts as a review of the plan, and completes
    the post-mortem action items that opened the revision."""
    plan = CrisisPlan.objects.select_for_update().get(pk=revision.plan_id)
    revision = PlanRevision.objects.select_for_update().get(pk=revision.pk)
    if revision.status != RevisionStatus.IN_REVIEW:
        raise PlanError(
            f"Revision {revision.number} is {revision.get_status_display().lower()}: only a "
            "revision in review can be approved. Submit it for review first."
        )
    now = timezone.now()
    plan.revisions.filter(status=RevisionStatus.APPROVED).update(
        status=RevisionStatus.SUPERSEDED, superseded_at=now
    )
    revision.status = RevisionStatus.APPROVED
    revision.approved_by = by
    revision.approved_at = now
    revision.save()
    plan.next_review_date = timezone.localdate() + timedelta(days=plan.review_interval_days)
    plan.last_review_reminder_on = None
    plan.save(update_fields=["next_review_date", "last_review_reminder_on"])
    # Post-mortem action items that opened this revision (guide V.B) are done once the
    # changed plan is in force; dropped or already done ones are left as they are.
    # Imported here, not at the top: incidents builds on plans (its post-mortem actions
    # call these services), so plans imports incidents only when the call is made, as
    # plans/views/plan.py does for the revision page's items.
    from incidents.models import ACTION_ITEM_OPEN_STATUSES, ActionItemStatus

    revision.action_items.filter(status__in=ACTION_ITEM_OPEN_STATUSES).update(
        status=ActionItemStatus.DONE, completed_at=now, updated_by=by, updated_at=now
    )
    return revision


@transaction.atomic
def plan_revision_discard(*, revision: PlanRevision, by: User) -> None:
    """Throw away a draft (nothing else can be deleted: approved plans are a record)."""
    revision = PlanRevision.objects.select_for_update().get(pk=revision.pk)
    _require_draft(revision)
    revision.delete()


def plan_settings_update(
    *,
    plan: CrisisPlan,
    by: User,
    owner: User | None,
    review_interval_days: int,
    next_review_date: date,
) -> CrisisPlan:
    plan.owner = owner
    plan.review_interval_days = review_interval_days
    if plan.next_review_date != next_review_date:
        # A new date is a new reminder cycle.
        plan.last_review_reminder_on = None
    plan.next_review_date = next_review_date
    plan.save()
    return plan


# -- scenarios -------------------------------------------------------------------------


@dataclass
class StepData:
    action: str
    owner_role: str = ""
    due_offset_minutes: int = 0
    client_visible: bool = True


def scenario_save(
    *,
    revision: PlanRevision,
    by: User,
    scenario: Scenario | None = None,
    title: str,
    description: str = "",
    trigger_terms: str = "",
    risks: Iterable[Risk] = (),
    steps: Iterable[StepData] | None = None,
) -> Scenario:
    """Create or change a scenario of a draft; `steps` (in order) replaces the playbook."""
    with transaction.atomic():
        revision = PlanRevision.objects.select_for_update().get(pk=revision.pk)
        _require_draft(revision)
        risks = list(risks)
        if any(r.client_id != revision.plan.client_id for r in risks):
            raise PlanError("A scenario can only be linked to risks of the same client.")
        if scenario is None:
            last = revision.scenarios.aggregate(n=Max("position"))["n"]
            scenario = Scenario(revision=revision, position=(last or 0) + 1)
        elif scenario.revision_id != revision.pk:
            raise PlanError("That scenario belongs to another revision.")
        scenario.title = title
        scenario.description = description
        scenario.trigger_terms = trigger_terms
        scenario.save()
        scenario.risks.set(risks)
        if steps is not None:
            scenario.steps.all().delete()
            PlaybookStep.objects.bulk_create(
                PlaybookStep(
                    scenario=scenario,
                    position=i,
                    action=s.action,
                    owner_role=s.owner_role,
                    due_offset_minutes=s.due_offset_minutes,
                    client_visible=s.client_visible,
                )
                for i, s in enumerate(steps, start=1)
            )
    return scenario


@transaction.atomic
def scenario_delete(*, scenario: Scenario, by: User) -> None:
    revision = PlanRevision.objects.select_for_update().get(pk=scenario.revision_id)
    _require_draft(revision)
    scenario.delete()


# -- risk register ---------------------------------------------------------------------

RISK_FIELDS = [
    "title",
    "category",
    "description",
    "likelihood",
    "impact",
    "owner",
    "mitigations",
    "status",
    "review_date",
    "internal_notes",
]


def _label(name: str) -> str:
    field = Risk._meta.get_field(name)
    return str(getattr(field, "verbose_name", name))


def _display(risk: Risk, name: str) -> str:
    value = getattr(risk, name)
    if value is None:
        return ""
    display = getattr(risk, f"get_{name}_display", None)
    if display is not None:
        return str(display())
    if hasattr(value, "display_name"):
        return str(value.display_name)
    return str(value)


@transaction.atomic
def risk_create(*, client: Client, by: User, **fields: Any) -> Risk:
    unknown = set(fields) - set(RISK_FIELDS)
    if unknown:
        raise ValueError(f"not risk fields: {sorted(unknown)}")
    risk = Risk.objects.create(client=client, created_by=by, **fields)
    RiskChange.objects.create(
        risk=risk, changed_by=by, field="created", new_value=f"{risk.title} (score {risk.score})"
    )
    return risk


@transaction.atomic
def risk_update(*, risk: Risk, by: User, **changes: Any) -> list[RiskChange]:
    """Change a risk and record one history row per field that really changed."""
    unknown = set(changes) - set(RISK_FIELDS)
    if unknown:
        raise ValueError(f"not risk fields: {sorted(unknown)}")
    risk = Risk.objects.select_for_update().get(pk=risk.pk)
    before = {name: _display(risk, name) for name in changes}
    old_score = risk.score
    for name, value in changes.items():
        setattr(risk, name, value)
    risk.save()
    now = timezone.now()
    rows = [
        RiskChange(
            risk=risk,
            changed_by=by,
            changed_at=now,
            field=_label(name),
            old_value=before[name],
            new_value=_display(risk, name),
        )
        for name in changes
        if before[name] != _display(risk, name)
    ]
    if risk.score != old_score:
        rows.append(
            RiskChange(
                risk=risk,
                changed_by=by,
                changed_at=now,
                field="score",
                old_value=str(old_score),
                new_value=str(risk.score),
            )
        )
    RiskChange.objects.bulk_create(rows)
    return rows


# -- drills ------------------------------------------------------------------------------


def exercise_save(
    *, client: Client, by: User, exercise: Exercise | None = None, **fields: Any
) -> Exercise:
    scenario = fields.get("scenario")
    if scenario is not None and scenario.revision.plan.client_id != client.pk:
        raise PlanError("A drill can only rehearse a scenario of the same client.")
    if exercise is None:
        exercise = Exercise(client=client, created_by=by)
    for name, value in fields.items():
        setattr(exercise, name, value)
    exercise.save()
    return exercise
