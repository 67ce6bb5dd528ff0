"""The drill replay task: one batch of the scripted stream per run, the next batch
queued a minute later, until the script is done or the drill is closed. Idempotent: a
batch stored twice stores nothing new (see incidents.drills)."""

from __future__ import annotations

from celery import shared_task

from incidents.drills import BATCH_SECONDS


@shared_task(ignore_result=True, acks_late=True)
def replay_drill(incident_id: int, batch: int = 0) -> int:
    from incidents.drills import batches, drill_replay
    from incidents.models import Incident, IncidentStatus

    incident = Incident.objects.select_related("client", "scenario").filter(pk=incident_id).first()
    if incident is None or not incident.is_drill or incident.status == IncidentStatus.CLOSED:
        return 0
    created = drill_replay(incident=incident, batch=batch)
    if batch + 1 < batches():
        replay_drill.apply_async((incident_id, batch + 1), countdown=BATCH_SECONDS)
    return created
