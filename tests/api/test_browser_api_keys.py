"""API keys in headless Chromium: a manager creates a key, copies it from the page, an
integration uses it, the manager revokes it (confirming the dialog) and it stops working."""

from __future__ import annotations

import os

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_manager_creates_uses_and_revokes_a_key(cast, live_server, page):
    log_in(page, live_server.url, "manager@northwind.test")
    page.goto(live_server.url + reverse("agency:members"))
    page.get_by_role("link", name="API keys").click()
    page.get_by_text("No API keys yet").wait_for()

    page.get_by_label("Name").fill("Brandwatch")
    page.get_by_label("Limited to client").select_option(label="Acme Foods")
    page.get_by_label("Read and write").check()
    page.get_by_role("button", name="Create key").click()
    page.get_by_text("shown only this once").wait_for()
    token = page.get_by_label("The new API key").input_value()
    assert token.startswith("fbk_")
    page.screenshot(
        path=os.path.join(os.environ.get("FIREBREAK_SCREENSHOTS", "/tmp"), "api-keys.png"),
        full_page=True,
    )

    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    names = [c["name"] for c in http.get("/api/v1/clients/").json()["results"]]
    assert names == ["Acme Foods"]

    page.reload()  # shown once: a reload creates nothing and no longer shows it
    assert token not in page.content()
    assert page.get_by_role("button", name="Revoke the key Brandwatch").count() == 1
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke the key Brandwatch").click()
    page.get_by_text("is revoked").wait_for()
    assert http.get("/api/v1/clients/").status_code == 401
