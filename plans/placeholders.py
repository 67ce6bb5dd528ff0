"""Placeholders of statement templates: the one list of names a template may use, the
validation run when a template is saved, and the renderer incidents use to fill it in.

A placeholder is a name in braces, `{client}`. Anything in single braces that is not a
known name is an error, so a typo (`{clinet}`) is caught when the plan is written rather
than in a statement published in the middle of a crisis. `{{` and `}}` stand for literal
braces.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.core.exceptions import ValidationError

PLACEHOLDERS: dict[str, str] = {
    "client": "The client's brand name",
    "agency": "The agency's name",
    "incident": "The incident's title",
    "date": "Today's date",
    "time": "The current time",
    "severity": "The incident's severity (1–4)",
    "spokesperson": "The spokesperson of the crisis team",
    "channel": "The channel the statement is published on",
    "contact_email": "The press or customer contact address",
    "next_update": "When the next update will be given",
    "product": "The product concerned",
    "location": "The place concerned",
}

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")


def placeholders_in(text: str) -> list[str]:
    """The placeholder names a text uses, in order of first use (known or not)."""
    seen: list[str] = []
    for match in _TOKEN.finditer(text):
        name = match.group(1)
        if name is not None and name not in seen:
            seen.append(name)
    return seen


def unknown_placeholders(text: str) -> list[str]:
    return [name for name in placeholders_in(text) if name.strip() not in PLACEHOLDERS]


def validate_placeholders(text: str) -> None:
    """Raise a ValidationError naming every unknown placeholder, with the known ones."""
    unknown = unknown_placeholders(text)
    if unknown:
        names = ", ".join(f"{{{n}}}" for n in unknown)
        known = ", ".join(f"{{{n}}}" for n in PLACEHOLDERS)
        noun = "placeholder" if len(unknown) == 1 else "placeholders"
        raise ValidationError(
            f"Unknown {noun} {names}. Use one of {known} (write {{{{ and }}}} for literal braces).",
            code="unknown_placeholder",
        )


def render_placeholders(text: str, values: Mapping[str, object]) -> str:
    """Fill in a template. A known placeholder without a value stays visible as
    `[name]` so that an unfinished statement cannot pass for a finished one."""

    def replace(match: re.Match[str]) -> str:
        whole = match.group(0)
        if whole in ("{{", "}}"):
            return whole[0]
        name = (match.group(1) or "").strip()
        value = values.get(name)
        if value is None or value == "":
            return f"[{name}]"
        return str(value)

    return _TOKEN.sub(replace, text)
