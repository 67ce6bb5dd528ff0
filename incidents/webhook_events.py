"""The events an agency's outgoing webhooks can subscribe to, their payloads, and the one
function per event that the services call when it happens.

Each `emit_*` is called inside the transaction of the change it reports (the service that
opened the incident, changed its severity, published the statement …); the deliveries are
created there and posted only after it commits (webhooks.queue_events), so a change that
rolls back sends nothing. Drills never leave the building: their events are not sent.

Payloads carry public ids and plain values only (never database keys), and a link to the
page in Firebreak. The envelope and the signature are described in docs/webhooks.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from incidents.links import absolute, alert_url
from incidents.webhooks import PING, queue_events

if TYPE_CHECKING:
    from clients.models import Client
    from incidents.models import Alert, Incident, Report, Statement

ALERT_RAISED = "alert.raised"
INCIDENT_OPENED = "incident.opened"
SEVERITY_CHANGED = "incident.severity_changed"
STATEMENT_PUBLISHED = "statement.published"
POSTMORTEM_READY = "postmortem.ready"

# The events an endpoint can subscribe to, in the order the form lists them.
EVENTS: list[tuple[str, str, str]] = [
    (ALERT_RAISED, "Alert raised", "Monitoring raised an alert (spike, negative surge, …)."),
    (INCIDENT_OPENED, "Incident opened", "An incident was opened for a client."),
    (SEVERITY_CHANGED, "Severity changed", "An incident's severity was raised or lowered."),
    (STATEMENT_PUBLISHED, "Statement published", "An approved statement went out."),
    (POSTMORTEM_READY, "Post-mortem ready", "A post-mortem's PDF report was generated."),
]
EVENT_NAMES = [name for name, _label, _help in EVENTS]
EVENT_LABELS = {name: label for name, label, _help in EVENTS} | {PING: "Test ping"}


def client_payload(client: Client) -> dict[str, Any]:
    return {"id": str(client.public_id), "name": client.name}


def incident_payload(incident: Incident) -> dict[str, Any]:
    return {
        "id": str(incident.public_id),
        "title": incident.title,
        "severity": incident.severity,
        "status": incident.status,
        "opened_at": incident.opened_at.isoformat(),
        "alert": str(incident.alert.public_id) if incident.alert_id and incident.alert else None,
        "url": absolute(
            "incidents:detail", client=incident.client.public_id, pk=incident.public_id
        ),
    }


def alert_payload(alert: Alert) -> dict[str, Any]:
    return {
        "id": str(alert.public_id),
        "kind": alert.kind,
        "status": alert.status,
        "severity": alert.severity,
        "score": alert.score,
        "explanation": alert.explanation,
        "window_start": alert.window_start.isoformat(),
        "window_end": alert.window_end.isoformat(),
        "observed": alert.observed,
        "expected": alert.expected,
        "opened_at": alert.opened_at.isoformat(),
        "url": alert_url(alert),
    }


def _emit(client: Client, event: str, *datas: dict[str, Any]) -> None:
    """One event of type `event` for each of `datas`, each naming the client."""
    queue_events(
        agency_id=client.agency_id,
        event=event,
        datas=[{**data, "client": client_payload(client)} for data in datas],
    )


def emit_alerts_raised(*, client: Client, alerts: Sequence[Alert]) -> None:
    """Monitoring opened these alerts of `client` (called by notify.alerts_opened, once a
    detection run): one event each, the endpoints read once for all. A drill's synthetic
    mentions never raise an alert (incidents.alerts), so there is no drill to leave out."""
    _emit(client, ALERT_RAISED, *({"alert": alert_payload(alert)} for alert in alerts))


def emit_incident_opened(*, incident: Incident) -> None:
    if not incident.is_drill:
        _emit(incident.client, INCIDENT_OPENED, {"incident": incident_payload(incident)})


def emit_severity_changed(*, incident: Incident, previous: int, reason: str) -> None:
    if not incident.is_drill:
        _emit(
            incident.client,
            SEVERITY_CHANGED,
            {
                "incident": incident_payload(incident),
                "previous_severity": previous,
                "severity": incident.severity,
                "reason": reason,
            },
        )


def emit_statement_published(*, statement: Statement) -> None:
    incident = statement.incident
    if not incident.is_drill:
        published = statement.published_at
        _emit(
            incident.client,
            STATEMENT_PUBLISHED,
            {
                "statement": {
                    "id": str(statement.public_id),
                    "channel": statement.channel,
                    "body": statement.body,
                    "is_holding": statement.is_holding,
                    "published_at": published.isoformat() if published else None,
                    "published_url": statement.published_url or None,
                },
                "incident": incident_payload(incident),
            },
        )


def emit_postmortem_ready(*, report: Report) -> None:
    """A post-mortem's PDF report finished generating (called by reports.report_generate,
    once per finished generation, inside its transaction)."""
    postmortem = report.postmortem
    if postmortem is None:
        return
    incident = postmortem.incident
    if not incident.is_drill:
        client = report.client
        _emit(
            client,
            POSTMORTEM_READY,
            {
                "postmortem": {
                    "id": str(postmortem.public_id),
                    "status": postmortem.status,
                    "report": str(report.public_id),
                    "variant": report.variant,
                    "pages": report.pages,
                    "pdf_url": absolute(
                        "reports:download", client=client.public_id, pk=report.public_id
                    ),
                },
                "incident": incident_payload(incident),
            },
        )
