"""Sources, watch terms, mentions and alerts."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from django.utils import timezone
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

# What the server records about a source (polling state, counts, creation): shown in
# the API, never written through it.
SOURCE_STATE = [
    "last_polled_at",
    "last_success_at",
    "last_error",
    "consecutive_failures",
    "mention_count",
    "created_at",
]


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
            *SOURCE_STATE,
        ]
        read_only_fields = SOURCE_STATE

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


class TermNamesField(serializers.ListField):
    """The names of a prefetched list of watch terms (MentionViewSet's `term_list`)."""

    def to_representation(self, data: Any) -> list[str]:
        return [term.term for term in data]


MENTION_FIELDS = [
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


def _when(value: datetime | None, zone: tzinfo) -> str | None:
    """A datetime as DRF's DateTimeField writes it (ISO 8601 in the current time zone,
    "Z" for UTC)."""
    if value is None:
        return None
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class MentionSerializer(StrictModelSerializer):
    """A mention; only its triage can be changed through the API.

    The list reads thousands of these: views give the instances `client_uuid`,
    `source_uuid` (annotations) and `term_list`, and `to_representation` writes them
    directly, exactly as the declared fields would (tests compare both)."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    client = serializers.UUIDField(source="client_uuid", read_only=True)
    source = serializers.UUIDField(source="source_uuid", read_only=True)  # type: ignore[assignment]
    matched_terms = serializers.ListField(
        source="term_list",
        child=serializers.CharField(),
        read_only=True,
        help_text="The watch terms it matched.",
    )

    class Meta:
        model = Mention
        fields = MENTION_FIELDS
        read_only_fields = [f for f in MENTION_FIELDS if f != "triage"]

    def to_representation(self, instance: Mention) -> dict[str, Any]:
        m: Any = instance
        zone = self.__dict__.get("_zone")
        if zone is None:  # once per response, not twice per row
            zone = self.__dict__["_zone"] = timezone.get_current_timezone()
        return {
            "id": str(m.public_id),
            "client": str(m.client_uuid),
            "source": str(m.source_uuid),
            "external_id": m.external_id,
            "url": m.url,
            "author": m.author,
            "author_reach": m.author_reach,
            "title": m.title,
            "text": m.text,
            "published_at": _when(m.published_at, zone),
            "fetched_at": _when(m.fetched_at, zone),
            "language": m.language,
            "sentiment": m.sentiment,
            "sentiment_label": m.sentiment_label,
            "matched_terms": list(m.term_list),
            "triage": m.triage,
        }

    def generic_representation(self, instance: Mention) -> dict[str, Any]:
        """What the declared fields write (the fast path must equal it)."""
        return dict(super().to_representation(instance))


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
