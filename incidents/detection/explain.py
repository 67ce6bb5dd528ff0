"""Plain-English pieces of alert explanations ("6× the usual for a Tuesday 14:00")."""

from __future__ import annotations

from datetime import datetime, timedelta


def describe_slot(moment: datetime) -> str:
    """'a Tuesday 14:00' in the moment's own time zone (the caller picks the client's)."""
    return f"a {moment:%A %H:%M}"


def format_span(span: timedelta) -> str:
    minutes = round(span.total_seconds() / 60)
    if minutes % 60 == 0 and minutes >= 60:
        hours = minutes // 60
        return "1 hour" if hours == 1 else f"{hours} hours"
    return f"{minutes} min"


def format_count(value: float) -> str:
    """Counts read as whole numbers; expectations below 10 keep one decimal."""
    if value >= 10 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:.1f}"


def format_ratio(observed: float, expected: float) -> str:
    ratio = observed / expected
    return f"{ratio:.0f}×" if ratio >= 10 else f"{ratio:.1f}×".replace(".0×", "×")


def count_sentence(
    *, noun: str, observed: float, expected: float, span: timedelta, start: datetime
) -> str:
    """'negative mentions 6× the usual for a Tuesday 14:00, 42 in 15 min (about 7 expected)'."""
    slot = describe_slot(start)
    if expected < 1:
        return (
            f"{format_count(observed)} {noun} in {format_span(span)} from {start:%H:%M}, "
            f"where {slot} usually has almost none"
        )
    return (
        f"{noun} {format_ratio(observed, expected)} the usual for {slot}, "
        f"{format_count(observed)} in {format_span(span)} (about {format_count(expected)} expected)"
    )
