"""The war room's crisis-team and task panels follow what others do: the timeline poll
sends back the stamps the panels carry and, when someone else reassigned a role or
finished a task, answers with an HX-Trigger naming the panels to reload; each panel
reloads from the war room's own address with ?panel=roles|tasks."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from incidents.incident_services import incident_assign_role, task_complete
from incidents.models import Incident, IncidentRole, IncidentTask
from incidents.team_versions import ROLES_CHANGED, TASKS_CHANGED
from plans.demo import load_plan_demo
from plans.models import Scenario
from tests.incidents.incident_factories import an_incident

pytestmark = pytest.mark.django_db


def a_war_room(cast: Any) -> Incident:
    load_plan_demo(client=cast.client, by=cast.owner)
    return an_incident(cast, scenario=Scenario.objects.get(revision__plan__client=cast.client))


def detail_url(incident: Incident) -> str:
    return reverse(
        "incidents:detail", kwargs={"client": incident.client.public_id, "pk": incident.public_id}
    )


def stamps(html: str) -> dict[str, str]:
    found = dict(re.findall(r'name="(roles_v|tasks_v)" value="([0-9a-f]+)"', html))
    assert set(found) == {"roles_v", "tasks_v"}
    return found


def shown(client: Client, incident: Incident) -> dict[str, str]:
    """The stamps and last entry of the war room as a page shows it now."""
    page = client.get(detail_url(incident)).content.decode()
    last = incident.timeline.order_by("-created_at", "-id").first()
    assert last is not None
    return {**stamps(page), "after": str(last.public_id)}


def poll(client: Client, incident: Incident, sent: dict[str, str], **extra: str) -> Any:
    url = reverse(
        "incidents:timeline", kwargs={"client": incident.client.public_id, "pk": incident.public_id}
    )
    return client.get(url, {**sent, **extra}, HTTP_HX_REQUEST="true")


def legal(incident: Incident) -> IncidentRole:
    return IncidentRole.objects.get(incident=incident, role="Legal")


def test_a_poll_without_change_fires_nothing(cast, client):
    incident = a_war_room(cast)
    client.force_login(cast.manager)
    sent = shown(client, incident)
    response = poll(client, incident, sent)
    assert response.status_code == 204
    assert "HX-Trigger" not in response


def test_a_role_given_by_someone_else_reloads_the_team_panel(cast, client):
    incident = a_war_room(cast)
    client.force_login(cast.manager)
    page = client.get(detail_url(incident)).content.decode()
    assert 'hx-trigger="war-room-roles-changed from:body"' in page
    assert 'hx-trigger="war-room-tasks-changed from:body"' in page
    sent = shown(client, incident)

    incident_assign_role(role=legal(incident), person=cast.staff, by=cast.owner)
    response = poll(client, incident, sent)
    assert response.status_code == 200  # the decision entry comes in too
    assert "Sam Staff now holds the role Legal" in response.content.decode()
    # The role's open task followed its new holder: both panels reload.
    events = response["HX-Trigger"]
    assert ROLES_CHANGED in events and TASKS_CHANGED in events

    roles_panel = client.get(detail_url(incident), {"panel": "roles"}).content.decode()
    assert roles_panel.lstrip().startswith("<section")
    assert 'id="crisis-team"' in roles_panel and "<html" not in roles_panel
    held = re.search(
        rf'id="role-{legal(incident).public_id}"><span class="role-holder">([^<]+)<', roles_panel
    )
    assert held is not None and held.group(1) == "Sam Staff"
    tasks_panel = client.get(detail_url(incident), {"panel": "tasks"}).content.decode()
    assert "Legal · Sam Staff" in tasks_panel

    # With the panels' new stamps the next poll is quiet again.
    fresh = {**sent, **stamps(roles_panel + tasks_panel)}
    assert fresh != sent
    quiet = poll(client, incident, {**fresh, "after": shown(client, incident)["after"]})
    assert quiet.status_code == 204 and "HX-Trigger" not in quiet


def test_a_task_done_by_someone_else_reloads_only_the_task_panel(cast, client):
    incident = a_war_room(cast)
    client.force_login(cast.manager)
    sent = shown(client, incident)
    task = IncidentTask.objects.filter(incident=incident).first()
    assert task is not None
    task_complete(task=task, by=cast.owner)

    response = poll(client, incident, sent)
    assert json.loads(response["HX-Trigger"]) == {TASKS_CHANGED: {}}
    tasks_panel = client.get(detail_url(incident), {"panel": "tasks"}).content.decode()
    done = re.search(rf'<li class="task-done" id="task-{task.public_id}">', tasks_panel)
    assert done is not None
    assert f"by {cast.owner.display_name}" in tasks_panel


def test_a_filtered_timeline_still_hears_of_the_change(cast, client):
    """Nothing new of the type shown: a 204, which still carries the trigger."""
    incident = a_war_room(cast)
    client.force_login(cast.manager)
    sent = shown(client, incident)
    incident_assign_role(role=legal(incident), person=cast.staff, by=cast.owner)
    response = poll(client, incident, sent, kind="note")
    assert response.status_code == 204
    assert ROLES_CHANGED in response["HX-Trigger"]


def test_an_older_page_without_stamps_is_never_told_to_reload(cast, client):
    incident = a_war_room(cast)
    client.force_login(cast.manager)
    after = shown(client, incident)["after"]
    incident_assign_role(role=legal(incident), person=cast.staff, by=cast.owner)
    response = poll(client, incident, {"after": after})
    assert "HX-Trigger" not in response


def test_the_panels_of_another_agencys_incident_are_not_found(cast, client):
    incident = a_war_room(cast)
    client.force_login(cast.outsider)
    for panel in ("roles", "tasks"):
        assert client.get(detail_url(incident), {"panel": panel}).status_code == 404


def test_a_read_only_member_sees_the_panel_without_forms(cast, client):
    incident = a_war_room(cast)
    client.force_login(cast.readonly_staff)
    panel = client.get(detail_url(incident), {"panel": "roles"}).content.decode()
    assert 'id="crisis-team"' in panel and "<form" not in panel
