"""The serializer base every API serializer derives from, and the related field that
only accepts objects the caller may change.

- Unknown keys in a request body are refused (a typo such as `"sevrity"` must not be
  silently dropped), naming the fields that can be sent.
- A reference to another object is a public id looked up among
  `Model.objects.within(request.scope, write=True)`: another tenant's object, or a client
  a client-scoped key does not reach, is a validation error with a clear message, never a
  500 and never a leak of whether it exists."""

from __future__ import annotations

from typing import Any, cast

from django.db import models
from rest_framework import serializers

from portal.api.auth import request_scope
from portal.scoping import ScopedQuerySet, scoped_lookup_error


class StrictSerializerMixin:
    """Refuse keys the serializer does not know."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            ser = cast(serializers.Serializer[Any], self)
            known = set(ser.fields)
            unknown = sorted(str(k) for k in data if k not in known)
            if unknown:
                writable = sorted(n for n, f in ser.fields.items() if not f.read_only)
                raise serializers.ValidationError(
                    {
                        name: [
                            f"Unknown field “{name}”. Fields you can send: "
                            + (", ".join(writable) or "none")
                            + "."
                        ]
                        for name in unknown
                    }
                )
        return super().to_internal_value(data)  # type: ignore[misc]


class StrictSerializer(StrictSerializerMixin, serializers.Serializer[Any]):
    pass


class StrictModelSerializer(StrictSerializerMixin, serializers.ModelSerializer[Any]):
    pass


class ScopedRelatedField(serializers.SlugRelatedField[Any]):
    """A reference by public id to an object within the caller's write scope."""

    def __init__(self, model: type[models.Model], **kwargs: Any) -> None:
        kwargs.setdefault("slug_field", "public_id")
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", model._default_manager.all())
        super().__init__(**kwargs)
        message = scoped_lookup_error(model)
        self.error_messages["does_not_exist"] = message
        self.error_messages["invalid"] = f"Give the id (a UUID) of a {model._meta.verbose_name}."

    def get_queryset(self) -> models.QuerySet[Any]:
        qs = cast(ScopedQuerySet[Any], super().get_queryset())
        request = self.context["request"]
        return qs.within(request_scope(request), write=True)

    def to_internal_value(self, data: Any) -> Any:
        import uuid

        try:
            uuid.UUID(str(data))
        except ValueError:
            self.fail("invalid")
        return super().to_internal_value(data)
