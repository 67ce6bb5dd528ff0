"""Response-time targets of a crisis plan, per severity level (guide II.C, IV.C).

A plan says, for each of its escalation levels, how fast the team should detect,
acknowledge, hold (first statement published) and resolve an incident of that
severity. They live in the escalation section of a revision (each level of
`PlanRevision.escalation_levels` may carry `"targets": {"acknowledge": 30, ...}`, in
minutes), so they are versioned, diffed and approved with the rest of the plan. A target
the plan leaves blank falls back to `DEFAULT_TARGETS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from portal.durations import format_duration

# (key, label): the four milestones, in the order of an incident's life.
MILESTONES: list[tuple[str, str]] = [
    ("detect", "detect"),
    ("acknowledge", "acknowledge"),
    ("hold", "first statement"),
    ("resolve", "resolve"),
]
MAX_TARGET_MINUTES = 90 * 24 * 60  # 90 days: anything longer is no target


@dataclass(frozen=True)
class Targets:
    detect: timedelta  # first matching mention -> alert (detection)
    acknowledge: timedelta  # detection -> someone moves the incident on
    hold: timedelta  # detection -> first holding statement published
    resolve: timedelta  # detection -> resolved

    def minutes(self, key: str) -> int:
        """The target of the milestone `key` (one of MILESTONES), in whole minutes."""
        target: timedelta = getattr(self, key)
        return int(target.total_seconds() // 60)


def _t(detect: int, acknowledge: int, hold: int, resolve: int) -> Targets:
    return Targets(*(timedelta(minutes=m) for m in (detect, acknowledge, hold, resolve)))


# The more severe the incident, the faster the team is expected to move.
DEFAULT_TARGETS: dict[int, Targets] = {
    1: _t(4 * 60, 4 * 60, 24 * 60, 7 * 1440),
    2: _t(2 * 60, 60, 4 * 60, 3 * 1440),
    3: _t(60, 30, 2 * 60, 2 * 1440),
    4: _t(30, 15, 60, 1440),
}


def default_targets(severity: int) -> Targets:
    return DEFAULT_TARGETS.get(severity, DEFAULT_TARGETS[2])


def plan_minutes(levels: Any, severity: int) -> dict[str, int]:
    """The targets (minutes) a plan's escalation levels set for a severity; only the
    valid ones, so a hand-edited or old revision never breaks the war room."""
    if not isinstance(levels, list):
        return {}
    for level in levels:
        if not isinstance(level, dict) or level.get("severity") != severity:
            continue
        raw = level.get("targets")
        if not isinstance(raw, dict):
            return {}
        found = {}
        for key, _label in MILESTONES:
            value = raw.get(key)
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                found[key] = min(value, MAX_TARGET_MINUTES)
        return found
    return {}


def targets_from_levels(levels: Any, severity: int) -> Targets:
    """The targets of a severity: the plan's, each blank one from the defaults."""
    default = default_targets(severity)
    minutes = plan_minutes(levels, severity)
    return Targets(
        **{
            key: timedelta(minutes=minutes[key]) if key in minutes else getattr(default, key)
            for key, _label in MILESTONES
        }
    )


@dataclass(frozen=True)
class TargetRow:
    """One target as a plan page shows it."""

    key: str
    label: str
    minutes: int
    from_plan: bool

    @property
    def text(self) -> str:
        return format_duration(self.minutes)


def target_rows(levels: Any, severity: int) -> list[TargetRow]:
    set_by_plan = plan_minutes(levels, severity)
    effective = targets_from_levels(levels, severity)
    return [
        TargetRow(
            key,
            label,
            effective.minutes(key),
            key in set_by_plan,
        )
        for key, label in MILESTONES
    ]


def targets_table(levels: Any) -> list[tuple[int, list[TargetRow]]]:
    """Severity 1 to 4, each with its four targets."""
    return [(n, target_rows(levels, n)) for n in sorted(DEFAULT_TARGETS)]
