"""The webhook pages in headless Chromium: a manager adds an endpoint, reveals its
secret, sends a test ping to a real local receiver and reads the answer in the log."""

from __future__ import annotations

import os
from typing import Any

import pytest

from incidents.models import WebhookEndpoint
from incidents.webhooks import SIGNATURE_HEADER, verify
from tests.browser import log_in
from tests.incidents.local_server import Route, local_server

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def shot(page: Any, name: str) -> None:
    folder = os.environ.get("FIREBREAK_SCREENSHOTS", "/tmp")
    page.screenshot(path=os.path.join(folder, name), full_page=True)


def test_a_manager_adds_an_endpoint_and_pings_it(cast, live_server, page, settings):
    settings.FEED_ALLOWED_HOSTS = ["127.0.0.1"]
    with local_server() as receiver:
        receiver.routes["/firebreak"] = Route(body=b'{"ok": true, "note": "<b>hi</b>"}')
        log_in(page, live_server.url, cast.manager.email)

        page.get_by_role("link", name="Agency", exact=True).click()
        page.get_by_role("navigation", name="Agency administration").get_by_role(
            "link", name="Webhooks"
        ).click()
        page.get_by_text("No webhook endpoints yet").wait_for()
        page.get_by_role("link", name="Add an endpoint").first.click()
        page.get_by_label("Endpoint URL").fill(f"{receiver.url}/firebreak")
        page.get_by_label("Post-mortem ready").uncheck()
        shot(page, "webhook-form.png")
        page.get_by_role("button", name="Add endpoint").click()
        page.get_by_text("Use the signing secret below").wait_for()

        endpoint = WebhookEndpoint.objects.get()
        assert "postmortem.ready" not in endpoint.events and len(endpoint.events) == 4
        page.get_by_text("Reveal the secret").click()
        assert page.locator("#webhook-secret").inner_text() == endpoint.secret

        page.get_by_role("button", name="Send a test ping").click()
        page.get_by_text("Test ping sent").wait_for()
        log = page.locator("#webhook-log")
        log.get_by_text("Delivered").wait_for()
        assert "HTTP 200" in log.inner_text()
        assert '{"ok": true, "note": "<b>hi</b>"}' in log.inner_text()  # as text
        shot(page, "webhook-page.png")
        (ping,) = receiver.requests_to("/firebreak")
        verify(ping.body, ping.headers[SIGNATURE_HEADER.lower()], endpoint.secret)

        page.get_by_role("navigation", name="Agency administration").get_by_role(
            "link", name="Webhooks"
        ).click()
        row = page.locator(f"#webhook-{endpoint.public_id}")
        assert "On" in row.inner_text() and "200" in row.inner_text()
        shot(page, "webhook-list.png")

        row.get_by_role("link").click()
        page.get_by_role("button", name="Turn off").click()
        page.get_by_text("Switched off by Max Manager.").wait_for()
        shot(page, "webhook-off.png")
        page.get_by_role("button", name="Turn it back on").click()
        page.get_by_text("The endpoint is on again").wait_for()
