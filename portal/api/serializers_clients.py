"""Clients and their stakeholder contacts."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from clients.models import Client, Contact
from portal.api.fields import ScopedRelatedField, StrictModelSerializer


class ClientSerializer(StrictModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = Client
        fields = ["id", "name", "industry", "website", "description", "created_at"]
        read_only_fields = ["created_at"]

    def validate_name(self, value: str) -> str:
        agency = self.context["agency"]
        clash = Client.objects.filter(agency=agency, name__iexact=value.strip())
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError("Your agency already has a client of that name.")
        return value.strip()


class ContactSerializer(StrictModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    client = ScopedRelatedField(Client)

    class Meta:
        model = Contact
        fields = [
            "id",
            "client",
            "name",
            "kind",
            "organisation",
            "role",
            "email",
            "phone",
            "social_handles",
            "reach",
            "notify_from_severity",
            "tags",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        client = attrs.get("client") or getattr(self.instance, "client", None)
        if self.instance is not None and "client" in attrs and client != self.instance.client:
            raise serializers.ValidationError(
                {"client": ["A contact cannot move to another client; create a new one."]}
            )
        email = attrs.get("email")
        if client is not None and email:
            clash = Contact.objects.filter(client=client, email__iexact=email)
            if self.instance is not None:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                raise serializers.ValidationError(
                    {"email": ["This client already has a contact with that email address."]}
                )
        return attrs
