"""Response-time targets of the war room's metrics, per severity (guide II.C, IV.C).

Plans do not yet say their own targets, so these defaults apply to every client: the more
severe the incident, the faster the team is expected to acknowledge it, hold, and resolve
it. When plan revisions gain a targets section, `targets_for` is the one place to read it
from (falling back to these).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Targets:
    detect: timedelta  # first matching mention -> alert (detection)
    acknowledge: timedelta  # detection -> someone moves the incident on
    hold: timedelta  # detection -> first holding statement published
    resolve: timedelta  # detection -> resolved


DEFAULT_TARGETS: dict[int, Targets] = {
    1: Targets(timedelta(hours=4), timedelta(hours=4), timedelta(hours=24), timedelta(days=7)),
    2: Targets(timedelta(hours=2), timedelta(hours=1), timedelta(hours=4), timedelta(days=3)),
    3: Targets(timedelta(hours=1), timedelta(minutes=30), timedelta(hours=2), timedelta(days=2)),
    4: Targets(timedelta(minutes=30), timedelta(minutes=15), timedelta(hours=1), timedelta(days=1)),
}


def targets_for(severity: int) -> Targets:
    return DEFAULT_TARGETS.get(severity, DEFAULT_TARGETS[2])
