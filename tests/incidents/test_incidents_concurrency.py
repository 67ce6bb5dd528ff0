"""Two people acting on one incident at once lose nothing (PostgreSQL: real row locks
across two connections; SQLite serialises whole-database writes and is skipped)."""

from __future__ import annotations

import contextlib
import threading

import pytest
from django.db import connection, connections

from incidents.incident_services import (
    IncidentError,
    incident_change_status,
    incident_open,
    timeline_add,
)
from incidents.models import EntryKind, Incident, TimelineEntry

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs two PostgreSQL connections"
)

ROUNDS = 20


@pytest.mark.django_db(transaction=True)
def test_two_people_adding_entries_and_changing_status_lose_nothing(cast):
    incident = incident_open(client=cast.client, by=cast.owner, title="Race", severity=2)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def person(user, statuses):
        try:
            start.wait()
            mine = Incident.objects.get(pk=incident.pk)
            for n in range(ROUNDS):
                timeline_add(incident=mine, by=user, text=f"{user.email} note {n}")
            for status in statuses:
                # The other person may have got there first: refused, not lost.
                with contextlib.suppress(IncidentError):
                    incident_change_status(incident=mine, by=user, status=status, reason="go")
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    a = threading.Thread(target=person, args=(cast.staff, ["assessing", "responding"]))
    b = threading.Thread(target=person, args=(cast.manager, ["assessing", "monitoring"]))
    a.start(), b.start()
    a.join(), b.join()
    assert not errors, errors

    notes = TimelineEntry.objects.filter(incident=incident, kind=EntryKind.NOTE)
    assert notes.count() == 2 * ROUNDS
    changes = list(
        TimelineEntry.objects.filter(incident=incident, kind=EntryKind.STATUS)
        .exclude(data__from=None)
        .order_by("id")
    )
    # The status history is a chain: every change starts where the previous one ended.
    previous = "detected"
    for change in changes:
        assert change.data["from"] == previous
        previous = change.data["to"]
    incident.refresh_from_db()
    assert incident.status == previous
    assert incident.version >= 2 * ROUNDS + len(changes)
