"""Helpers of the browser tests (Playwright, headless Chromium)."""

from __future__ import annotations

from typing import Any

from tests.conftest import PASSWORD


def log_in(page: Any, base: str, email: str, *, lands_on: str = "Northwind Communications") -> None:
    """Log in through the login page and wait for the page it lands on (its heading)."""
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name=lands_on).wait_for()
