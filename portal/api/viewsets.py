"""The base of every API view: querysets come from `Model.objects.within(request.scope)`,
objects are looked up by public id (another tenant's is a 404), and a write to an object
the caller may only read is a 403."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar, cast

from django.db import models
from django.http import Http404
from django.shortcuts import get_object_or_404
from rest_framework import filters, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS

from portal.api.auth import actor, request_scope
from portal.api.filtering import ApiFilterBackend
from portal.models import User
from portal.scoping import Scope, ScopedQuerySet


class ScopedViewSet(viewsets.GenericViewSet[Any]):
    model: ClassVar[type[models.Model]]
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    # Any segment reaches the view, so that a malformed id is the API's JSON 404 rather
    # than the resolver's HTML one; the schema still documents the id as a UUID.
    lookup_value_converter = "str"
    filter_backends = [ApiFilterBackend, filters.OrderingFilter]
    related: ClassVar[tuple[str, ...]] = ()

    @property
    def scope(self) -> Scope:
        return request_scope(self.request)

    def scoped(self, *, write: bool = False) -> models.QuerySet[Any]:
        manager = cast(ScopedQuerySet[Any], self.model._default_manager.all())
        return manager.within(self.scope, write=write)

    def get_queryset(self) -> models.QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator's pass
            return self.model._default_manager.none()
        qs = self.scoped()
        return qs.select_related(*self.related) if self.related else qs

    def get_object(self) -> Any:
        # The list's filters and ordering do not apply to a lookup by id.
        try:
            public_id = uuid.UUID(str(self.kwargs[self.lookup_url_kwarg]))
        except ValueError:
            raise Http404 from None
        obj = get_object_or_404(self.get_queryset(), public_id=public_id)
        self.check_object_permissions(self.request, obj)
        if self.request.method not in SAFE_METHODS and not self.may_write(obj):
            raise PermissionDenied(
                f"You can read this {self.model._meta.verbose_name} but not change it."
            )
        return obj

    def may_write(self, obj: models.Model) -> bool:
        return self.scoped(write=True).filter(pk=obj.pk).exists()

    def actor(self) -> User | None:
        return actor(self.request)

    def require_actor(self) -> User:
        """The person a service records the change under (services need one)."""
        user = self.actor()
        if user is None:
            raise PermissionDenied(
                "The person who created this API key no longer has an account, and this "
                "change must be recorded under someone: create a new key."
            )
        return user
