"""Sources, watch terms, mentions and alerts."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from clients.models import Client
from incidents.forms import SourceForm, WatchTermForm
from incidents.models import Alert, Mention, Source, Triage, WatchTerm
from portal.api.fields import (
    ScopedRelatedField,
    StrictModelSerializer,
    StrictSerializer,
    fixed_client,
    validate_with_form,
)


class SourceSerializer(StrictModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    client = ScopedRelatedField(Client)

    class Meta:
        model = Source
        fields = [
            "id",
            "client",
            "name",
            "kind",
            "url",
            "interval_minutes",
            "enabled",
            "last_polled_at",
            "last_success_at",
            "last_error",
            "consecutive_failures",
            "mention_count",
            "created_at",
        ]
        read_only_fields = [
            "last_polled_at",
            "last_success_at",
            "last_error",
            "consecutive_failures",
            "mention_count",
            "created_at",
        ]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        client = fixed_client(self, attrs, "source")
        return validate_with_form(self, SourceForm, attrs, client=client)


class WatchTermSerializer(StrictModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    client = ScopedRelatedField(Client)

    class Meta:
        model = WatchTerm
        fields = ["id", "client", "term", "kind", "mode", "high_priority", "enabled", "created_at"]
        read_only_fields = ["created_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        client = fixed_client(self, attrs, "watch term")
        return validate_with_form(self, WatchTermForm, attrs, client=client)


class MentionSerializer(StrictModelSerializer):
    """A mention; only its triage can be changed through the API."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    client = serializers.UUIDField(source="client.public_id", read_only=True)
    source = serializers.UUIDField(source="source.public_id", read_only=True)  # type: ignore[assignment]
    matched_terms: serializers.SlugRelatedField[WatchTerm] = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="term", help_text="The watch terms it matched."
    )

    class Meta:
        model = Mention
        fields = [
            "id",
            "client",
            "source",
            "external_id",
            "url",
            "author",
            "author_reach",
            "title",
            "text",
            "published_at",
            "fetched_at",
            "language",
            "sentiment",
            "sentiment_label",
            "matched_terms",
            "triage",
        ]
        read_only_fields = [f for f in fields if f != "triage"]


class BulkMentionItemSerializer(StrictSerializer):
    """One mention of a bulk delivery (as the inbound push endpoint takes them)."""

    id = serializers.CharField(max_length=500, help_text="Your id: a resend is not stored twice.")
    text = serializers.CharField(max_length=100_000, help_text="Plain text or HTML.")
    url = serializers.URLField(max_length=2000, required=False, allow_blank=True)
    author = serializers.CharField(max_length=200, required=False, allow_blank=True)
    author_reach = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    title = serializers.CharField(max_length=500, required=False, allow_blank=True)
    published = serializers.DateTimeField(required=False, allow_null=True)


class BulkMentionsSerializer(StrictSerializer):
    """Describes the bulk body for the schema; the view validates it with the push
    endpoint's own parser (incidents.push), which is fast for 1,000 items."""

    source = serializers.UUIDField(  # type: ignore[assignment]
        help_text="The source (of a client in scope) they came from."
    )
    mentions = BulkMentionItemSerializer(many=True, max_length=1000)  # type: ignore[call-arg]


class BulkResultSerializer(serializers.Serializer[Any]):
    created = serializers.IntegerField(help_text="Mentions stored now.")
    duplicates = serializers.IntegerField(
        help_text="Mentions already stored for this source (same id), or repeated in the batch."
    )


class TriageSerializer(StrictSerializer):
    triage = serializers.ChoiceField(choices=Triage.choices)


class AlertSerializer(serializers.ModelSerializer[Alert]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    client = serializers.UUIDField(source="client.public_id", read_only=True)

    class Meta:
        model = Alert
        fields = [
            "id",
            "client",
            "kind",
            "status",
            "score",
            "severity",
            "explanation",
            "window_start",
            "window_end",
            "observed",
            "expected",
            "opened_at",
            "updated_at",
            "update_count",
            "handled_at",
        ]
        read_only_fields = fields
