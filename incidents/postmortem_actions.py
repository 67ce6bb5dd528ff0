"""Action items of a post-mortem (guide V.A, V.B): what the team decided to change, with
an owner, a due date and a status, and the step that closes the loop — an action item
may open a new draft revision of the client's crisis plan.

A plan has at most one open (draft or in-review) revision. When one is already open the
action item is linked to it instead of starting another, and the caller is told so:
two drafts of one plan would each lose the other's changes on approval.

Refusals raise `PostMortemError` with a message for the person who acted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from clients.services import client_team
from incidents.models import ActionItem, ActionItemStatus, PostMortem
from incidents.postmortems import PostMortemError
from plans.models import OPEN_STATUSES, CrisisPlan, PlanRevision
from plans.services import PlanError, plan_create, plan_revision_start, plan_revision_update

if TYPE_CHECKING:
    from portal.models import User

EDITABLE = ["title", "details", "owner", "owner_role", "due_date", "status"]
MAX_TITLE = 300


def _check_owner(postmortem: PostMortem, owner: User | None) -> None:
    if owner is None:
        return
    client = postmortem.incident.client
    if owner.pk not in {member.user.pk for member in client_team(client=client)}:
        raise PostMortemError(
            f"{owner.display_name} does not work on {client.name}: choose someone of the "
            "client's team, or name a role instead."
        )


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise PostMortemError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    if "title" in values:
        title = (values["title"] or "").strip()
        if not title:
            raise PostMortemError("Say what is to be done: the action item needs a title.")
        if len(title) > MAX_TITLE:
            raise PostMortemError(f"Keep the title under {MAX_TITLE} characters.")
        values["title"] = title
    for name in ("details", "owner_role"):
        if name in values:
            values[name] = (values[name] or "").strip()
    if "status" in values and values["status"] not in ActionItemStatus.values:
        raise PostMortemError("Choose a status from the list.")
    return values


def action_item_create(
    *,
    postmortem: PostMortem,
    by: User,
    title: str,
    details: str = "",
    owner: User | None = None,
    owner_role: str = "",
    due_date: date | None = None,
) -> ActionItem:
    values = _clean(
        {
            "title": title,
            "details": details,
            "owner": owner,
            "owner_role": owner_role,
            "due_date": due_date,
        }
    )
    _check_owner(postmortem, owner)
    now = timezone.now()
    return ActionItem.objects.create(
        postmortem=postmortem,
        created_by=by,
        created_at=now,
        updated_by=by,
        updated_at=now,
        **values,
    )


def action_item_update(*, item: ActionItem, by: User, **changes: Any) -> ActionItem:
    """Change any of EDITABLE. Done stamps `completed_at`; leaving done clears it. A new
    due date starts a new reminder cycle."""
    changes = _clean(dict(changes))
    with transaction.atomic():
        fresh = (
            ActionItem.objects.select_for_update(of=("self",))
            .select_related("postmortem__incident__client")
            .get(pk=item.pk)
        )
        if "owner" in changes and changes["owner"] != fresh.owner:
            _check_owner(fresh.postmortem, changes["owner"])
        fields = set(changes)
        if "due_date" in changes and changes["due_date"] != fresh.due_date:
            fresh.last_reminder_on = None
            fields.add("last_reminder_on")
        if "status" in changes and changes["status"] != fresh.status:
            done = changes["status"] == ActionItemStatus.DONE
            fresh.completed_at = timezone.now() if done else None
            fields.add("completed_at")
        for name, value in changes.items():
            setattr(fresh, name, value)
        fresh.updated_by = by
        fresh.updated_at = timezone.now()
        fresh.save(update_fields=[*sorted(fields), "updated_by", "updated_at"])
    return fresh


def action_item_complete(*, item: ActionItem, by: User) -> ActionItem:
    if item.status == ActionItemStatus.DONE:
        raise PostMortemError(f"“{item.title}” is already done.")
    return action_item_update(item=item, by=by, status=ActionItemStatus.DONE)


@dataclass(frozen=True)
class PlanLink:
    """What `action_item_open_revision` did: the revision now linked, and whether it
    was started for this item or was already open."""

    revision: PlanRevision
    created: bool
    message: str


def action_item_open_revision(*, item: ActionItem, by: User) -> PlanLink:
    """Open a new draft revision of the client's crisis plan for this action item (the
    plan is created if the client has none), or link the item to the revision already
    open. The item moves to "in progress"."""
    item = ActionItem.objects.select_related("postmortem__incident__client", "plan_revision").get(
        pk=item.pk
    )
    if item.plan_revision is not None:
        raise PostMortemError(
            f"This action item is already linked to revision {item.plan_revision.number} "
            "of the plan."
        )
    if not item.is_open:
        raise PostMortemError(
            f"This action item is {item.get_status_display().lower()}: reopen it first."
        )
    incident = item.postmortem.incident
    client = incident.client
    with transaction.atomic():
        plan = CrisisPlan.objects.filter(client=client).first() or plan_create(client=client, by=by)
        current = plan.revisions.filter(status__in=OPEN_STATUSES).first()
        created = False
        if current is None:
            try:
                current = plan_revision_start(plan=plan, by=by)
            except PlanError:
                # Someone started one between our look and our start: use theirs.
                current = plan.revisions.filter(status__in=OPEN_STATUSES).first()
                if current is None:
                    raise
            else:
                created = True
                current = plan_revision_update(
                    revision=current,
                    by=by,
                    change_summary=(f"From the post-mortem of “{incident.title}”: {item.title}")[
                        :2000
                    ],
                )
        fields: dict[str, Any] = {"plan_revision": current}
        if item.status == ActionItemStatus.OPEN:
            fields["status"] = ActionItemStatus.IN_PROGRESS
        ActionItem.objects.filter(pk=item.pk).update(
            updated_by=by, updated_at=timezone.now(), **fields
        )
    if created:
        message = f"Revision {current.number} of the crisis plan started as a draft."
    else:
        who = current.created_by.display_name if current.created_by else "someone"
        state = "a draft" if current.is_draft else "in review"
        message = (
            f"Revision {current.number} of the plan is already {state} (started by {who}): "
            "the action item is linked to it instead of starting another."
        )
    return PlanLink(revision=current, created=created, message=message)
