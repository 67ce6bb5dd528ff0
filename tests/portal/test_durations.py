"""Durations read the same everywhere, measured or planned, and the plan editor reads
back what it shows."""

from __future__ import annotations

from datetime import timedelta

import pytest

from incidents.incident_selectors import Metric
from plans.forms import parse_offset
from portal.durations import format_duration, format_measured


def test_a_duration_reads_like_a_person_would_say_it() -> None:
    assert format_duration(None) == "—"
    assert format_duration(timedelta(seconds=59)) == "0 min"
    assert format_duration(timedelta(minutes=65)) == "1 h 5 min"
    assert format_duration(timedelta(hours=2)) == "2 h"
    assert format_duration(timedelta(hours=47, minutes=59)) == "1 d 23 h 59 min"
    assert format_duration(timedelta(days=2, hours=3, minutes=10)) == "2 d 3 h 10 min"
    assert format_duration(timedelta(days=3)) == "3 d"
    assert format_duration(-timedelta(minutes=5)) == "−5 min"


def test_minutes_read_the_same_as_the_timedelta() -> None:
    for minutes in (0, 45, 90, 1440, 1590, 90 * 1440):
        assert format_duration(minutes) == format_duration(timedelta(minutes=minutes))


@pytest.mark.parametrize("minutes", [1, 59, 60, 90, 1440, 1441, 1500, 2880, 4565, 90 * 1440])
def test_what_is_shown_reads_back_to_the_same_minutes(minutes: int) -> None:
    assert parse_offset(format_duration(minutes)) == minutes
    assert parse_offset("+" + format_duration(minutes)) == minutes


def test_a_measured_time_past_its_target_never_reads_as_the_target() -> None:
    target = timedelta(hours=1)
    late = Metric("Time to acknowledge", target + timedelta(seconds=30), target)
    assert (late.value_label, late.target_label, late.met) == ("1 h 1 min", "1 h", False)
    on_time = Metric("Time to acknowledge", target, target)
    assert (on_time.value_label, on_time.met) == ("1 h", True)
    assert format_measured(timedelta(seconds=1)) == "under 1 min"
    assert format_measured(timedelta(seconds=61)) == "2 min"
    assert format_measured(timedelta(0)) == "0 min"
    assert format_measured(None) == "—"
