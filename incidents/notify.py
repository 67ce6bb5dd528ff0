"""Tell people alerts opened: email to the client's team and the agency's outgoing
webhooks. Called once a detection run, inside the transaction that opens the alerts,
with all of them: the monitoring profile, the team and the webhook endpoints are read
once however many alerts the run opened. Both leave only after it commits (queue_email
and webhook_events.emit_alerts_raised use transaction.on_commit)."""

from __future__ import annotations

from collections.abc import Sequence

from clients.models import Client
from clients.services import client_team
from incidents.links import alert_url
from incidents.models import Alert, MonitoringProfile
from incidents.webhook_events import emit_alerts_raised
from portal.mail import queue_email


def alert_recipients(client: Client) -> list[str]:
    """The agency's owners and managers and the staff assigned to the client, each once."""
    emails: list[str] = []
    for member in client_team(client=client):
        if member.user.is_active and member.user.email and member.user.email not in emails:
            emails.append(member.user.email)
    return emails


def alerts_opened(*, client: Client, alerts: Sequence[Alert]) -> None:
    """An email per alert to the client's team (unless the monitoring profile turns
    alert emails off) and an alert.raised event per alert."""
    if not alerts:
        return
    profile = MonitoringProfile.objects.filter(client=client).first()
    recipients = alert_recipients(client) if profile is None or profile.alert_emails else []
    if recipients:
        for alert in alerts:
            queue_email(
                to=recipients,
                subject=f"Alert: {alert.get_kind_display()} for {client.name}",
                template="emails/alert_opened.txt",
                context={
                    "alert": alert,
                    "client": client,
                    "time_zone": client.agency.time_zone or "UTC",
                    "url": alert_url(alert),
                },
            )
    emit_alerts_raised(client=client, alerts=alerts)
