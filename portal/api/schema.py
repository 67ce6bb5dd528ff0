"""The OpenAPI schema: drf-spectacular's, with the error responses every operation can
give documented in the one shape of errors.py, so that generated clients and schema
checkers (schemathesis) know them."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS


class ErrorDetailSerializer(serializers.Serializer[Any]):
    status = serializers.IntegerField()
    code = serializers.CharField()
    message = serializers.CharField(help_text="One sentence saying what is wrong.")

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        # `fields` cannot be a class attribute: it is the serializer's own field map.
        fields = super().get_fields()
        fields["fields"] = serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            required=False,
            help_text="Validation errors only: the messages of each field (or non_field_errors).",
        )
        return fields


class ErrorSerializer(serializers.Serializer[Any]):
    error = ErrorDetailSerializer()


ERROR_DESCRIPTIONS = {
    "400": "The request is not valid (see `error.fields`).",
    "401": "No API key, or the key is unknown or revoked.",
    "403": "The key or account may not do this (a read-only key writing, for example).",
    "404": "No such object in your scope.",
    "405": "The method is not allowed here.",
    "429": "Too many requests for this key; see the Retry-After header.",
}


class ApiAutoSchema(AutoSchema):
    def _resolve_path_parameters(self, variables: list[str]) -> list[dict[str, Any]]:
        # Routes take any segment (a malformed id gets the API's JSON 404); ids are UUIDs.
        parameters: list[dict[str, Any]] = super()._resolve_path_parameters(variables)  # type: ignore[no-untyped-call]
        for parameter in parameters:
            if parameter["name"] == "id":
                parameter["schema"] = {"type": "string", "format": "uuid"}
                parameter["description"] = "The object's id (a UUID)."
        return parameters

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        codes = ["400", "401", "403", "404", "429"]
        if self.method in SAFE_METHODS and not self._is_list_view():
            codes.remove("400")
        for code in codes:
            if code not in responses:
                response = self._get_response_for_code(  # type: ignore[no-untyped-call]
                    ErrorSerializer, code, direction=direction
                )
                response["description"] = ERROR_DESCRIPTIONS[code]
                responses[code] = response
        return responses


class ApiKeyScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "portal.api.auth.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key created under Agency → API keys: "
            "`Authorization: Bearer fbk_…`.",
        }
