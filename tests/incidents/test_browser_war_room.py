"""The war-room journey of issue 5 in headless Chromium: escalate an alert, see the
tasks and the holding statement the plan proposes, draft a statement, have a second
person approve and publish it, answer a negative mention, resolve the incident."""

from __future__ import annotations

import os
from typing import Any

import pytest

from incidents.models import (
    Incident,
    IncidentStatus,
    Mention,
    ResponseStatus,
    StatementStatus,
    Triage,
)
from plans.demo import load_plan_demo
from tests.browser import log_in
from tests.incidents.ui_factories import a_mention, a_source, an_alert

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def shot(page: Any, name: str) -> None:
    folder = os.environ.get("FIREBREAK_SCREENSHOTS", "/tmp")
    page.screenshot(path=os.path.join(folder, name), full_page=True)


def test_a_team_handles_an_incident_from_alert_to_resolution(cast, live_server, page, browser):
    load_plan_demo(client=cast.client, by=cast.owner)
    source = a_source(cast.client, name="Local news")
    complaint = a_mention(
        cast.client,
        source,
        text="My kids got sick after Acme yoghurt. Is there a recall?",
        author="@worried_parent",
        sentiment=-0.8,
        sentiment_label="negative",
    )
    alert = an_alert(cast.client, "negative_surge", explanation="Negative share tripled.")
    alert.mentions.set([complaint])
    base = live_server.url
    client_id = cast.client.public_id

    # Sam (staff) escalates the alert: the plan runs.
    log_in(page, base, cast.staff.email)
    page.goto(f"{base}/clients/{client_id}/monitoring/alerts/")
    page.get_by_role("button", name="Open incident").click()
    page.get_by_role("heading", name="Tasks").wait_for()
    incident = Incident.objects.get(client=cast.client)
    assert incident.alert == alert
    page.get_by_text("Publish the holding statement").wait_for()
    page.get_by_role("link", name="Open the statements").click()
    holding = page.locator("article.statement").filter(has_text="holding statement")
    holding.get_by_text("We are aware of reports about").wait_for()

    # Sam drafts a Facebook statement, with a placeholder filled in on saving.
    page.get_by_role("link", name="Draft a statement").click()
    page.get_by_label("Channel").select_option(label="Facebook")
    page.get_by_label("Statement").fill("{client} is recalling batch 42 as a precaution.")
    page.get_by_role("button", name="Save the draft").click()
    draft = page.locator("article.statement").filter(has_text="Acme Foods is recalling batch 42")
    draft.wait_for()
    # Sam cannot approve his own statement.
    draft.get_by_role("button", name="Approve").click()
    page.get_by_text("You wrote this statement: someone else must approve it.").wait_for()
    shot(page, "war_room_statements.png")

    # Max (manager), in another browser context, approves and publishes it.
    other = browser.new_context()
    try:
        page2 = other.new_page()
        log_in(page2, base, cast.manager.email)
        page2.goto(page.url)
        draft2 = page2.locator("article.statement").filter(has_text="recalling batch 42")
        draft2.get_by_role("button", name="Approve").click()
        page2.get_by_text("Statement approved").wait_for()
        draft2 = page2.locator("article.statement").filter(has_text="recalling batch 42")
        draft2.get_by_label("Published at").fill("https://facebook.com/acme/posts/42")
        draft2.get_by_role("button", name="Mark as published").click()
        page2.get_by_text("Statement recorded as published.").wait_for()
    finally:
        other.close()
    statement = incident.statements.get(channel="facebook")
    assert statement.status == StatementStatus.PUBLISHED
    assert statement.approver == cast.manager

    # Sam answers the negative mention from the war room.
    page.goto(f"{base}/clients/{client_id}/incidents/{incident.public_id}/")
    page.get_by_role("link", name="Answer the incident's mentions").click()
    page.get_by_role("link", name="Reply").click()
    reply = page.locator("#id_body")
    assert reply.input_value().startswith("Hi @worried_parent, you wrote “My kids got sick")
    page.get_by_text("Empathy guidelines").wait_for()
    page.get_by_label("Status").select_option(label="Sent")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Reply saved: sent.").wait_for()
    complaint.refresh_from_db()
    assert complaint.triage == Triage.RESPONDED
    assert complaint.responses.get().status == ResponseStatus.SENT

    # Sam resolves the incident.
    page.goto(f"{base}/clients/{client_id}/incidents/{incident.public_id}/")
    page.get_by_label("Move to").select_option(label="Resolved")
    page.locator("#status-reason").fill("Recall complete, sentiment back to normal.")
    page.get_by_role("button", name="Change status").click()
    page.get_by_text("Status changed.").wait_for()
    shot(page, "war_room_resolved.png")
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED
    assert incident.first_statement_at == statement.published_at
    assert Mention.objects.filter(incidents=incident).count() == 1


def test_load_earlier_brings_older_entries_in_above_without_leaving_the_page(
    cast, live_server, page
):
    from datetime import timedelta

    from django.utils import timezone

    from incidents.incident_services import incident_open
    from incidents.models import TimelineEntry

    incident = incident_open(client=cast.client, by=cast.owner, title="Long crisis", severity=2)
    start = timezone.now() - timedelta(hours=5)
    TimelineEntry.objects.bulk_create(
        TimelineEntry(
            incident=incident,
            author=cast.staff,
            text=f"Update {n:03d}",
            created_at=start + timedelta(minutes=n),
        )
        for n in range(120)
    )
    log_in(page, live_server.url, cast.staff.email)
    address = f"{live_server.url}/clients/{cast.client.public_id}/incidents/{incident.public_id}/"
    page.goto(address)
    texts = page.locator("#timeline-entries .entry-text")
    assert texts.count() == 50
    page.get_by_role("link", name="Load earlier entries").click()
    page.get_by_text("Update 021", exact=True).wait_for()
    assert texts.count() == 100
    assert texts.first.inner_text() == "Update 021"  # older entries come in above
    page.get_by_role("link", name="Load earlier entries").click()
    page.get_by_text("Update 000", exact=True).wait_for()
    assert texts.count() == 121
    assert page.get_by_role("link", name="Load earlier entries").count() == 0
    assert page.url == address  # htmx: the page never changed
