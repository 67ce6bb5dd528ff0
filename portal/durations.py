"""Lengths of time as people say them ("45 min", "1 h 30 min", "2 d 3 h"): the one way
every page, form and PDF shows a duration, whether measured (time to acknowledge, late
by) or planned (a response-time target, a playbook step's offset). A measured time sits
beside its target in the same words, so the two compare at a glance.

The text is exact to the minute and reads back: the plan editor shows a target in this
form and parses it again on save (plans.forms.parse_offset)."""

from __future__ import annotations

import math
from datetime import timedelta

MINUTES_PER_DAY = 24 * 60


def format_duration(value: timedelta | int | None) -> str:
    """A timedelta, or an int of whole minutes, in days, hours and minutes, leaving out
    the parts that are zero: 45 -> "45 min", 90 -> "1 h 30 min", 2880 -> "2 d",
    1 d 3 h 5 min -> "1 d 3 h 5 min". Seconds are dropped (59 s is "0 min"); None, a
    milestone not reached, is an em dash."""
    if value is None:
        return "—"
    minutes = int(value.total_seconds() // 60) if isinstance(value, timedelta) else value
    if minutes < 0:
        return "−" + format_duration(-minutes)
    days, rest = divmod(minutes, MINUTES_PER_DAY)
    hours, mins = divmod(rest, 60)
    parts = [
        f"{days} d" if days else "",
        f"{hours} h" if hours else "",
        f"{mins} min" if mins else "",
    ]
    return " ".join(p for p in parts if p) or "0 min"


def format_measured(value: timedelta | None) -> str:
    """A measured time set against a target or a due time, rounded up to the minute: a
    milestone 30 s past a "1 h" target reads "1 h 1 min", never the "1 h" it missed; a
    few seconds read "under 1 min"."""
    if value is None:
        return "—"
    seconds = value.total_seconds()
    if 0 < seconds < 60:
        return "under 1 min"
    return format_duration(math.ceil(seconds / 60))
