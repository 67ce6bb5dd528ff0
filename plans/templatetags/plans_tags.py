"""Template helpers of the plans app."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag
def readiness_for(readiness: Any, client: Any) -> Any:
    """The Readiness of `client`: `readiness` is one already, or a dict by client id."""
    if isinstance(readiness, dict):
        return readiness.get(client.pk)
    return readiness
