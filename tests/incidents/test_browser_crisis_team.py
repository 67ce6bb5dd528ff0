"""The crisis team in headless Chromium: with the keyboard only, someone who can write
the client gives the demo plan's Legal role (named in the plan, without an account) to a
colleague; the panel is swapped in place, the role's task follows and the timeline says
so."""

from __future__ import annotations

import pytest

from incidents.models import EntryKind, IncidentRole
from plans.demo import load_plan_demo
from plans.models import Scenario
from tests.incidents.incident_factories import an_incident
from tests.incidents.test_browser_war_room import log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_a_role_is_assigned_with_the_keyboard(cast, live_server, page):
    load_plan_demo(client=cast.client, by=cast.owner)
    scenario = Scenario.objects.get(revision__plan__client=cast.client)
    incident = an_incident(cast, scenario=scenario)
    log_in(page, live_server.url, cast.manager.email)
    page.goto(f"{live_server.url}/clients/{cast.client.public_id}/incidents/{incident.public_id}/")
    team = page.locator("#crisis-team")
    # The demo plan names the demo users: they hold their roles from the start.
    team.get_by_text("Max Manager").first.wait_for()
    team.get_by_text("the plan names Priya Shah, who has no account here").wait_for()

    team.get_by_text("Change who holds Legal").focus()
    page.keyboard.press("Enter")  # opens the disclosure
    page.keyboard.press("Tab")  # to the select
    page.get_by_label("Who holds Legal").select_option(label="Sam Staff")
    page.keyboard.press("Tab")  # to Assign
    shot(page, "war_room_crisis_team.png")
    page.keyboard.press("Enter")
    team = page.locator("#crisis-team")
    team.get_by_text("Sam Staff now holds the role Legal.").wait_for()
    legal = IncidentRole.objects.get(incident=incident, role="Legal")
    assert legal.person == cast.staff
    page.locator("#timeline-entries").get_by_text(
        "Sam Staff now holds the role Legal (was Priya Shah). 1 open task of the role passed "
        "to Sam Staff."
    ).wait_for()
    assert incident.timeline.filter(kind=EntryKind.DECISION).count() == 1
    # The Legal task of the playbook now shows its holder, without reloading the page.
    page.locator("#incident-tasks li").filter(
        has_text="Notify the Food Standards Agency"
    ).get_by_text("Legal · Sam Staff").wait_for()
