"""Review cadence of crisis plans: which plans are due, and the daily reminder.

"Once per day, not more" is guaranteed here, not by the beat schedule: each plan is
claimed for today with a compare-and-set on `last_review_reminder_on`, so a second run
on the same day (a retried task, two beat processes) sends nothing.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from clients.models import Membership
from plans.models import CrisisPlan
from portal.scoping import MANAGER_ROLES


def plans_due_for_review(*, today: date) -> list[CrisisPlan]:
    return list(
        CrisisPlan.objects.filter(next_review_date__lte=today)
        .select_related("client__agency", "owner")
        .order_by("next_review_date")
    )


def _claim(plan: CrisisPlan, today: date) -> bool:
    claimed = (
        CrisisPlan.objects.filter(pk=plan.pk, next_review_date__lte=today)
        .filter(Q(last_review_reminder_on__isnull=True) | Q(last_review_reminder_on__lt=today))
        .update(last_review_reminder_on=today)
    )
    return claimed == 1


def review_recipients(plan: CrisisPlan) -> list[str]:
    """The plan's owner and the agency's owners and managers, each once."""
    emails: list[str] = []
    if plan.owner and plan.owner.is_active:
        emails.append(plan.owner.email)
    managers = Membership.objects.filter(
        agency_id=plan.client.agency_id, role__in=MANAGER_ROLES, user__is_active=True
    ).values_list("user__email", flat=True)
    for email in managers:
        if email not in emails:
            emails.append(email)
    return emails


def plan_review_reminders_send(*, today: date | None = None) -> int:
    """Email a reminder for every plan due or overdue for review, at most once a day
    per plan. Returns how many plans were reminded."""
    from portal.mail import queue_email

    today = today or timezone.localdate()
    sent = 0
    for plan in plans_due_for_review(today=today):
        recipients = review_recipients(plan)
        if not recipients or not _claim(plan, today):
            continue
        overdue_days = (today - plan.next_review_date).days
        state = "overdue" if overdue_days > 0 else "due today"
        queue_email(
            to=recipients,
            subject=f"Crisis plan review {state}: {plan.client.name}",
            template="emails/plan_review_reminder.txt",
            context={
                "plan": plan,
                "client": plan.client,
                "state": state,
                "overdue_days": overdue_days,
                "url": settings.SITE_URL
                + reverse("plans:plan", kwargs={"client": plan.client.public_id}),
            },
        )
        sent += 1
    return sent
