"""Background tasks of the war room. A task takes ids and calls a service."""

from __future__ import annotations

from celery import shared_task


@shared_task(ignore_result=True, acks_late=True)
def notify_stakeholders(incident_id: int, severity: int, opening: bool = False) -> int:
    """Email the stakeholders a severity reaches (at opening or on a raise); idempotent
    (one record per level)."""
    from incidents.incident_services import stakeholders_notify_automatic

    return stakeholders_notify_automatic(
        incident_id=incident_id, severity=severity, opening=opening
    )
