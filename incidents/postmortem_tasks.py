"""Background tasks of post-mortems (scheduled by CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from incidents.postmortem_reminders import action_item_reminders_send


@shared_task(acks_late=True)
def send_action_item_reminders() -> int:
    """Daily: remind owners of overdue action items (once a day per item)."""
    return action_item_reminders_send()
