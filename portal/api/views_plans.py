"""Risks (read and write, with history through plans.services), the approved plan of
each client and its scenarios (read)."""

from __future__ import annotations

from typing import Any, ClassVar, cast

import django_filters
from django.db import models
from rest_framework import mixins, serializers

from plans.models import PlanRevision, RevisionStatus, Risk, RiskCategory, RiskStatus, Scenario
from plans.services import risk_create, risk_update
from portal.api.filtering import ApiFilterSet
from portal.api.serializers_plans import (
    RISK_WRITABLE,
    PlanSerializer,
    RiskSerializer,
    ScenarioSerializer,
)
from portal.api.viewsets import ScopedViewSet


class RiskFilter(ApiFilterSet):
    client = django_filters.UUIDFilter(field_name="client__public_id")
    category = django_filters.ChoiceFilter(choices=RiskCategory.choices)
    status = django_filters.ChoiceFilter(choices=RiskStatus.choices)
    min_score = django_filters.NumberFilter(field_name="score", lookup_expr="gte")

    class Meta:
        model = Risk
        fields = ["client", "category", "status", "min_score"]


class RiskViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    """The risk registers of the clients in scope. Every change is recorded in the
    risk's history, as on the register page."""

    model = Risk
    serializer_class = RiskSerializer
    filterset_class = RiskFilter
    related = ("client", "owner")
    ordering_fields: ClassVar[list[str]] = ["score", "title", "created_at", "updated_at"]
    ordering = ("-score", "-created_at")

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = serializer.validated_data
        fields = {k: v for k, v in data.items() if k in RISK_WRITABLE}
        serializer.instance = risk_create(client=data["client"], by=self.require_actor(), **fields)

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = serializer.validated_data
        changes = {k: v for k, v in data.items() if k in RISK_WRITABLE}
        risk = cast(Risk, serializer.instance)
        risk_update(risk=risk, by=self.require_actor(), **changes)
        serializer.instance = Risk.objects.select_related("client", "owner").get(pk=risk.pk)


class PlanFilter(ApiFilterSet):
    client = django_filters.UUIDFilter(field_name="plan__client__public_id")

    class Meta:
        model = PlanRevision
        fields = ["client"]


class PlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The approved crisis plan (revision in force) of each client in scope."""

    model = PlanRevision
    serializer_class = PlanSerializer
    filterset_class = PlanFilter
    related = ("plan__client", "approved_by")
    ordering_fields: ClassVar[list[str]] = ["approved_at"]
    ordering = "-approved_at"

    def get_queryset(self) -> models.QuerySet[Any]:
        return (
            super()
            .get_queryset()
            .filter(status=RevisionStatus.APPROVED)
            .prefetch_related("scenarios")
        )


class ScenarioFilter(ApiFilterSet):
    client = django_filters.UUIDFilter(field_name="revision__plan__client__public_id")
    plan = django_filters.UUIDFilter(field_name="revision__public_id")

    class Meta:
        model = Scenario
        fields = ["client", "plan"]


class ScenarioViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The scenarios (with playbooks) of the approved plans in scope."""

    model = Scenario
    serializer_class = ScenarioSerializer
    filterset_class = ScenarioFilter
    related = ("revision__plan__client",)
    ordering_fields: ClassVar[list[str]] = ["position", "title"]
    ordering = ("position", "id")

    def get_queryset(self) -> models.QuerySet[Any]:
        return (
            super()
            .get_queryset()
            .filter(revision__status=RevisionStatus.APPROVED)
            .prefetch_related("steps")
        )
