"""Two people in the same war room, in two browsers: when one gives a role or marks a
task done, the other's crisis-team and task panels follow by the next timeline poll,
without a reload, but never while that person has a "Change" form open."""

from __future__ import annotations

from typing import Any

import pytest

from incidents.models import IncidentRole
from plans.demo import load_plan_demo
from plans.models import Scenario
from tests.incidents.incident_factories import an_incident
from tests.incidents.test_browser_war_room import log_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

WAIT = 15_000  # ms: the poll runs every 5 s


def holder(page: Any, incident: Any, role: str) -> Any:
    held = IncidentRole.objects.get(incident=incident, role=role)
    return page.locator(f"#role-{held.public_id} .role-holder")


def test_the_team_and_tasks_follow_what_someone_else_does(cast, live_server, page, browser):
    load_plan_demo(client=cast.client, by=cast.owner)
    scenario = Scenario.objects.get(revision__plan__client=cast.client)
    incident = an_incident(cast, scenario=scenario)
    room = f"{live_server.url}/clients/{cast.client.public_id}/incidents/{incident.public_id}/"
    log_in(page, live_server.url, cast.manager.email)
    page.goto(room)
    other = browser.new_context()
    try:
        sam = other.new_page()
        log_in(sam, live_server.url, cast.staff.email)
        sam.goto(room)
        holder(sam, incident, "Legal").filter(has_text="Unassigned").wait_for()

        # Max gives Legal to Sam; Sam's page follows, role and task, without a reload.
        page.get_by_text("Change who holds Legal").click()
        page.get_by_label("Who holds Legal").select_option(label="Sam Staff")
        page.locator("#crisis-team").get_by_role("button", name="Assign").first.click()
        page.get_by_text("Sam Staff now holds the role Legal.").wait_for()
        holder(sam, incident, "Legal").filter(has_text="Sam Staff").wait_for(timeout=WAIT)
        sam.locator("#incident-tasks li").filter(
            has_text="Notify the Food Standards Agency"
        ).get_by_text("Legal · Sam Staff").wait_for(timeout=WAIT)

        # Sam opens the form to change the Spokesperson and starts choosing; meanwhile Max
        # gives Operations to Sam. Sam's panel waits: the form and the choice stay.
        sam.get_by_text("Change who holds Spokesperson").click()
        sam.get_by_label("Who holds Spokesperson").select_option(label="Max Manager")
        page.get_by_text("Change who holds Operations").click()
        page.get_by_label("Who holds Operations").select_option(label="Sam Staff")
        page.locator("#crisis-team").get_by_role("button", name="Assign").first.click()
        page.get_by_text("Sam Staff now holds the role Operations.").wait_for()
        # Sam's timeline has the decision, so the poll has been and gone ...
        sam.locator("#timeline-entries").get_by_text(
            "Sam Staff now holds the role Operations"
        ).wait_for(timeout=WAIT)
        sam.wait_for_timeout(1500)
        # ... yet the open form is untouched, and the panel not yet refreshed.
        assert sam.get_by_label("Who holds Spokesperson").is_visible()
        assert sam.get_by_label("Who holds Spokesperson").input_value() == str(
            cast.manager.public_id
        )
        assert holder(sam, incident, "Operations").inner_text() == "Max Manager"
        # Once Sam closes the form, the next poll brings the change in.
        sam.get_by_text("Change who holds Spokesperson").click()
        sam.locator("body").click(position={"x": 1, "y": 1})
        holder(sam, incident, "Operations").filter(has_text="Sam Staff").wait_for(timeout=WAIT)

        # Sam marks a task done; Max's task panel shows it without a reload.
        task = sam.locator("#incident-tasks li").filter(has_text="Notify the Food Standards Agency")
        task.get_by_role("button", name="Done").click()
        sam.wait_for_load_state()
        page.locator("#incident-tasks li.task-done").filter(
            has_text="Notify the Food Standards Agency"
        ).get_by_text("by Sam Staff").wait_for(timeout=WAIT)
    finally:
        other.close()
