"""Django admin for site operators. Revisions are read-only here once out of draft, as
everywhere: the admin is no back door around the workflow."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from plans.models import (
    CrisisPlan,
    Exercise,
    PlanRevision,
    PlaybookStep,
    Risk,
    RiskChange,
    Scenario,
    TrainingRecord,
)


class PlanRevisionInline(admin.TabularInline[PlanRevision, CrisisPlan]):
    model = PlanRevision
    fields = ["number", "status", "created_by", "approved_by", "approved_at"]
    readonly_fields = ["number", "status", "created_by", "approved_by", "approved_at"]
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(CrisisPlan)
class CrisisPlanAdmin(admin.ModelAdmin[CrisisPlan]):
    list_display = ["client", "owner", "next_review_date", "last_review_reminder_on"]
    list_filter = ["client__agency"]
    search_fields = ["client__name"]
    readonly_fields = ["public_id", "last_review_reminder_on", "created_at"]
    autocomplete_fields = ["client", "owner"]
    inlines = [PlanRevisionInline]


@admin.register(PlanRevision)
class PlanRevisionAdmin(admin.ModelAdmin[PlanRevision]):
    list_display = ["plan", "number", "status", "created_by", "approved_by", "approved_at"]
    list_filter = ["status", "plan__client__agency"]
    search_fields = ["plan__client__name", "objectives"]
    readonly_fields = ["public_id", "created_at", "updated_at", "approved_at", "superseded_at"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and not obj.is_draft:
            return False
        return super().has_change_permission(request, obj)


class PlaybookStepInline(admin.TabularInline[PlaybookStep, Scenario]):
    model = PlaybookStep
    extra = 0
    fields = ["position", "action", "owner_role", "due_offset_minutes", "client_visible"]


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin[Scenario]):
    list_display = ["title", "revision", "position"]
    list_filter = ["revision__status", "revision__plan__client__agency"]
    search_fields = ["title", "trigger_terms", "revision__plan__client__name"]
    readonly_fields = ["public_id"]
    filter_horizontal = ["risks"]
    inlines = [PlaybookStepInline]


class RiskChangeInline(admin.TabularInline[RiskChange, Risk]):
    model = RiskChange
    extra = 0
    can_delete = False
    fields = ["changed_at", "changed_by", "field", "old_value", "new_value"]
    readonly_fields = ["changed_at", "changed_by", "field", "old_value", "new_value"]


@admin.register(Risk)
class RiskAdmin(admin.ModelAdmin[Risk]):
    list_display = ["title", "client", "category", "likelihood", "impact", "score", "status"]
    list_filter = ["category", "status", "client__agency"]
    search_fields = ["title", "description", "client__name"]
    readonly_fields = ["public_id", "score", "created_at", "updated_at"]
    autocomplete_fields = ["client", "owner"]
    inlines = [RiskChangeInline]


@admin.register(RiskChange)
class RiskChangeAdmin(admin.ModelAdmin[RiskChange]):
    list_display = ["risk", "field", "changed_by", "changed_at"]
    list_filter = ["risk__client__agency"]
    search_fields = ["risk__title", "field"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # history is a record


@admin.register(Exercise)
class ExerciseAdmin(admin.ModelAdmin[Exercise]):
    list_display = ["title", "client", "scheduled_at", "status", "score"]
    list_filter = ["status", "client__agency"]
    search_fields = ["title", "client__name"]
    readonly_fields = ["public_id", "created_at"]
    autocomplete_fields = ["client", "facilitator"]


@admin.register(TrainingRecord)
class TrainingRecordAdmin(admin.ModelAdmin[TrainingRecord]):
    list_display = ["person", "topic", "kind", "completed_on", "client"]
    list_filter = ["kind", "client__agency"]
    search_fields = ["person", "topic", "client__name"]
    readonly_fields = ["public_id", "created_at"]
    autocomplete_fields = ["client"]
