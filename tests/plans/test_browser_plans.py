"""The journey of issue 3 in headless Chromium: create a plan, add a scenario with a
playbook, approve it and see it on the client page; open the heat map and follow a cell."""

from __future__ import annotations

import os

import pytest

from plans.models import RevisionStatus, Scenario
from tests.browser import log_in
from tests.plans.factories import a_risk

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
# Playwright's sync API runs an event loop in this thread; the ORM calls below are
# ordinary blocking calls between page actions.


def test_manager_writes_a_plan_with_a_scenario_approves_it_and_reads_the_heat_map(
    cast, live_server, page
):
    a_risk(cast.client, cast.owner, title="Contaminated batch", likelihood=4, impact=5)
    log_in(page, live_server.url, "manager@northwind.test")
    page.get_by_role("link", name="Acme Foods").click()
    page.get_by_role("heading", name="Acme Foods").wait_for()
    page.get_by_role("link", name="Plan", exact=True).click()

    page.get_by_role("button", name="Start the crisis plan").click()
    page.get_by_role("heading", name="Crisis plan — revision 1").wait_for()

    page.get_by_role("link", name="Add a scenario").click()
    page.get_by_label("Title").fill("Product recall")
    page.get_by_label("Trigger terms").fill("recall, food poisoning")
    page.get_by_label("Contaminated batch").check()
    page.get_by_label("Step 1 action").fill("Convene the crisis team")
    page.get_by_label("Step 1 owner role").fill("Crisis lead")
    page.get_by_label("Step 1 due").fill("+0 min")
    page.get_by_label("Step 2 action").fill("Publish the holding statement")
    page.get_by_label("Step 2 owner role").fill("Spokesperson")
    page.get_by_label("Step 2 due").fill("+30 min")
    page.get_by_role("button", name="Save scenario").click()
    page.get_by_role("heading", name="Product recall").wait_for()
    assert page.get_by_text("Publish the holding statement").is_visible()

    page.get_by_role("link", name="revision 1").click()
    page.get_by_role("button", name="Send for review").click()
    page.get_by_text("Revision 1 sent for review.").wait_for()
    page.get_by_role("button", name="Approve").click()
    page.get_by_text("it is now the plan in force").wait_for()
    scenario = Scenario.objects.get(title="Product recall")
    assert scenario.revision.status == RevisionStatus.APPROVED
    assert [s.due_offset_minutes for s in scenario.steps.all()] == [0, 30]

    page.get_by_role("link", name="Acme Foods").first.click()
    page.locator("#readiness").get_by_text("Plan revision 1").wait_for()

    page.get_by_role("link", name="Risks", exact=True).click()
    page.get_by_role("link", name="Heat map").first.click()
    page.get_by_role("heading", name="Risk heat map").wait_for()
    page.screenshot(
        path=os.path.join(os.environ.get("FIREBREAK_SCREENSHOTS", "/tmp"), "heatmap.png"),
        full_page=True,
    )
    page.locator('a.heatmap-cell[data-likelihood="4"][data-impact="5"]').click()
    page.get_by_role("heading", name="Risk register").wait_for()
    assert "likelihood=4" in page.url and "impact=5" in page.url
    page.locator("#risk-table").get_by_role("link", name="Contaminated batch").wait_for()
