"""What "an incident being handled" means is one thing wherever it is shown: the agency's
dashboard badge, the client page's incident card, the client portal's current incidents
and the incident list's filter the dashboard badge links to. An incident is being handled
until it is resolved. Drills are not counted (the list shows them, marked Drill)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from incidents.models import Incident, IncidentStatus
from tests.incidents.incident_factories import an_incident

pytestmark = pytest.mark.django_db

HANDLED = {"detected", "assessing", "responding", "monitoring"}


def an_incident_in(cast: Any, status: str) -> Incident:
    incident = an_incident(cast, title="Yoghurt recall")
    Incident.objects.filter(pk=incident.pk).update(status=status)
    return incident


def shown_on_dashboard(cast: Any) -> bool:
    html = cast.login(HttpClient(), cast.manager).get(reverse("portal:dashboard")).content
    text = html.decode()
    if "1 incident being handled" in text:
        return True
    assert "being handled" not in text
    return False


def shown_on_client_card(cast: Any) -> bool:
    http = cast.login(HttpClient(), cast.staff)
    html = http.get(reverse("clients:overview", kwargs={"client": cast.client.public_id}))
    card = re.search(
        r'<div class="card" id="crisis-status">(.*?)</div>', html.content.decode(), re.S
    )
    assert card is not None
    if "Yoghurt recall" in card.group(1):
        return True
    assert "No incident is being handled." in card.group(1)
    return False


def shown_as_current_in_portal(cast: Any) -> bool:
    http = cast.login(HttpClient(), cast.contact_user)
    home = http.get(reverse("clientportal:home")).content.decode()
    overview = http.get(
        reverse("clientportal:client", kwargs={"client": cast.client.public_id})
    ).content.decode()
    on_home = "1 current incident" in home
    on_overview = "No current incident" not in overview
    assert on_home == on_overview
    return on_home


def listed_by_the_open_filter(cast: Any) -> bool:
    http = cast.login(HttpClient(), cast.staff)
    url = reverse("incidents:list", kwargs={"client": cast.client.public_id}) + "?status=open"
    return "Yoghurt recall" in http.get(url).content.decode()


@pytest.mark.parametrize("status", IncidentStatus.values)
def test_dashboard_client_card_and_portal_agree_on_what_is_being_handled(
    cast: Any, status: str
) -> None:
    an_incident_in(cast, status)

    assert shown_on_dashboard(cast) is (status in HANDLED)
    assert shown_on_client_card(cast) is (status in HANDLED)
    assert shown_as_current_in_portal(cast) is (status in HANDLED)


@pytest.mark.parametrize("status", IncidentStatus.values)
def test_the_dashboard_badge_links_to_a_list_of_what_it_counts(cast: Any, status: str) -> None:
    an_incident_in(cast, status)

    assert listed_by_the_open_filter(cast) is shown_on_dashboard(cast)


@pytest.mark.parametrize("status", sorted(HANDLED))
def test_a_drill_is_not_counted_as_being_handled_but_the_list_shows_it_marked(
    cast: Any, status: str
) -> None:
    drill = an_incident_in(cast, status)
    Incident.objects.filter(pk=drill.pk).update(is_drill=True)

    assert shown_on_dashboard(cast) is False
    assert shown_on_client_card(cast) is False
    http = cast.login(HttpClient(), cast.staff)
    url = reverse("incidents:list", kwargs={"client": cast.client.public_id}) + "?status=open"
    row = re.search(r"<tr>\s*<td>(.*?)</td>", http.get(url).content.decode(), re.S)
    assert row is not None
    assert "Yoghurt recall" in row.group(1)
    assert '<span class="badge incident-drill">Drill</span>' in row.group(1)
