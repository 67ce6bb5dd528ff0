"""Layout defects found in the QA pass, seen in headless Chromium on a phone (390 px)."""

from __future__ import annotations

from typing import Any

import pytest

from plans.demo import load_plan_demo
from tests.incidents.incident_factories import an_incident
from tests.incidents.test_browser_war_room import log_in
from tests.incidents.ui_factories import a_mention

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_war_room_and_plan_pages_fit_a_phone_screen(cast: Any, live_server: Any, browser: Any):
    """The war room's cards were 403 px wide on a 390 px screen (a grid cell would not
    shrink below its content) and the plan's targets table 555 px: the page scrolled
    sideways."""
    load_plan_demo(client=cast.client, by=cast.owner)
    incident = an_incident(cast, summary="A long summary " * 20)
    base, client_id = live_server.url, cast.client.public_id
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    log_in(page, base, cast.staff.email)

    for path in (f"incidents/{incident.public_id}/", "plan/"):
        page.goto(f"{base}/clients/{client_id}/{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        wide = page.evaluate(
            """()=>[...document.querySelectorAll("body *")].filter(e=>e.getBoundingClientRect().right>391).map(e=>e.tagName+"."+e.className+" "+e.getBoundingClientRect().right+" "+e.textContent.trim().slice(0,30)).slice(-6)"""
        )
        assert width <= 390, f"{path} is {width} px wide on a 390 px screen {wide}"


def test_inbox_mentions_stay_readable_on_a_phone(cast: Any, live_server: Any, browser: Any):
    """The mention column shrank to a word per line: each row was 300 px tall."""
    a_mention(cast.client, text="Acme Crunch made me sick last night, is there a recall? #AcmeFail")
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    log_in(page, live_server.url, cast.staff.email)
    page.goto(f"{live_server.url}/clients/{cast.client.public_id}/monitoring/inbox/")
    cell = page.locator("td.mention-text").first.bounding_box()
    assert cell is not None and cell["width"] >= 250


def test_inbox_rows_read_as_cards_on_a_phone(cast: Any, live_server: Any, browser: Any):
    """The mention text was the third column: reading it meant scrolling sideways. On a
    phone each row is a card: when and who, then the text across the card, then badges."""
    a_mention(cast.client, text="Acme Crunch made me sick last night, is there a recall? #AcmeFail")
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    log_in(page, live_server.url, cast.staff.email)
    page.goto(f"{live_server.url}/clients/{cast.client.public_id}/monitoring/inbox/")

    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    card = page.locator("table.inbox tbody tr").first.bounding_box()
    when = page.locator("table.inbox td.when").first.bounding_box()
    text = page.locator("table.inbox td.mention-text").first.bounding_box()
    badge = page.locator("table.inbox td .badge").first.bounding_box()
    assert card and when and text and badge
    assert card["x"] >= 0 and card["x"] + card["width"] <= 390
    assert text["width"] >= card["width"] * 0.85  # the text runs across the card
    assert when["y"] < text["y"] < badge["y"]
    assert page.locator("table.inbox td[data-label=Assignee]").first.is_visible()
