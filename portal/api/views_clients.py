"""Clients and stakeholder contacts."""

from __future__ import annotations

from typing import Any, ClassVar

import django_filters
from rest_framework import mixins, serializers
from rest_framework.exceptions import PermissionDenied

from clients.models import Client, Contact, ContactKind
from portal.api.filtering import ApiFilterSet
from portal.api.serializers_clients import ClientSerializer, ContactSerializer
from portal.api.viewsets import ScopedViewSet


class ClientFilter(ApiFilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Client
        fields = ["name", "industry"]


class ClientViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    """The agency's clients this key or account reaches. Creating one needs an
    agency-wide read-write key (or an owner's or manager's session)."""

    model = Client
    serializer_class = ClientSerializer
    filterset_class = ClientFilter
    ordering_fields: ClassVar[list[str]] = ["name", "created_at"]
    ordering = "name"

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "agency": self.scope.agency}

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        scope = self.scope
        agency_wide_key = scope.kind == "api" and scope.only_client_id is None
        if not (agency_wide_key or scope.is_manager):
            raise PermissionDenied(
                "Creating a client needs an agency-wide read-write key, not one limited "
                "to a client."
                if scope.kind == "api"
                else "Only the agency's owners and managers can create clients."
            )
        serializer.save(agency=scope.agency)


class ContactFilter(ApiFilterSet):
    client = django_filters.UUIDFilter(field_name="client__public_id")
    kind = django_filters.ChoiceFilter(choices=ContactKind.choices)
    name = django_filters.CharFilter(lookup_expr="icontains")
    email = django_filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = Contact
        fields = ["client", "kind", "name", "email"]


class ContactViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ScopedViewSet,
):
    """Stakeholder contacts of the clients in scope."""

    model = Contact
    serializer_class = ContactSerializer
    filterset_class = ContactFilter
    related = ("client",)
    ordering_fields: ClassVar[list[str]] = ["name", "created_at", "updated_at"]
    ordering = "name"
