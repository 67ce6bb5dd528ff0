"""The post-mortem journey in headless Chromium: from the war room of a resolved incident
to its post-mortem, the text written, an action item added from the keyboard, edited in
place (Escape cancels), marked done, and another one opening a draft of the crisis plan
that names it."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidents.models import ActionItem, ActionItemStatus, Incident, IncidentStatus
from plans.models import RevisionStatus
from tests.incidents.incident_factories import an_incident
from tests.incidents.test_browser_war_room import log_in, shot
from tests.incidents.ui_factories import a_mention, a_source
from tests.plans.factories import approved_plan

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def resolved_incident_with_mentions(cast: Any) -> Incident:
    incident = an_incident(cast, title="Yoghurt recall rumour")
    now = timezone.now()
    start = now - timedelta(hours=6)
    Incident.objects.filter(pk=incident.pk).update(
        status=IncidentStatus.RESOLVED,
        detected_at=start,
        opened_at=start,
        acknowledged_at=start + timedelta(minutes=10),
        resolved_at=start + timedelta(hours=3),
    )
    source = a_source(cast.client, name="Local news")
    for minutes in range(-170, 350, 10):
        negative = 0 <= minutes < 180 and minutes % 20 == 0
        a_mention(
            cast.client,
            source,
            published_at=start + timedelta(minutes=minutes),
            sentiment=-0.7 if negative else 0.3,
            sentiment_label="negative" if negative else "positive",
        )
    return Incident.objects.get(pk=incident.pk)


def test_a_team_writes_the_postmortem_and_turns_lessons_into_actions(cast, live_server, page):
    approved_plan(cast.client, cast.owner)
    incident = resolved_incident_with_mentions(cast)
    base = live_server.url
    log_in(page, base, cast.staff.email)
    page.goto(f"{base}/clients/{cast.client.public_id}/incidents/{incident.public_id}/")
    page.get_by_role("link", name="Post-mortem").click()
    page.get_by_role("button", name="Start the post-mortem").click()
    page.get_by_text("Post-mortem started.").wait_for()
    page.get_by_role("heading", name="Mentions before, during and after").wait_for()
    assert page.locator("svg.pm-windows").count() == 1
    assert page.locator("svg.timeseries").count() == 1

    page.get_by_role("link", name="Edit the text").click()
    page.get_by_label("Executive summary").fill("A false recall rumour spread on local news.")
    page.get_by_label("Lessons learned").fill("Publish the holding statement within the hour.")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Post-mortem saved.").wait_for()

    # An action item from the keyboard: type, tab through, Enter submits (htmx swap).
    title = page.get_by_label("What is to be done")
    title.fill("Pre-approve a recall holding statement")
    page.get_by_label(re.compile(r"^Owner:?$")).select_option(label="Sam Staff")
    title.press("Enter")
    row = page.locator("tr.action-item").filter(has_text="Pre-approve a recall holding statement")
    row.wait_for()
    page.get_by_text("Action item “Pre-approve a recall holding statement” added.").wait_for()

    # Edit in place, then Escape gives the row back unchanged.
    row.get_by_role("link", name="Edit").click()
    editing = page.locator("tr.action-item.editing")
    editing.wait_for()
    field = editing.get_by_label("What is to be done")
    expect(field).to_be_focused()  # the cursor moved into the row
    field.fill("Something else")
    field.press("Escape")
    page.locator("tr.action-item.editing").wait_for(state="detached")
    row.wait_for()
    expect(row.get_by_role("link", name="Edit")).to_be_focused()  # and back to the row
    # Edit again from the keyboard and save with Enter.
    page.keyboard.press("Enter")
    field = page.locator("tr.action-item.editing").get_by_label("What is to be done")
    field.fill("Pre-approve recall holding statements")
    field.press("Enter")
    done_row = page.locator("tr.action-item").filter(
        has_text="Pre-approve recall holding statements"
    )
    done_row.wait_for()
    done_row.get_by_role("button", name="Mark “Pre-approve recall holding statements” done").click()
    done_row.locator(".badge", has_text="Done").wait_for()
    item = ActionItem.objects.get(title="Pre-approve recall holding statements")
    assert item.status == ActionItemStatus.DONE

    # A second item opens a draft of the plan, which names it.
    page.get_by_label("What is to be done").fill("Add a rumour scenario to the plan")
    page.get_by_label("Owner (role)").fill("Crisis lead")
    page.get_by_role("button", name="Add action item").click()
    second = page.locator("tr.action-item").filter(has_text="Add a rumour scenario")
    second.wait_for()
    shot(page, "postmortem_page.png")
    second.get_by_role("button", name="Open a plan revision").click()
    page.get_by_text("started as a draft").wait_for()
    page.get_by_role("heading", name="Opened from post-mortems").wait_for()
    page.get_by_role("link", name="Add a rumour scenario to the plan").wait_for()
    linked = ActionItem.objects.get(title="Add a rumour scenario to the plan")
    assert linked.plan_revision is not None
    assert linked.plan_revision.status == RevisionStatus.DRAFT
