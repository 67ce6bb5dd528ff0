"""The daily reminder of overdue action items (guide V.A: lessons are only learned when
someone does what the post-mortem decided).

An item is overdue when it is open or in progress and its due date is before today in
its agency's time zone. "Once per day, not more" is guaranteed here, not by the beat
schedule: each item is claimed for that day with a compare-and-set on
`last_reminder_on` (as plans/reviews.py does for plan reviews), so a second run on the
same day — a retried task, two beat processes — sends nothing.
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from clients.models import Membership
from incidents.links import absolute
from incidents.models import ACTION_ITEM_OPEN_STATUSES, ActionItem
from portal.scoping import MANAGER_ROLES


def _local_today(item: ActionItem) -> date:
    tz = ZoneInfo(item.postmortem.incident.client.agency.time_zone)
    return timezone.now().astimezone(tz).date()


def overdue_action_items(*, today: date | None = None) -> list[ActionItem]:
    """Open items past their due date (`today` given: that day everywhere; else each
    agency's own today)."""
    # The latest "today" on Earth is at most a day after UTC's.
    horizon = today or (timezone.now().date() + timedelta(days=1))
    candidates = (
        ActionItem.objects.filter(status__in=ACTION_ITEM_OPEN_STATUSES, due_date__lt=horizon)
        .select_related("owner", "postmortem__author", "postmortem__incident__client__agency")
        .order_by("due_date", "id")
    )
    return [
        item
        for item in candidates
        if item.due_date is not None and item.due_date < (today or _local_today(item))
    ]


def _claim(item: ActionItem, today: date) -> bool:
    claimed = (
        ActionItem.objects.filter(
            pk=item.pk, status__in=ACTION_ITEM_OPEN_STATUSES, due_date__lt=today
        )
        .filter(Q(last_reminder_on__isnull=True) | Q(last_reminder_on__lt=today))
        .update(last_reminder_on=today)
    )
    return claimed == 1


def reminder_recipients(item: ActionItem) -> list[str]:
    """The item's owner; without one (a role named in words), the post-mortem's author,
    else the agency's owners and managers. Only people still active members of the
    agency are written to: someone who left gets no client's news."""
    agency_id = item.postmortem.incident.client.agency_id
    members = Membership.objects.filter(agency_id=agency_id, user__is_active=True)
    for person in (item.owner, item.postmortem.author):
        if person is not None and members.filter(user=person).exists():
            return [person.email]
    return list(members.filter(role__in=MANAGER_ROLES).values_list("user__email", flat=True))


def action_item_reminders_send(*, today: date | None = None) -> int:
    """Email a reminder for every overdue action item, at most once a day per item.
    Returns how many items were reminded."""
    from portal.mail import queue_email

    sent = 0
    for item in overdue_action_items(today=today):
        day = today or _local_today(item)
        recipients = reminder_recipients(item)
        if not recipients or not _claim(item, day):
            continue
        incident = item.postmortem.incident
        client = incident.client
        assert item.due_date is not None
        queue_email(
            to=recipients,
            subject=f"Action item overdue: {item.title} ({client.name})",
            template="emails/postmortem_action_overdue.txt",
            context={
                "item": item,
                "incident": incident,
                "client": client,
                "overdue_days": (day - item.due_date).days,
                "url": absolute(
                    "postmortems:detail", client=client.public_id, incident=incident.public_id
                ),
            },
        )
        sent += 1
    return sent
