"""The updates (client-visible timeline entries) of an incident in the client portal: the
latest ones a page at a time with a link to earlier ones, the same queries for 10 or 500,
and internal entries never shown on any page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents.models import Incident, IncidentStatus, TimelineEntry, Visibility
from incidents.views.portal import UPDATES_PER_PAGE


@pytest.fixture
def contact(cast, client):
    client.force_login(cast.contact_user)
    return client


def an_incident(cast, status: str, updates: int, *, internal_every: int = 0) -> Incident:
    """An incident with `updates` client-visible entries "Update 0001" … (one minute
    apart, in that order) and, when `internal_every`, an internal entry after every
    that many."""
    start = timezone.now() - timedelta(days=3)
    incident = Incident.objects.create(
        client=cast.client,
        title=f"Recall ({status})",
        status=status,
        opened_by=cast.owner,
        detected_at=start,
        opened_at=start,
        resolved_at=None if status == IncidentStatus.RESPONDING else start + timedelta(days=1),
    )
    rows = []
    for n in range(1, updates + 1):
        at = start + timedelta(minutes=n)
        rows.append(
            TimelineEntry(
                incident=incident,
                text=f"Update {n:04}",
                visibility=Visibility.CLIENT,
                created_at=at,
            )
        )
        if internal_every and n % internal_every == 0:
            rows.append(
                TimelineEntry(
                    incident=incident,
                    text=f"INTERNAL {n:04}: the CEO is furious",
                    visibility=Visibility.INTERNAL,
                    created_at=at + timedelta(seconds=30),
                )
            )
    TimelineEntry.objects.bulk_create(rows)
    return incident


def url(cast, incident: Incident) -> str:
    return reverse(
        "incidentsportal:detail", kwargs={"client": cast.client.public_id, "pk": incident.public_id}
    )


def updates(body: str) -> list[str]:
    return re.findall(r"Update \d{4}", body)


def earlier_link(body: str) -> str | None:
    found = re.search(r'<a href="([^"]+\?before=[^"]+)">Earlier updates</a>', body)
    return found.group(1).replace("&amp;", "&") if found else None


def test_a_current_incident_shows_its_latest_updates_and_leads_to_earlier_ones(cast, contact):
    incident = an_incident(cast, IncidentStatus.RESPONDING, 45)
    body = contact.get(url(cast, incident)).content.decode()
    assert updates(body) == [f"Update {n:04}" for n in range(45, 25, -1)]  # latest first
    second = contact.get(earlier_link(body)).content.decode()
    assert updates(second) == [f"Update {n:04}" for n in range(25, 5, -1)]
    assert "Back to the latest updates" in second
    third = contact.get(earlier_link(second)).content.decode()
    assert updates(third) == [f"Update {n:04}" for n in range(5, 0, -1)]
    assert earlier_link(third) is None


def test_a_past_incident_reads_in_order_from_its_latest_updates(cast, contact):
    incident = an_incident(cast, IncidentStatus.RESOLVED, 30)
    body = contact.get(url(cast, incident)).content.decode()
    assert updates(body) == [f"Update {n:04}" for n in range(11, 31)]
    assert body.index("Earlier updates") < body.index("Update 0011")  # above the story
    earlier = contact.get(earlier_link(body)).content.decode()
    assert updates(earlier) == [f"Update {n:04}" for n in range(1, 11)]


def test_ten_or_five_hundred_updates_cost_the_same_queries(cast, contact):
    short = an_incident(cast, IncidentStatus.RESPONDING, 10, internal_every=1)
    long = an_incident(cast, IncidentStatus.RESPONDING, 500, internal_every=1)

    def queries(incident: Incident, query: str = "") -> tuple[int, str]:
        with CaptureQueriesContext(connection) as captured:
            response = contact.get(url(cast, incident) + query)
        assert response.status_code == 200
        return len(captured), response.content.decode()

    few, short_body = queries(short)
    many, long_body = queries(long)
    assert few == many
    assert len(updates(short_body)) == 10 and earlier_link(short_body) is None
    assert len(updates(long_body)) == UPDATES_PER_PAGE and earlier_link(long_body)
    # an earlier page costs one query more (the entry it starts before), for any length
    anchored, _ = queries(long, earlier_link(long_body).split(url(cast, long))[1])
    newest = TimelineEntry.objects.filter(incident=short, visibility="client").last()
    anchored_short, _ = queries(short, f"?before={newest.public_id}")
    assert anchored == anchored_short == many + 1


def test_internal_entries_never_show_on_any_page(cast, contact):
    incident = an_incident(cast, IncidentStatus.RESPONDING, 70, internal_every=3)
    seen: list[str] = []
    page = url(cast, incident)
    while page:
        body = contact.get(page).content.decode()
        assert "INTERNAL" not in body and "CEO is furious" not in body
        seen += updates(body)
        page = earlier_link(body)
    assert sorted(seen) == [f"Update {n:04}" for n in range(1, 71)]  # each once
    # An internal entry's id leads nowhere: the latest updates, as for any unknown id.
    internal = TimelineEntry.objects.filter(incident=incident, visibility="internal").first()
    for before in (internal.public_id, "not-an-id"):
        body = contact.get(url(cast, incident) + f"?before={before}").content.decode()
        assert updates(body)[0] == "Update 0070"
        assert "Back to the latest updates" not in body and "INTERNAL" not in body
