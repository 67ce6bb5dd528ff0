"""Incidents (open one, change status or severity, read and append to the timeline) and
statements (draft, approve, publish). Writes go through the war room's services, so the
API records exactly what the pages record."""

from __future__ import annotations

from typing import Any, ClassVar

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from incidents.incident_services import (
    incident_change_severity,
    incident_change_status,
    incident_open,
    timeline_add,
)
from incidents.models import (
    Incident,
    IncidentStatus,
    Statement,
    StatementChannel,
    StatementStatus,
    TimelineEntry,
)
from incidents.statement_services import statement_approve, statement_draft, statement_publish
from portal.api.filtering import ApiFilterSet
from portal.api.serializers_incidents import (
    IncidentSerializer,
    PublishSerializer,
    SeverityChangeSerializer,
    StatementSerializer,
    StatusChangeSerializer,
    TimelineEntrySerializer,
)
from portal.api.viewsets import ScopedViewSet


class IncidentFilter(ApiFilterSet):
    client = django_filters.UUIDFilter(field_name="client__public_id")
    status = django_filters.MultipleChoiceFilter(choices=IncidentStatus.choices)
    min_severity = django_filters.NumberFilter(field_name="severity", lookup_expr="gte")
    opened_after = django_filters.IsoDateTimeFilter(field_name="opened_at", lookup_expr="gte")

    class Meta:
        model = Incident
        fields = ["client", "status", "is_drill", "min_severity"]


class IncidentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet
):
    """Incidents of the clients in scope. Opening one runs the client's approved plan
    (crisis team, playbook tasks, holding statement), as in the war room."""

    model = Incident
    serializer_class = IncidentSerializer
    filterset_class = IncidentFilter
    related = ("client", "alert", "scenario", "plan_revision")
    ordering_fields: ClassVar[list[str]] = ["opened_at", "severity"]
    ordering = ("-opened_at", "-id")

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = serializer.validated_data
        serializer.instance = incident_open(
            client=data["client"],
            by=self.require_actor(),
            title=data["title"],
            severity=data["severity"],
            summary=data.get("summary", ""),
            alert=data.get("alert"),
            scenario=data.get("scenario"),
        )

    @extend_schema(request=StatusChangeSerializer, responses=IncidentSerializer)
    @action(detail=True, methods=["post"], url_path="status")
    def change_status(self, request: Request, id: str) -> Response:
        incident = self.get_object()
        change = StatusChangeSerializer(data=request.data)
        change.is_valid(raise_exception=True)
        incident_change_status(incident=incident, by=self.require_actor(), **change.validated_data)
        return Response(IncidentSerializer(self._fresh(incident)).data)

    @extend_schema(request=SeverityChangeSerializer, responses=IncidentSerializer)
    @action(detail=True, methods=["post"], url_path="severity")
    def change_severity(self, request: Request, id: str) -> Response:
        incident = self.get_object()
        change = SeverityChangeSerializer(data=request.data)
        change.is_valid(raise_exception=True)
        incident_change_severity(
            incident=incident, by=self.require_actor(), **change.validated_data
        )
        return Response(IncidentSerializer(self._fresh(incident)).data)

    def _fresh(self, incident: Incident) -> Incident:
        fresh: Incident = self.get_queryset().get(pk=incident.pk)
        return fresh

    @extend_schema(
        methods=["GET"],
        request=None,
        responses=TimelineEntrySerializer(many=True),
        summary="The incident's timeline, oldest first",
    )
    @extend_schema(
        methods=["POST"],
        request=TimelineEntrySerializer,
        responses={201: TimelineEntrySerializer},
        summary="Append an entry to the timeline",
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="timeline",
        serializer_class=TimelineEntrySerializer,
        filterset_class=None,
        ordering_fields=["created_at"],
        ordering=("created_at", "id"),
    )
    def timeline(self, request: Request, id: str) -> Response:
        incident = self.get_object()
        if request.method == "POST":
            entry = TimelineEntrySerializer(data=request.data, context={"request": request})
            entry.is_valid(raise_exception=True)
            created = timeline_add(incident=incident, by=self.actor(), **entry.validated_data)
            return Response(TimelineEntrySerializer(created).data, status=status.HTTP_201_CREATED)
        entries = TimelineEntry.objects.within(self.scope).filter(incident=incident)
        entries = entries.select_related("incident", "author", "corrects")
        page = self.paginate_queryset(self.filter_queryset(entries))
        return self.get_paginated_response(TimelineEntrySerializer(page, many=True).data)


class StatementFilter(ApiFilterSet):
    client = django_filters.UUIDFilter(field_name="incident__client__public_id")
    incident = django_filters.UUIDFilter(field_name="incident__public_id")
    status = django_filters.ChoiceFilter(choices=StatementStatus.choices)
    channel = django_filters.ChoiceFilter(choices=StatementChannel.choices)

    class Meta:
        model = Statement
        fields = ["client", "incident", "status", "channel"]


class StatementViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet
):
    """Statements of the incidents in scope: drafts (placeholders filled in), approval
    by the plan's approval chain (never by the author), publication."""

    model = Statement
    serializer_class = StatementSerializer
    filterset_class = StatementFilter
    related = ("incident", "author", "approver")
    ordering_fields: ClassVar[list[str]] = ["created_at", "published_at"]
    ordering = ("-created_at", "-id")

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        data = serializer.validated_data
        serializer.instance = statement_draft(
            incident=data["incident"],
            by=self.require_actor(),
            channel=data["channel"],
            body=data["body"],
        )

    @extend_schema(request=None, responses=StatementSerializer, summary="Approve a draft")
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, id: str) -> Response:
        statement = self.get_object()
        if self.scope.kind == "api":
            # Approval is a person's decision under the plan's approval chain: a key
            # would approve in its creator's name without them knowing.
            raise PermissionDenied("Statements are approved by a person, in Firebreak.")
        statement = statement_approve(statement=statement, by=self.require_actor())
        return Response(StatementSerializer(statement).data)

    @extend_schema(
        request=PublishSerializer, responses=StatementSerializer, summary="Record publication"
    )
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, id: str) -> Response:
        statement = self.get_object()
        body = PublishSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        published = statement_publish(
            statement=statement, by=self.require_actor(), url=body.validated_data.get("url", "")
        )
        return Response(StatementSerializer(published).data)
