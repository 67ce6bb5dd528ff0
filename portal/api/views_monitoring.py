"""Monitoring: sources, watch terms, mentions (with the bulk create listening tools use)
and alerts."""

from __future__ import annotations

import json
import uuid
from typing import Any, ClassVar, cast

import django_filters
from django.db import models
from django.db.models import F
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from incidents.alert_actions import alert_acknowledge, alert_dismiss
from incidents.drill_mentions import drill_sources
from incidents.ingest import ingest_entries
from incidents.models import (
    Alert,
    AlertKind,
    AlertStatus,
    Mention,
    Sentiment,
    Source,
    SourceKind,
    Triage,
    WatchTerm,
)
from incidents.push import MAX_MENTIONS, PushRefused, parse_push_data
from incidents.triage import mentions_triage
from portal.api.filtering import ApiFilterSet
from portal.api.serializers_monitoring import (
    AlertSerializer,
    BulkMentionItemSerializer,
    BulkMentionsSerializer,
    BulkResultSerializer,
    MentionSerializer,
    SourceSerializer,
    WatchTermSerializer,
)
from portal.api.viewsets import ScopedViewSet
from portal.scoping import scoped_lookup_error

CRUD = (
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
)


class SourceFilter(ApiFilterSet):
    client = django_filters.UUIDFilter(field_name="client__public_id")
    kind = django_filters.ChoiceFilter(choices=SourceKind.choices)

    class Meta:
        model = Source
        fields = ["client", "kind", "enabled"]


class SourceViewSet(*CRUD, ScopedViewSet):  # type: ignore[misc]
    """Where mentions come from: feeds, Mastodon timelines and push sources."""

    model = Source
    serializer_class = SourceSerializer
    filterset_class = SourceFilter
    related = ("client",)
    ordering_fields: ClassVar[list[str]] = ["name", "created_at"]
    ordering = ("name", "id")


class WatchTermFilter(ApiFilterSet):
    client = django_filters.UUIDFilter(field_name="client__public_id")

    class Meta:
        model = WatchTerm
        fields = ["client", "kind", "enabled", "high_priority"]


class WatchTermViewSet(*CRUD, ScopedViewSet):  # type: ignore[misc]
    """The words and phrases mentions are matched against."""

    model = WatchTerm
    serializer_class = WatchTermSerializer
    filterset_class = WatchTermFilter
    related = ("client",)
    ordering_fields: ClassVar[list[str]] = ["term", "created_at"]
    ordering = ("term", "id")


def attach_terms(mentions: list[Any]) -> list[Any]:
    """Give each mention its matched terms (`term_list`), in one query for the page."""
    through = Mention.matched_terms.through
    terms: dict[int, list[str]] = {m.pk: [] for m in mentions}
    rows = (
        through.objects.filter(mention_id__in=list(terms))
        .order_by("watchterm__term")
        .values_list("mention_id", "watchterm__term")
    )
    for mention_id, term in rows:
        terms[mention_id].append(term)
    for mention in mentions:
        mention.term_list = terms[mention.pk]
    return mentions


class MentionFilter(ApiFilterSet):
    client = django_filters.UUIDFilter(field_name="client__public_id")
    source = django_filters.UUIDFilter(field_name="source__public_id")
    sentiment = django_filters.ChoiceFilter(field_name="sentiment_label", choices=Sentiment.choices)
    triage = django_filters.ChoiceFilter(choices=Triage.choices)
    published_after = django_filters.IsoDateTimeFilter(field_name="published_at", lookup_expr="gte")
    published_before = django_filters.IsoDateTimeFilter(field_name="published_at", lookup_expr="lt")
    term = django_filters.UUIDFilter(field_name="matched_terms__public_id", distinct=False)
    external_id = django_filters.CharFilter()
    q = django_filters.CharFilter(field_name="text", lookup_expr="icontains", label="Text contains")

    class Meta:
        model = Mention
        fields = ["client", "source", "sentiment", "triage", "external_id"]


class MentionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, ScopedViewSet
):
    """Mentions of the clients in scope, newest first. `bulk` stores a batch from a
    listening tool exactly as the push endpoint does (matched, scored, once per id)."""

    model = Mention
    serializer_class = MentionSerializer
    filterset_class = MentionFilter
    ordering_fields: ClassVar[list[str]] = ["published_at", "fetched_at"]
    ordering = ("-published_at", "-id")

    def get_queryset(self) -> models.QuerySet[Any]:
        # The ids of the client and source come as annotations, not as two more model
        # instances per row (the list is the API's hottest path).
        if getattr(self, "swagger_fake_view", False):  # the schema generator's pass
            return Mention.objects.none()
        qs: models.QuerySet[Any] = self.scoped().annotate(
            client_uuid=F("client__public_id"), source_uuid=F("source__public_id")
        )
        # A scope of one client (a client key, an agency with one client) reads that
        # client's rows in index order. Through the scope's `client IN (subquery)` alone,
        # SQLite sorted every mention of the scope for each page.
        scope = self.scope
        if scope.only_client_id is not None:
            only = [scope.only_client_id]
        else:
            only = list(scope.clients().values_list("pk", flat=True)[:2])
        if len(only) == 1:
            qs = qs.filter(client_id=only[0])
        # A drill's synthetic mentions are not the client's real mentions (guide V.C);
        # excluded by source id, which costs the hot list no join.
        return qs.exclude(source_id__in=drill_sources().values("pk"))

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        """A triage change goes through the inbox's own service, so it is audited."""
        mention = cast(Mention, serializer.instance)
        triage = serializer.validated_data.get("triage")
        if triage is not None:
            mentions_triage(
                mentions=Mention.objects.filter(pk=mention.pk),
                triage=triage,
                by=self.require_actor(),
            )
        serializer.instance = self.get_object()

    def paginate_queryset(self, queryset: Any) -> list[Any] | None:
        page = super().paginate_queryset(queryset)
        return attach_terms(page) if page is not None else None

    def get_object(self) -> Any:
        return attach_terms([super().get_object()])[0]

    @extend_schema(
        request=BulkMentionsSerializer,
        responses={200: BulkResultSerializer, 201: BulkResultSerializer},
        summary="Store a batch of mentions (idempotent on each mention's id)",
    )
    @action(detail=False, methods=["post"], url_path="bulk")
    def bulk(self, request: Request) -> Response:
        body = request._request.body
        try:
            envelope = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise ValidationError("The body is not valid JSON.") from None
        if not isinstance(envelope, dict):
            raise ValidationError('The body must be a JSON object: {"source": …, "mentions": […]}.')
        unknown = sorted(set(envelope) - {"source", "mentions"})
        problems = {
            name: [f"Unknown field “{name}”. Fields you can send: mentions, source."]
            for name in unknown
        }
        source = self._source(envelope.get("source"), problems)
        allowed = set(BulkMentionItemSerializer().fields)
        items = envelope.get("mentions")
        if isinstance(items, list):
            extra = [
                f"mentions[{i}]: unknown field “{name}”."
                for i, item in enumerate(items[: MAX_MENTIONS + 1])
                if isinstance(item, dict)
                for name in item
                if name not in allowed
            ]
            if extra:
                problems["mentions"] = extra[:50]
        if problems:
            raise ValidationError(problems)
        try:
            entries = parse_push_data(envelope)
        except PushRefused as refused:
            raise ValidationError({"mentions": refused.problems or [refused.message]}) from None
        assert source is not None
        result = ingest_entries(source=source, entries=entries)
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response({"created": result.created, "duplicates": result.duplicates}, status=code)

    def _source(self, value: Any, problems: dict[str, list[str]]) -> Source | None:
        if value is None:
            problems["source"] = ["This field is required: the id of the source."]
            return None
        try:
            public_id = uuid.UUID(str(value))
        except ValueError:
            problems["source"] = ["Give the id (a UUID) of a source."]
            return None
        found = (
            Source.objects.within(self.scope, write=True)
            .filter(public_id=public_id)
            .select_related("client")
            .first()
        )
        if found is None:
            problems["source"] = [scoped_lookup_error(Source)]
        elif not found.enabled:
            problems["source"] = ["This source is disabled: enable it to store its mentions."]
        return found


class AlertFilter(ApiFilterSet):
    client = django_filters.UUIDFilter(field_name="client__public_id")
    kind = django_filters.ChoiceFilter(choices=AlertKind.choices)
    status = django_filters.ChoiceFilter(choices=AlertStatus.choices)

    class Meta:
        model = Alert
        fields = ["client", "kind", "status"]


class AlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Alerts raised by the detector; acknowledge or dismiss an open one."""

    model = Alert
    serializer_class = AlertSerializer
    filterset_class = AlertFilter
    related = ("client",)
    ordering_fields: ClassVar[list[str]] = ["opened_at", "updated_at", "score"]
    ordering = ("-opened_at", "-id")

    @extend_schema(request=None, responses=AlertSerializer, summary="Acknowledge an open alert")
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, id: str) -> Response:
        alert = alert_acknowledge(alert=self.get_object(), by=self.require_actor())
        return Response(AlertSerializer(alert).data)

    @extend_schema(request=None, responses=AlertSerializer, summary="Dismiss an open alert")
    @action(detail=True, methods=["post"])
    def dismiss(self, request: Request, id: str) -> Response:
        alert = alert_dismiss(alert=self.get_object(), by=self.require_actor())
        return Response(AlertSerializer(alert).data)
