"""A client's history as the portal tests need it, built through the real services:
a current incident with client and internal timeline entries and a published and a draft
statement; resolved incidents with a shared and an unshared post-mortem; a drill; and
incidents of clients the contact may not see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from incidents.incident_services import incident_change_status, incident_open, timeline_add
from incidents.models import (
    ActionItem,
    ActionItemStatus,
    Incident,
    IncidentTask,
    PostMortem,
    Statement,
    Visibility,
)
from incidents.postmortems import postmortem_create, postmortem_finalise, postmortem_update
from incidents.statement_services import statement_approve, statement_draft, statement_publish


@dataclass
class PortalWorld:
    current: Incident
    past: Incident  # resolved, its post-mortem final and shared
    unshared: Incident  # resolved, its post-mortem final but kept internal
    drill: Incident
    published: Statement
    draft: Statement
    postmortem: PostMortem
    open_action: ActionItem
    done_action: ActionItem


def resolve(incident: Incident, by: Any) -> Incident:
    return incident_change_status(
        incident=incident, by=by, status="resolved", reason="Coverage has died down."
    )


def published_statement(incident: Incident, cast: Any, body: str) -> Statement:
    statement = statement_draft(incident=incident, by=cast.staff, channel="x", body=body)
    statement_approve(statement=statement, by=cast.owner)
    return statement_publish(statement=statement, by=cast.owner)


def shared_postmortem(
    incident: Incident, by: Any, *, share: bool = True, **text: str
) -> PostMortem:
    pm = postmortem_create(incident=incident, by=by)
    text.setdefault("summary", "Recall handled within a day.")
    text.setdefault("lessons", "Brief the call centre sooner.")
    postmortem_update(postmortem=pm, by=by, **text)
    return postmortem_finalise(postmortem=pm, by=by, share=share)


def a_portal_world(cast: Any) -> PortalWorld:
    owner = cast.owner
    current = incident_open(client=cast.client, by=owner, title="Batch 42 recall", severity=3)
    timeline_add(
        incident=current,
        by=owner,
        text="The recall of batch 42 is under way in all stores.",
        visibility=Visibility.CLIENT,
    )
    timeline_add(incident=current, by=owner, text="CEO furious, keep this off the record.")
    IncidentTask.objects.create(
        incident=current, title="Brief the call centre", client_visible=True, position=1
    )
    IncidentTask.objects.create(incident=current, title="Check the supplier's insurer", position=2)
    published = published_statement(current, cast, "We are recalling batch 42 as a precaution.")
    draft = statement_draft(
        incident=current, by=cast.staff, channel="press", body="DRAFT: blame the supplier"
    )

    past = incident_open(client=cast.client, by=owner, title="Delivery van video", severity=2)
    timeline_add(
        incident=past, by=owner, text="Driver apologised publicly.", visibility=Visibility.CLIENT
    )
    timeline_add(incident=past, by=owner, text="Van keys left in the cab again.")
    published_statement(past, cast, "We are sorry about our driver's behaviour.")
    resolve(past, owner)
    pm = shared_postmortem(past, owner, root_causes="Internal: the driver had two warnings.")
    open_action = ActionItem.objects.create(
        postmortem=pm,
        title="Retrain all delivery drivers",
        owner_role="Head of logistics",
        due_date=date.today() + timedelta(days=30),
    )
    done_action = ActionItem.objects.create(
        postmortem=pm,
        title="Publish the apology video",
        status=ActionItemStatus.DONE,
        completed_at=timezone.now(),
    )

    unshared = incident_open(client=cast.client, by=owner, title="Pricing typo", severity=1)
    resolve(unshared, owner)
    shared_postmortem(unshared, owner, share=False, summary="Unshared review of the typo.")

    drill = incident_open(
        client=cast.client, by=owner, title="DRILL Factory fire", severity=4, is_drill=True
    )
    timeline_add(
        incident=drill, by=owner, text="Drill: evacuation drill note", visibility=Visibility.CLIENT
    )

    incident_open(client=cast.second_client, by=owner, title="Blue Air delays", severity=2)
    incident_open(client=cast.other_client, by=cast.outsider, title="Rival secret", severity=2)
    return PortalWorld(
        current=current,
        past=past,
        unshared=unshared,
        drill=drill,
        published=published,
        draft=draft,
        postmortem=pm,
        open_action=open_action,
        done_action=done_action,
    )
