"""Agency administration in headless Chromium: the inline (htmx) role change swaps the
member's row and shows the message out of band, without leaving the page."""

from __future__ import annotations

import os

import pytest
from django.urls import reverse

from clients.models import Membership, Role
from tests.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_owner_changes_a_role_inline_in_the_browser(cast, live_server, page):
    """The htmx row swap and the out-of-band message, in headless Chromium."""
    log_in(page, live_server.url, "owner@northwind.test")
    page.goto(live_server.url + reverse("agency:members"))
    m = Membership.objects.get(agency=cast.agency, user=cast.unassigned_staff)
    row = page.locator(f"#member-{m.public_id}")
    row.get_by_label("Role of Uma Unassigned", exact=True).select_option(label="Manager")
    row.get_by_role("button", name="Change the role of Uma Unassigned").click()
    page.get_by_text("Uma Unassigned is now manager (was Staff).").wait_for()
    assert page.locator(f"#member-{m.public_id} .badge-manager").inner_text() == "Manager"
    assert page.url.endswith(reverse("agency:members"))  # swapped in place, no navigation
    page.screenshot(
        path=os.path.join(os.environ.get("FIREBREAK_SCREENSHOTS", "/tmp"), "members.png"),
        full_page=True,
    )
    m.refresh_from_db()
    assert m.role == Role.MANAGER
