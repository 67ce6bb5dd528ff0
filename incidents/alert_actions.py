"""What a person does with an alert from the UI: acknowledge it (someone is on it) or
dismiss it (not a crisis). Both are compare-and-set claims from "open", so two people
clicking at once, or a second click, never overwrite each other; the loser is told what
happened instead. Escalating an alert to an incident is `incident_services.incident_open`."""

from __future__ import annotations

from django.utils import timezone

from incidents.models import Alert, AlertStatus
from portal.models import User


class AlertActionError(Exception):
    """A refusal with a message meant for the person who clicked."""


def _handle(*, alert: Alert, by: User, status: AlertStatus) -> Alert:
    now = timezone.now()
    claimed = Alert.objects.filter(pk=alert.pk, status=AlertStatus.OPEN).update(
        status=status, handled_by=by, handled_at=now, updated_at=now
    )
    alert.refresh_from_db()
    if claimed != 1:
        who = f" by {alert.handled_by.display_name}" if alert.handled_by else ""
        raise AlertActionError(
            f"This {alert.get_kind_display().lower()} alert is no longer open: it was "
            f"{alert.get_status_display().lower()}{who}."
        )
    return alert


def alert_acknowledge(*, alert: Alert, by: User) -> Alert:
    """Mark an open alert as being looked at."""
    return _handle(alert=alert, by=by, status=AlertStatus.ACKNOWLEDGED)


def alert_dismiss(*, alert: Alert, by: User) -> Alert:
    """Close an open alert as not needing a response."""
    return _handle(alert=alert, by=by, status=AlertStatus.DISMISSED)
