"""Triage of mentions in the inbox: set the status and/or the assignee of many mentions
at once. The caller passes a queryset already limited to the scope and the client, so a
forged id of another client's mention is never touched.

Every change is recorded (`MentionTriageChange`: who, when, from what to what, and how
many mentions the action changed), so a mention's page can say who marked it ignored or
handed it to whom, also after a bulk action in the inbox."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from incidents.models import Mention, MentionTriageChange
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
    new_assignee_id: int | None = None
    if assignee is not UNCHANGED:
        changes["assignee"] = assignee
        new_assignee_id = assignee.pk if isinstance(assignee, User) else None
    if not changes:
        return 0
    # Only rows that differ in something change (exclude() of several lookups excludes
    # the rows matching them all). The ids are read first and the rows then locked by id
    # alone: the caller's queryset may join, and PostgreSQL refuses FOR UPDATE on the
    # nullable side of an outer join.
    candidates = list(mentions.exclude(**changes).values_list("pk", flat=True))
    if not candidates:
        return 0
    before = list(
        Mention.objects.select_for_update()
        .filter(pk__in=candidates)
        .exclude(**changes)
        .values_list("pk", "client_id", "triage", "assignee_id")
    )
    if not before:
        return 0
    changed = Mention.objects.filter(pk__in=[row[0] for row in before]).update(**changes)
    now = timezone.now()
    records = []
    for pk, client_id, old_triage, old_assignee_id in before:
        status_changed = triage is not None and old_triage != triage
        assignee_changed = assignee is not UNCHANGED and old_assignee_id != new_assignee_id
        records.append(
            MentionTriageChange(
                client_id=client_id,
                mention_id=pk,
                at=now,
                by=by,
                triage_from=old_triage if status_changed else "",
                triage_to=triage if status_changed and triage is not None else "",
                assignee_changed=assignee_changed,
                assignee_from_id=old_assignee_id if assignee_changed else None,
                assignee_to_id=new_assignee_id if assignee_changed else None,
                batch_size=len(before),
            )
        )
    MentionTriageChange.objects.bulk_create(records)
    return changed
