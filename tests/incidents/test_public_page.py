"""The public statement page: published statements only, with their times, nothing
else; a 404 unless the agency turned it on, and never for a drill."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from incidents.incident_services import IncidentError
from incidents.models import Incident, Statement
from incidents.statement_services import (
    incident_public_page,
    statement_approve,
    statement_draft,
    statement_publish,
)

pytestmark = pytest.mark.django_db


def an_incident(cast: Any, **fields: Any) -> Incident:
    return Incident.objects.create(
        client=cast.client, title="Yoghurt recall", opened_by=cast.owner, **fields
    )


def published(cast: Any, incident: Incident, body: str, channel: str = "x") -> Statement:
    statement = statement_draft(incident=incident, by=cast.staff, channel=channel, body=body)
    statement_approve(statement=statement, by=cast.manager)
    return statement_publish(statement=statement, by=cast.staff)


def page_url(incident: Incident) -> str:
    return reverse("public:page", kwargs={"slug": incident.public_slug})


def test_the_page_shows_only_published_statements(cast, client):
    incident = an_incident(cast)
    published(cast, incident, "We are recalling batch 42.")
    statement_draft(incident=incident, by=cast.staff, channel="x", body="Secret draft")
    approved = statement_draft(incident=incident, by=cast.staff, channel="x", body="Approved one")
    statement_approve(statement=approved, by=cast.manager)
    published(cast, incident, "Staff briefing", channel="internal")
    incident_public_page(incident=incident, by=cast.owner, enabled=True)

    response = client.get(page_url(incident))
    assert response.status_code == 200
    page = response.text
    assert "We are recalling batch 42." in page
    assert "Acme Foods" in page and "Yoghurt recall" in page
    for hidden in ("Secret draft", "Approved one", "Staff briefing", "Sam Staff"):
        assert hidden not in page
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_times_are_shown_in_the_agency_time_zone(cast, client):
    cast.agency.time_zone = "America/New_York"
    cast.agency.save()
    incident = an_incident(cast)
    statement = published(cast, incident, "Update")
    incident_public_page(incident=incident, by=cast.owner, enabled=True)
    page = client.get(page_url(incident)).text
    local = statement.published_at.astimezone(ZoneInfo("America/New_York"))
    assert local.strftime("%H:%M") in page


def test_html_in_a_statement_is_shown_as_text(cast, client):
    incident = an_incident(cast)
    published(cast, incident, "<script>alert('x')</script> We care.")
    incident_public_page(incident=incident, by=cast.owner, enabled=True)
    page = client.get(page_url(incident)).text
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; We care." in page


def test_the_page_is_a_404_until_turned_on_and_after_turned_off(cast, client):
    incident = an_incident(cast)
    published(cast, incident, "Update")
    assert client.get(page_url(incident)).status_code == 404
    incident_public_page(incident=incident, by=cast.owner, enabled=True)
    assert client.get(page_url(incident)).status_code == 200
    incident_public_page(incident=incident, by=cast.owner, enabled=False)
    assert client.get(page_url(incident)).status_code == 404
    assert client.get(reverse("public:page", kwargs={"slug": "guess"})).status_code == 404


def test_a_drill_has_no_public_page(cast, client):
    incident = an_incident(cast, is_drill=True)
    with pytest.raises(IncidentError, match="A drill has no public statement page"):
        incident_public_page(incident=incident, by=cast.owner, enabled=True)
    Incident.objects.filter(pk=incident.pk).update(public_page_enabled=True)
    assert client.get(page_url(incident)).status_code == 404


def test_turning_the_page_on_from_the_statements_page_is_recorded(cast, client):
    incident = an_incident(cast)
    client.force_login(cast.staff)
    url = reverse(
        "statements:public_page",
        kwargs={"client": cast.client.public_id, "incident": incident.public_id},
    )
    client.post(url, {"enabled": "on"})
    incident.refresh_from_db()
    assert incident.public_page_enabled
    assert incident.timeline.filter(text__startswith="Public statement page turned on").exists()
    client.post(url, {})
    incident.refresh_from_db()
    assert not incident.public_page_enabled


def test_a_closed_incidents_page_can_be_taken_down_and_that_counts_as_a_change(cast, client):
    incident = an_incident(cast)
    incident_public_page(incident=incident, by=cast.owner, enabled=True)
    Incident.objects.filter(pk=incident.pk).update(status="closed")
    before = Incident.objects.get(pk=incident.pk).version
    incident_public_page(incident=incident, by=cast.owner, enabled=False)
    assert client.get(page_url(incident)).status_code == 404
    incident.refresh_from_db()
    assert incident.timeline.filter(text="Public statement page turned off.").exists()
    # The version integrations watch moves on, as for every other change.
    assert incident.version == before + 1
    with pytest.raises(IncidentError, match="closed: its public page cannot be turned on"):
        incident_public_page(incident=incident, by=cast.owner, enabled=True)
    incident.refresh_from_db()
    assert incident.version == before + 1
