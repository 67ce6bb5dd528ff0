"""Risks, approved plan revisions and their scenarios."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from clients.models import Client
from plans.forms import RiskForm
from plans.models import PlanRevision, PlaybookStep, Risk, Scenario
from plans.services import CONTENT_FIELDS
from portal.api.fields import (
    ScopedRelatedField,
    StrictModelSerializer,
    fixed_client,
    validate_with_form,
)

RISK_WRITABLE = [
    "title",
    "category",
    "description",
    "likelihood",
    "impact",
    "mitigations",
    "status",
    "review_date",
    "internal_notes",
]


class RiskSerializer(StrictModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    client = ScopedRelatedField(Client)
    owner = serializers.EmailField(source="owner.email", read_only=True, allow_null=True)
    level = serializers.CharField(read_only=True, help_text="low, medium, high or critical")

    class Meta:
        model = Risk
        fields = [
            "id",
            "client",
            *RISK_WRITABLE,
            "score",
            "level",
            "owner",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["score", "created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        client = fixed_client(self, attrs, "risk")
        return validate_with_form(self, RiskForm, attrs, client=client)


class StepSerializer(serializers.ModelSerializer[PlaybookStep]):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = PlaybookStep
        fields = ["id", "position", "action", "owner_role", "due_offset_minutes", "client_visible"]


class ScenarioSerializer(serializers.ModelSerializer[Scenario]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    client = serializers.UUIDField(source="revision.plan.client.public_id", read_only=True)
    plan = serializers.UUIDField(source="revision.public_id", read_only=True)
    trigger_terms = serializers.ListField(
        source="trigger_term_list", child=serializers.CharField(), read_only=True
    )
    steps = StepSerializer(many=True, read_only=True)

    class Meta:
        model = Scenario
        fields = ["id", "client", "plan", "title", "description", "trigger_terms", "steps"]


class PlanSerializer(serializers.ModelSerializer[PlanRevision]):
    """An approved plan revision: the plan in force for its client."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    client = serializers.UUIDField(source="plan.client.public_id", read_only=True)
    scope = serializers.CharField(source="plan_scope", read_only=True)
    approved_by = serializers.EmailField(
        source="approved_by.email", read_only=True, allow_null=True
    )
    next_review_date = serializers.DateField(source="plan.next_review_date", read_only=True)
    scenarios: serializers.SlugRelatedField[Scenario] = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="public_id"
    )

    class Meta:
        model = PlanRevision
        fields = [
            "id",
            "client",
            "number",
            "status",
            "approved_at",
            "approved_by",
            "next_review_date",
            "change_summary",
            # The plan's content, as plans.services copies and diffs it ("plan_scope"
            # is "scope" here).
            *("scope" if name == "plan_scope" else name for name in CONTENT_FIELDS),
            "scenarios",
        ]
        read_only_fields = fields
