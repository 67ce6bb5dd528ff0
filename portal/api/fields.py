"""The serializer base every API serializer derives from, and the related field that
only accepts objects the caller may change.

- Unknown keys in a request body are refused (a typo such as `"sevrity"` must not be
  silently dropped), naming the fields that can be sent.
- A reference to another object is a public id looked up among
  `Model.objects.within(request.scope, write=True)`: another tenant's object, or a client
  a client-scoped key does not reach, is a validation error with a clear message, never a
  500 and never a leak of whether it exists."""

from __future__ import annotations

import copy
from typing import Any, cast

from django.core.validators import URLValidator
from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clients.forms import ScopedModelForm
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


@extend_schema_field({"type": "string", "description": "An http(s) address, or empty."})
class OptionalURLField(serializers.CharField):
    """A URL that may be empty: documented as a plain string, since "" is no URI."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators.append(_url_or_empty)


def _url_or_empty(value: str) -> None:
    # A function rather than the URLValidator itself, which the schema would turn back
    # into `format: uri`.
    if value:
        URLValidator(message="Enter an http(s) address.")(value)


class StrictSerializer(StrictSerializerMixin, serializers.Serializer[Any]):
    pass


class StrictModelSerializer(StrictSerializerMixin, serializers.ModelSerializer[Any]):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.URLField: OptionalURLField,
    }


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


def unchanged(
    serializer: serializers.Serializer[Any], attrs: dict[str, Any], field: str, message: str
) -> None:
    """Refuse a change of the object's parent (`field`) with `message`."""
    instance = serializer.instance
    if instance is not None and field in attrs and attrs[field] != getattr(instance, field):
        raise serializers.ValidationError({field: [message]})


def fixed_client(serializer: serializers.Serializer[Any], attrs: dict[str, Any], what: str) -> Any:
    """The client of the object being created or changed; an object never moves to
    another client (that would carry its history across tenants)."""
    unchanged(
        serializer, attrs, "client", f"A {what} cannot move to another client; create a new one."
    )
    return attrs.get("client") or serializer.instance.client  # type: ignore[union-attr]


def validate_with_form(
    serializer: serializers.Serializer[Any],
    form_class: type[ScopedModelForm],
    attrs: dict[str, Any],
    **form_kwargs: Any,
) -> dict[str, Any]:
    """Validate `attrs` with the web page's own form, so the API and the UI accept and
    refuse exactly the same things with the same messages. Fields the request leaves out
    keep the object's values (or the model's defaults on create). Returns the attrs as
    the form cleaned them."""
    instance = serializer.instance
    model = form_class._meta.model
    data: dict[str, Any] = {}
    for name in form_class.base_fields:
        if name in attrs:
            value = attrs[name]
        elif instance is not None:
            value = getattr(instance, name)
        else:
            value = model._meta.get_field(name).get_default()
        if isinstance(value, models.Model):
            value = value.pk
        data[name] = value
    request = serializer.context["request"]
    form = form_class(
        data=data,
        instance=copy.copy(instance) if instance is not None else None,
        scope=request_scope(request),
        **form_kwargs,
    )
    if not form.is_valid():
        errors: dict[str, Any] = {
            ("non_field_errors" if name == "__all__" else name): list(messages)
            for name, messages in form.errors.items()
        }
        raise serializers.ValidationError(errors)
    return {**attrs, **{k: v for k, v in form.cleaned_data.items() if k in attrs}}
