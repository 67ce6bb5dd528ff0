"""Post-mortems, their PDF reports and action items."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from incidents.models import (
    ActionItem,
    ActionItemStatus,
    Incident,
    PaperSize,
    PostMortem,
    Report,
    ReportStatus,
    ReportVariant,
)
from incidents.postmortems import TEXT_FIELDS
from incidents.reports import STALLED
from portal.api.fields import (
    ScopedRelatedField,
    StrictModelSerializer,
    StrictSerializer,
    unchanged,
)


class PostMortemSerializer(StrictModelSerializer):
    """A post-mortem; its sections can be written while it is a draft."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    incident = ScopedRelatedField(Incident)
    client = serializers.UUIDField(source="incident.client.public_id", read_only=True)
    author = serializers.EmailField(source="author.email", read_only=True, allow_null=True)
    action_items: serializers.SlugRelatedField[ActionItem] = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="public_id"
    )

    class Meta:
        model = PostMortem
        fields = [
            "id",
            "incident",
            "client",
            "status",
            "shared_with_client",
            *TEXT_FIELDS,
            "author",
            "created_at",
            "updated_at",
            "finalised_at",
            "action_items",
        ]
        read_only_fields = [
            "status",
            "shared_with_client",
            "created_at",
            "updated_at",
            "finalised_at",
        ]
        extra_kwargs = {name: {"required": False} for name in TEXT_FIELDS}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unchanged(self, attrs, "incident", "A post-mortem belongs to its incident for good.")
        return attrs


class ReportRequestSerializer(StrictSerializer):
    variant = serializers.ChoiceField(
        choices=ReportVariant.choices,
        default=ReportVariant.CLIENT,
        help_text="The client version leaves internal notes out.",
    )
    paper_size = serializers.ChoiceField(choices=PaperSize.choices, default=PaperSize.A4)


class ReportSerializer(serializers.ModelSerializer[Report]):
    """A PDF being made, or made: poll it until `status` is done, then download it."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    client = serializers.UUIDField(source="client.public_id", read_only=True)
    postmortem = serializers.UUIDField(
        source="postmortem.public_id", read_only=True, allow_null=True
    )
    plan = serializers.UUIDField(source="plan_revision.public_id", read_only=True, allow_null=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "client",
            "kind",
            "postmortem",
            "plan",
            "variant",
            "paper_size",
            "status",
            "progress",
            "error",
            "pages",
            "byte_size",
            "requested_at",
            "finished_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, report: Report) -> str | None:
        """Where the PDF is, once there is one (the previous one while a new is made)."""
        if not report.file:
            return None
        return reverse("api:report-download", kwargs={"id": report.public_id})

    def to_representation(self, instance: Report) -> dict[str, Any]:
        """A stalled report (`stalled`, annotated by incidents.reports.with_stalled: its
        task was lost) reads as failed with the reason, as the pages show it and as the
        beat task will record it, so a client polling for done or failed stops."""
        data: dict[str, Any] = super().to_representation(instance)
        if getattr(instance, "stalled", False):
            data.update(status=ReportStatus.FAILED.value, error=STALLED, progress=0)
        return data


class ActionItemSerializer(StrictModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    postmortem = ScopedRelatedField(PostMortem)
    client = serializers.UUIDField(source="postmortem.incident.client.public_id", read_only=True)
    owner = serializers.EmailField(source="owner.email", read_only=True, allow_null=True)
    status = serializers.ChoiceField(choices=ActionItemStatus.choices, required=False)
    plan_revision = serializers.UUIDField(
        source="plan_revision.public_id", read_only=True, allow_null=True
    )

    class Meta:
        model = ActionItem
        fields = [
            "id",
            "postmortem",
            "client",
            "title",
            "details",
            "owner",
            "owner_role",
            "due_date",
            "status",
            "plan_revision",
            "created_at",
            "updated_at",
            "completed_at",
        ]
        read_only_fields = ["created_at", "updated_at", "completed_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unchanged(self, attrs, "postmortem", "An action item stays with its post-mortem.")
        return attrs
