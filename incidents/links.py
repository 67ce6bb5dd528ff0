"""Absolute links to Firebreak's pages, for what leaves the site (emails, webhooks)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.urls import reverse

if TYPE_CHECKING:
    from incidents.models import Alert


def absolute(name: str, **kwargs: Any) -> str:
    return settings.SITE_URL + reverse(name, kwargs=kwargs)


def alert_url(alert: Alert) -> str:
    """Alerts have no page of their own: the client's alert list at the alert, on the
    page holding it in the list of its status then (the link the mention page uses too;
    incidents.views.alerts)."""
    return (
        absolute("monitoring:alerts", client=alert.client.public_id)
        + f"?alert={alert.public_id}#alert-{alert.public_id}"
    )
