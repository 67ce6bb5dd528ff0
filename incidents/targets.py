"""Response-time targets of the war room's metrics, per severity (guide II.C, IV.C).

The targets come from the plan revision the incident runs on (its escalation levels,
see plans.targets); a target the plan leaves blank, or an incident without a plan, gets
the defaults. `targets_for` is the one place the war room, the post-mortem and the
trends page read them from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from plans.targets import DEFAULT_TARGETS, Targets, default_targets, targets_from_levels

if TYPE_CHECKING:
    from plans.models import PlanRevision

__all__ = ["DEFAULT_TARGETS", "Targets", "targets_for"]


def targets_for(severity: int, revision: PlanRevision | None = None) -> Targets:
    """The targets of an incident of `severity` running on `revision` (the incident's
    recorded plan revision, not the one in force now: a plan changed mid-crisis does
    not move the goalposts of an incident already running)."""
    if revision is None:
        return default_targets(severity)
    return targets_from_levels(revision.escalation_levels, severity)
