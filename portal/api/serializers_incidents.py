"""Incidents, their timeline and statements."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from clients.models import Client
from incidents.models import Alert as AlertModel
from incidents.models import (
    EntryKind,
    Incident,
    IncidentStatus,
    Statement,
    StatementChannel,
    TimelineEntry,
    Visibility,
)
from plans.models import Scenario
from portal.api.fields import ScopedRelatedField, StrictModelSerializer, StrictSerializer


def _uuid(source: str) -> serializers.UUIDField:
    return serializers.UUIDField(source=source, read_only=True, allow_null=True)


class IncidentSerializer(StrictModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    client = ScopedRelatedField(Client)
    alert = ScopedRelatedField(
        AlertModel,
        required=False,
        allow_null=True,
        help_text="An open or acknowledged alert to escalate: its mentions are attached.",
    )
    scenario = ScopedRelatedField(
        Scenario,
        required=False,
        allow_null=True,
        help_text="A scenario of the client's approved plan (else one is suggested).",
    )
    plan = _uuid("plan_revision.public_id")
    severity = serializers.IntegerField(min_value=1, max_value=4)

    class Meta:
        model = Incident
        fields = ["id", "client", "title", "summary", "severity", "alert", "scenario", "plan"]
        read_only_fields = [
            "status",
            "is_drill",
            "first_mention_at",
            "detected_at",
            "opened_at",
            "acknowledged_at",
            "first_statement_at",
            "resolved_at",
            "closed_at",
            "public_page_enabled",
            "version",
        ]
        fields += read_only_fields


class StatusChangeSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=IncidentStatus.choices)
    reason = serializers.CharField(max_length=1000, help_text="Recorded on the timeline.")


class SeverityChangeSerializer(StrictSerializer):
    severity = serializers.IntegerField(min_value=1, max_value=4)
    reason = serializers.CharField(max_length=1000, help_text="Recorded on the timeline.")


class TimelineEntrySerializer(StrictModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    incident = serializers.UUIDField(source="incident.public_id", read_only=True)
    author = serializers.CharField(source="author.display_name", read_only=True, allow_null=True)
    corrects = _uuid("corrects.public_id")
    kind = serializers.ChoiceField(
        choices=[c for c in EntryKind.choices if c[0] != EntryKind.CORRECTION],
        default=EntryKind.NOTE,
    )
    visibility = serializers.ChoiceField(choices=Visibility.choices, default=Visibility.INTERNAL)
    text = serializers.CharField(max_length=10_000)

    class Meta:
        model = TimelineEntry
        fields = [
            "id",
            "incident",
            "kind",
            "text",
            "visibility",
            "author",
            "created_at",
            "corrects",
        ]
        read_only_fields = ["created_at"]

    def to_representation(self, instance: Any) -> Any:
        data = super().to_representation(instance)
        data["kind"] = instance.kind  # corrections are listed too
        return data


class StatementSerializer(StrictModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    incident = ScopedRelatedField(Incident)
    channel = serializers.ChoiceField(choices=StatementChannel.choices)
    author = serializers.EmailField(source="author.email", read_only=True, allow_null=True)
    approver = serializers.EmailField(source="approver.email", read_only=True, allow_null=True)

    class Meta:
        model = Statement
        fields = [
            "id",
            "incident",
            "channel",
            "body",
            "is_holding",
            "status",
            "author",
            "approver",
            "approved_at",
            "published_at",
            "published_url",
            "created_at",
        ]
        read_only_fields = [
            "is_holding",
            "status",
            "approved_at",
            "published_at",
            "published_url",
            "created_at",
        ]


class PublishSerializer(StrictSerializer):
    url = serializers.URLField(
        max_length=1000, required=False, allow_blank=True, help_text="Where it was published."
    )
