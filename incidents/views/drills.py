"""Drill mode pages (namespace `drills`): start a drill from a scenario of the approved
plan (optionally for a planned exercise), and write a drill's timings into its exercise
record. Writes go through incidents.drills."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import TemplateView

from incidents.drills import DRILL_SIZE, drill_record_timings, drill_start
from incidents.incident_services import IncidentError, approved_revision
from incidents.models import Incident
from incidents.views import user_of
from plans.models import Exercise, ExerciseStatus, Scenario
from portal.views.base import ClientView


class DrillStartView(ClientView, TemplateView):
    """GET: choose a scenario (and a planned exercise); POST: open the drill."""

    template_name = "incidents/drill_start.html"
    writes = True

    def scenarios(self) -> list[Scenario]:
        revision = approved_revision(self.client)
        return list(revision.scenarios.all()) if revision is not None else []

    def exercises(self) -> list[Exercise]:
        return list(
            Exercise.objects.within(self.scope).filter(
                client=self.client, status=ExerciseStatus.PLANNED
            )[:50]
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            scenarios=self.scenarios(),
            exercises=self.exercises(),
            drill_size=DRILL_SIZE,
            chosen=self.request.GET.get("exercise", ""),
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        wanted = request.POST.get("scenario", "")
        scenario = next((s for s in self.scenarios() if str(s.public_id) == wanted), None)
        wanted_exercise = request.POST.get("exercise", "")
        exercise = next((e for e in self.exercises() if str(e.public_id) == wanted_exercise), None)
        if scenario is None:
            messages.error(request, "Choose a scenario of the client's approved plan.")
            return redirect("drills:start", client=self.client.public_id)
        try:
            incident = drill_start(
                client=self.client, by=user_of(request), scenario=scenario, exercise=exercise
            )
        except IncidentError as exc:
            messages.error(request, str(exc))
            return redirect("drills:start", client=self.client.public_id)
        messages.success(request, "Drill started: synthetic mentions are arriving.")
        return redirect("incidents:detail", client=self.client.public_id, pk=incident.public_id)


class DrillTimingsView(ClientView):
    """POST: write the drill's timings into its exercise record."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        incident = get_object_or_404(
            Incident.objects.within(self.scope)
            .filter(client=self.client)
            .select_related("client__agency", "exercise"),
            public_id=kwargs["pk"],
        )
        try:
            exercise = drill_record_timings(incident=incident, by=user_of(request))
        except IncidentError as exc:
            messages.error(request, str(exc))
            return redirect("incidents:detail", client=self.client.public_id, pk=incident.public_id)
        messages.success(request, "Timings written into the exercise record.")
        return redirect("plans:drill", client=self.client.public_id, pk=exercise.public_id)
