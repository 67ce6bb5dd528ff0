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


@register.simple_tag
def level_targets(levels: Any, severity: Any) -> Any:
    """The response-time targets of one escalation level (plan's or default)."""
    from plans.targets import target_rows

    return target_rows(levels, severity) if isinstance(severity, int) else []


@register.simple_tag
def plan_targets(levels: Any) -> Any:
    """Every severity's response-time targets: [(severity, rows)]."""
    from plans.targets import targets_table

    return targets_table(levels)
