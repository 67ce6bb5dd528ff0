"""Drills (crisis simulation exercises) and training records of a client (guide V.C)."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.generic import CreateView, DetailView, TemplateView, UpdateView

from plans import services
from plans.forms import ExerciseForm, TrainingRecordForm
from plans.models import Exercise, TrainingRecord
from plans.selectors import drill_is_stale, last_drill
from portal.models import User
from portal.views.base import ClientObjectView, ClientView


def _user(view: Any) -> User:
    user = view.request.user
    assert isinstance(user, User)
    return user


class DrillListView(ClientView, TemplateView):
    template_name = "plans/drills.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        exercises = (
            Exercise.objects.within(self.scope)
            .filter(client=self.client)
            .select_related("scenario", "facilitator")
        )
        records = TrainingRecord.objects.within(self.scope).filter(client=self.client)
        last = last_drill(self.client)
        context.update(
            crumb="Drills and training",
            exercises=exercises,
            training=[
                (person, list(rows)) for person, rows in groupby(records, lambda r: r.person)
            ],
            last_drill=last,
            stale=drill_is_stale(last),
        )
        return context


class ExerciseCreateView(ClientView, CreateView[Exercise, ExerciseForm]):
    writes = True
    form_class = ExerciseForm
    template_name = "plans/exercise_form.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["crumb"] = "New drill"
        return context

    def form_valid(self, form: ExerciseForm) -> HttpResponse:
        try:
            exercise = services.exercise_save(
                client=self.client, by=_user(self), **form.cleaned_data
            )
        except services.PlanError as exc:
            form.add_error("scenario", str(exc))
            return self.form_invalid(form)
        messages.success(self.request, f"Drill “{exercise.title}” saved.")
        return redirect("plans:drill", client=self.client.public_id, pk=exercise.public_id)


class ExerciseDetailView(ClientObjectView[Exercise], DetailView[Exercise]):
    model = Exercise
    template_name = "plans/exercise.html"
    context_object_name = "exercise"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["crumb"] = self.object.title
        context["training"] = self.object.training_records.all()
        return context


class ExerciseEditView(ClientObjectView[Exercise], UpdateView[Exercise, ExerciseForm]):
    writes = True
    model = Exercise
    form_class = ExerciseForm
    template_name = "plans/exercise_form.html"
    context_object_name = "exercise"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["crumb"] = f"Edit: {self.object.title}"
        return context

    def form_valid(self, form: ExerciseForm) -> HttpResponse:
        try:
            services.exercise_save(
                client=self.client, by=_user(self), exercise=self.object, **form.cleaned_data
            )
        except services.PlanError as exc:
            form.add_error("scenario", str(exc))
            return self.form_invalid(form)
        messages.success(self.request, "Drill saved.")
        return redirect("plans:drill", client=self.client.public_id, pk=self.object.public_id)


class TrainingCreateView(ClientView, CreateView[TrainingRecord, TrainingRecordForm]):
    writes = True
    form_class = TrainingRecordForm
    template_name = "plans/training_form.html"

    def get_initial(self) -> dict[str, Any]:
        initial = super().get_initial()
        exercise = self.request.GET.get("exercise")
        if exercise:
            found = (
                Exercise.objects.within(self.scope)
                .filter(client=self.client, public_id__iexact=exercise)
                .first()
                if _is_uuid(exercise)
                else None
            )
            if found:
                initial.update(exercise=found, kind="drill", topic=found.title)
        return initial

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["crumb"] = "New training record"
        return context

    def form_valid(self, form: TrainingRecordForm) -> HttpResponse:
        form.instance.client = self.client
        record = form.save()
        messages.success(self.request, f"Training of {record.person} recorded.")
        return redirect("plans:drills", client=self.client.public_id)


class TrainingEditView(
    ClientObjectView[TrainingRecord],
    UpdateView[TrainingRecord, TrainingRecordForm],
):
    writes = True
    model = TrainingRecord
    form_class = TrainingRecordForm
    template_name = "plans/training_form.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["crumb"] = f"Training of {self.object.person}"
        return context

    def form_valid(self, form: TrainingRecordForm) -> HttpResponse:
        form.save()
        messages.success(self.request, "Training record saved.")
        return redirect("plans:drills", client=self.client.public_id)


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
