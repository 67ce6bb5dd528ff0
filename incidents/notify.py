"""Tell people an alert opened: email to the client's team and the agency's outgoing
webhooks. Called inside the transaction that opens the alert; both leave only after it
commits (queue_email and webhook_events.emit_alert_raised use transaction.on_commit)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from clients.services import client_team
from incidents.models import Alert, MonitoringProfile
from incidents.webhook_events import emit_alert_raised
from portal.mail import queue_email


def alert_recipients(alert: Alert) -> list[str]:
    """The agency's owners and managers and the staff assigned to the client, each once."""
    emails: list[str] = []
    for member in client_team(client=alert.client):
        if member.user.is_active and member.user.email and member.user.email not in emails:
            emails.append(member.user.email)
    return emails


def alert_opened(*, alert: Alert) -> None:
    client = alert.client
    profile = MonitoringProfile.objects.filter(client=client).first()
    if profile is None or profile.alert_emails:
        recipients = alert_recipients(alert)
        if recipients:
            queue_email(
                to=recipients,
                subject=f"Alert: {alert.get_kind_display()} for {client.name}",
                template="emails/alert_opened.txt",
                context={
                    "alert": alert,
                    "client": client,
                    "time_zone": client.agency.time_zone or "UTC",
                    "url": settings.SITE_URL
                    + reverse("clients:overview", kwargs={"client": client.public_id}),
                },
            )
    emit_alert_raised(alert=alert)
