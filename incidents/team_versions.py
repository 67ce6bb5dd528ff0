"""Cheap version stamps of the war room's crisis-team and task panels.

Each panel carries the stamp of what it shows; the timeline poll sends them back and
answers with an `HX-Trigger` naming the panels whose state has since changed, so that
everyone in the room sees a reassigned role or a task done without reloading. A stamp
is a short digest of the few columns a panel shows that others can change (who holds
each role; each task's assignee and completion): the poll asks two small queries."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from incidents.models import Incident, IncidentRole, IncidentTask

ROLES_CHANGED = "war-room-roles-changed"
TASKS_CHANGED = "war-room-tasks-changed"


def _digest(rows: Iterable[tuple[object, ...]]) -> str:
    text = repr(sorted(tuple(str(value) for value in row) for row in rows))
    return hashlib.blake2s(text.encode(), digest_size=8).hexdigest()


def _when(at: datetime | None) -> str:
    return at.isoformat() if at is not None else ""


def roles_version(roles: Iterable[IncidentRole]) -> str:
    """The stamp of roles already loaded (no query)."""
    return _digest((role.pk, role.person_id) for role in roles)


def tasks_version(tasks: Iterable[IncidentTask]) -> str:
    """The stamp of tasks already loaded (no query)."""
    return _digest((task.pk, task.assignee_id, _when(task.done_at)) for task in tasks)


def changed_panels(incident: Incident, *, roles: str, tasks: str) -> list[str]:
    """The events for the panels whose stamp differs from the one a page sent; a stamp
    not sent (an older page) is never reported as changed."""
    events = []
    if roles:
        rows = IncidentRole.objects.filter(incident=incident).values_list("pk", "person_id")
        if _digest(rows) != roles:
            events.append(ROLES_CHANGED)
    if tasks:
        task_rows = IncidentTask.objects.filter(incident=incident).values_list(
            "pk", "assignee_id", "done_at"
        )
        if _digest((pk, who, _when(at)) for pk, who, at in task_rows) != tasks:
            events.append(TASKS_CHANGED)
    return events
