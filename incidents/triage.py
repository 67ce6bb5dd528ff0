"""Triage of mentions in the inbox: set the status and/or the assignee of many mentions
at once. The caller passes a queryset already limited to the scope and the client, so a
forged id of another client's mention is never touched."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet

from incidents.models import Mention
from portal.models import User

UNCHANGED = object()


@transaction.atomic
def mentions_triage(
    *,
    mentions: QuerySet[Mention],
    triage: str | None = None,
    assignee: User | object | None = UNCHANGED,
    by: User,
) -> int:
    """Apply the triage status (None: keep) and assignee (UNCHANGED: keep; None: nobody)
    and return how many mentions actually changed."""
    changes: dict[str, object] = {}
    if triage is not None:
        changes["triage"] = triage
    if assignee is not UNCHANGED:
        changes["assignee"] = assignee
    if not changes:
        return 0
    # Only rows that differ in something count as changed (exclude() of several
    # lookups excludes the rows matching them all).
    return mentions.exclude(**changes).update(**changes)
