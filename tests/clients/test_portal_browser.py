"""A client contact's visit to the portal in headless Chromium, on a phone-sized screen
(390×844) and on a desktop: log in, see the current incident, read its statement and
updates, open the plan, the risks and the post-mortems, switch to the other client.
Nothing may be wider than the phone's screen. Screenshots go to $FIREBREAK_SCREENSHOTS."""

from __future__ import annotations

import os
from typing import Any

import pytest

from clients.models import PortalAccess
from incidents.reports import report_request_plan, report_request_postmortem
from tests.browser import log_in
from tests.clients.portal_factories import a_portal_world
from tests.clients.test_portal import _give_logo
from tests.plans.factories import a_risk, approved_plan

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def shot(page: Any, name: str) -> None:
    folder = os.environ.get("FIREBREAK_SCREENSHOTS", "/tmp")
    page.screenshot(path=os.path.join(folder, name), full_page=True)


def fits_the_screen(page: Any) -> bool:
    """No sideways scrolling of the page itself (the tab bar may scroll inside itself)."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


@pytest.fixture
def portal_data(cast: Any) -> Any:
    PortalAccess.objects.create(client=cast.second_client, user=cast.contact_user)
    _plan, revision = approved_plan(
        cast.client,
        cast.owner,
        escalation_levels=[{"severity": 3, "criteria": "Press picks it up", "notify": "CEO"}],
    )
    a_risk(cast.client, cast.owner, title="Contaminated batch", likelihood=4, impact=5)
    a_risk(
        cast.client,
        cast.owner,
        title="Delivery strike",
        category="operational",
        mitigations="Agreements with two other carriers.",
        likelihood=2,
    )
    _give_logo(cast.agency)
    world = a_portal_world(cast)
    # the live server's database commits at once: the PDFs are made right here
    report_request_plan(revision=revision, variant="client", paper_size="a4", by=cast.owner)
    report_request_postmortem(
        postmortem=world.postmortem, variant="client", paper_size="a4", by=cast.owner
    )
    return world


def test_a_contact_visits_the_portal_on_a_phone(cast, live_server, browser, portal_data):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    log_in(page, live_server.url, "contact@acme.test", lands_on="Your crisis portal")
    assert page.locator("img.portal-logo").evaluate("img => img.naturalWidth") > 0
    assert page.get_by_text("Northwind Communications").first.is_visible()
    shot(page, "portal-phone-home.png")

    page.get_by_role("link", name="Acme Foods").click()
    page.get_by_role("heading", name="Current incident").wait_for()
    assert fits_the_screen(page)
    shot(page, "portal-phone-overview.png")

    page.get_by_role("link", name="Batch 42 recall").first.click()
    page.get_by_role("heading", name="Published statements").wait_for()
    assert page.get_by_text("We are recalling batch 42 as a precaution.", exact=True).is_visible()
    assert page.get_by_text("The recall of batch 42 is under way").is_visible()
    assert page.get_by_text("CEO furious").count() == 0
    assert fits_the_screen(page)
    shot(page, "portal-phone-incident.png")

    nav = page.get_by_role("navigation", name="Portal")
    nav.get_by_role("link", name="Incidents").click()
    page.get_by_role("heading", name="Past").wait_for()
    assert page.get_by_text("DRILL Factory fire").count() == 0
    assert fits_the_screen(page)
    shot(page, "portal-phone-incidents.png")

    nav.get_by_role("link", name="Crisis plan").click()
    page.get_by_role("heading", name="Scenarios and playbooks").wait_for()
    assert fits_the_screen(page)
    shot(page, "portal-phone-plan.png")

    nav.get_by_role("link", name="Risks").click()
    page.get_by_role("heading", name="Risk register").wait_for()
    assert fits_the_screen(page)
    shot(page, "portal-phone-risks.png")

    nav.get_by_role("link", name="Post-mortems").click()
    page.get_by_text("Retrain all delivery drivers").wait_for()
    assert fits_the_screen(page)
    shot(page, "portal-phone-reviews.png")

    nav.get_by_role("link", name="Contacts").click()
    page.get_by_text("Jane Reporter").wait_for()
    assert page.get_by_text("prefers calls").count() == 0
    assert fits_the_screen(page)
    shot(page, "portal-phone-contacts.png")

    # switch to the other client: the same page, for Blue Air
    page.locator(".client-switcher summary").click()
    page.get_by_role("link", name="Blue Air").wait_for()
    page.screenshot(
        path=os.path.join(
            os.environ.get("FIREBREAK_SCREENSHOTS", "/tmp"), "portal-phone-switcher.png"
        )
    )
    page.get_by_role("link", name="Blue Air").click()
    page.get_by_role("heading", name="Stakeholder contacts").wait_for()
    assert page.locator(".client-switcher summary").inner_text().endswith("Blue Air")
    assert page.get_by_text("No contacts shared yet").is_visible()
    context.close()


def test_a_contact_reads_the_plan_on_a_desktop(cast, live_server, browser, portal_data):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    log_in(page, live_server.url, "contact@acme.test", lands_on="Your crisis portal")
    page.get_by_role("link", name="Acme Foods").click()
    page.get_by_role("heading", name="Current incident").wait_for()
    shot(page, "portal-desktop-overview.png")
    page.get_by_role("navigation", name="Portal").get_by_role("link", name="Crisis plan").click()
    page.get_by_role("heading", name="Scenarios and playbooks").wait_for()
    assert page.get_by_text("Publish the holding statement").is_visible()
    assert page.get_by_text("Brief legal").count() == 0
    shot(page, "portal-desktop-plan.png")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    page.get_by_role("navigation", name="Portal").get_by_role("link", name="Incidents").click()
    page.get_by_role("link", name="Delivery van video").click()
    page.get_by_role("heading", name="Post-mortem").wait_for()
    shot(page, "portal-desktop-incident.png")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")
    context.close()
