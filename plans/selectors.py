"""Reads the dashboard and the client overview share: plans overdue for review, the last
drill of each client and whether it is too long ago (guide V.C)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from clients.models import Client
from plans.models import CrisisPlan, Exercise, ExerciseStatus, PlanRevision, RevisionStatus
from portal.scoping import Scope

DRILL_STALE_AFTER = timedelta(days=183)  # "no drill in 6 months"


def last_drill(client: Client) -> Exercise | None:
    return (
        Exercise.objects.filter(
            client=client, status=ExerciseStatus.COMPLETED, scheduled_at__lte=timezone.now()
        )
        .order_by("-scheduled_at")
        .first()
    )


def drill_is_stale(exercise: Exercise | None) -> bool:
    return exercise is None or exercise.scheduled_at < timezone.now() - DRILL_STALE_AFTER


def overdue_plans(scope: Scope, *, today: date | None = None) -> QuerySet[CrisisPlan]:
    today = today or timezone.localdate()
    return (
        CrisisPlan.objects.within(scope)
        .filter(next_review_date__lt=today)
        .select_related("client", "owner")
        .order_by("next_review_date")
    )


@dataclass
class Readiness:
    """What the dashboard says of one client's preparedness."""

    approved: PlanRevision | None
    plan: CrisisPlan | None
    last_drill: Exercise | None

    @property
    def plan_overdue(self) -> bool:
        return self.plan is not None and self.plan.review_overdue()

    @property
    def drill_stale(self) -> bool:
        return drill_is_stale(self.last_drill)


def readiness(clients: Iterable[Client]) -> dict[int, Readiness]:
    """Per client id: its plan, approved revision and last completed drill (3 queries)."""
    ids = [c.pk for c in clients]
    plans = {p.client_id: p for p in CrisisPlan.objects.filter(client_id__in=ids)}
    approved = {
        r.plan.client_id: r
        for r in PlanRevision.objects.filter(
            plan__client_id__in=ids, status=RevisionStatus.APPROVED
        ).select_related("plan")
    }
    drills: dict[int, Exercise] = {}
    for exercise in Exercise.objects.filter(
        client_id__in=ids, status=ExerciseStatus.COMPLETED, scheduled_at__lte=timezone.now()
    ).order_by("client_id", "-scheduled_at"):
        drills.setdefault(exercise.client_id, exercise)
    return {
        cid: Readiness(approved=approved.get(cid), plan=plans.get(cid), last_drill=drills.get(cid))
        for cid in ids
    }
