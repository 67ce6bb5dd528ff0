"""Clients and their stakeholder contacts. Validation is the web forms' own."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from clients.contact_forms import CONTACT_FIELDS, ContactForm
from clients.forms import ClientForm
from clients.models import Client, Contact
from portal.api.fields import (
    ScopedRelatedField,
    StrictModelSerializer,
    fixed_client,
    validate_with_form,
)


class ClientSerializer(StrictModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = Client
        fields = ["id", "name", "industry", "website", "description", "created_at"]
        read_only_fields = ["created_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return validate_with_form(self, ClientForm, attrs)


class ContactSerializer(StrictModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    client = ScopedRelatedField(Client)

    class Meta:
        model = Contact
        fields = ["id", "client", *CONTACT_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        client = fixed_client(self, attrs, "contact")
        return validate_with_form(self, ContactForm, attrs, client=client)
