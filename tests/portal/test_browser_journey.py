"""The journey of issue 2 in headless Chromium: log in, switch agency, open a client,
add a contact inline, log out."""

from __future__ import annotations

import os

import pytest

from clients.models import Contact, Membership, Role
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_owner_logs_in_switches_agency_adds_a_contact_and_logs_out(cast, live_server, page):
    Membership.objects.create(agency=cast.other_agency, user=cast.owner, role=Role.STAFF)
    page.goto(live_server.url + "/")
    assert "/accounts/login/" in page.url

    page.get_by_label("Email").fill("OWNER@northwind.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Northwind Communications").wait_for()

    page.get_by_label("Current agency").select_option(label="Rival PR")
    page.get_by_role("heading", name="Rival PR").wait_for()
    assert page.get_by_text("Acme Foods").count() == 0  # another agency's clients are gone
    page.get_by_label("Current agency").select_option(label="Northwind Communications")
    page.get_by_role("heading", name="Northwind Communications").wait_for()

    page.get_by_role("link", name="Acme Foods").click()
    page.get_by_role("heading", name="Acme Foods").wait_for()
    page.get_by_role("link", name="Contacts", exact=True).click()

    form = page.locator("#contact-add-form")
    form.get_by_label("Name").fill("Nadia Newsdesk")
    form.get_by_label("Kind").select_option(label="Media")
    form.get_by_label("Email").fill("nadia@newsdesk.test")
    form.get_by_role("button", name="Add").click()
    page.locator("#contact-rows").get_by_text("Nadia Newsdesk").wait_for()
    page.screenshot(
        path=os.path.join(os.environ.get("FIREBREAK_SCREENSHOTS", "/tmp"), "contacts.png"),
        full_page=True,
    )
    assert Contact.objects.filter(client=cast.client, email="nadia@newsdesk.test").exists()

    page.get_by_text("Olivia Owner").click()
    page.get_by_role("button", name="Log out").click()
    page.get_by_role("heading", name="Log in to Firebreak").wait_for()
    page.goto(live_server.url + "/")
    assert "/accounts/login/" in page.url
