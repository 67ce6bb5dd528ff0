"""What the views of the plans app share."""

from __future__ import annotations

from typing import ClassVar, TypeVar, cast

from django.db import models

from portal.scoping import ScopedQuerySet
from portal.views.base import ClientObjectView

_M = TypeVar("_M", bound=models.Model)


class PlanObjectView(ClientObjectView[_M]):
    """ClientObjectView for models reached from their client through a path
    (a revision through its plan, a scenario through its revision's plan)."""

    client_lookup: ClassVar[str] = "client"

    def get_queryset(self) -> models.QuerySet[_M]:
        manager = cast(ScopedQuerySet[_M], self.model._default_manager.all())
        return manager.within(self.scope).filter(**{self.client_lookup: self.client})
