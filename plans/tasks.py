"""Background tasks of the plans app (scheduled by CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from plans.reviews import plan_review_reminders_send


@shared_task(acks_late=True)
def send_plan_review_reminders() -> int:
    """Daily: remind owners and managers of plans due or overdue for review."""
    return plan_review_reminders_send()
