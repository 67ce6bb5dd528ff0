"""The base of the API's filter sets (django-filter), for two reasons:

- Times are compared in UTC. A query parameter such as `opened_after=…+23:41` is a valid
  ISO 8601 time to Python, but PostgreSQL refuses offsets beyond ±15:59 (a 500, found by
  schemathesis); every aware datetime a filter cleans is converted to UTC first, and one
  that cannot be (year 1 with a positive offset) is a 400 with a message.
- The form class is built once per filter set class. django-filter builds it again for
  every request, labels and all (about a sixth of a mentions page, bench.api), although
  it depends on nothing in the request. Filter sets whose choices come from the request
  (model choice filters) keep django-filter's per-request form.
- A request that sends no query parameter but the paging, ordering and format ones (an
  integration walking a list page by page) skips the filter set altogether
  (`ApiFilterBackend`): with no data every filter passes the queryset through unchanged,
  and building and validating the filter set still cost about a tenth of a mentions page.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

import django_filters
from django import forms
from django.db.models import QuerySet
from django_filters.filters import QuerySetRequestMixin
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.request import Request
from rest_framework.settings import api_settings


class ApiFilterForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        for name, value in list(data.items()):
            if isinstance(value, datetime) and value.tzinfo is not None:
                try:
                    data[name] = value.astimezone(UTC)
                except OverflowError:
                    self.add_error(name, "This time is out of range: give one after the year 1.")
        return data


class ApiFilterSet(django_filters.FilterSet):
    _api_form_classes: ClassVar[dict[type[Any], type[forms.Form]]] = {}

    def get_form_class(self) -> type[forms.Form]:
        cls = type(self)
        cached = ApiFilterSet._api_form_classes.get(cls)
        if cached is not None:
            return cached
        fields = {name: f.field for name, f in self.filters.items()}
        own = self._meta.form
        bases = (own,) if issubclass(own, ApiFilterForm) else (ApiFilterForm, own)
        form_class: type[forms.Form] = type(f"{cls.__name__}Form", bases, fields)
        if not any(isinstance(f, QuerySetRequestMixin) for f in self.filters.values()):
            ApiFilterSet._api_form_classes[cls] = form_class
        return form_class


class ApiFilterBackend(DjangoFilterBackend):
    """django-filter's backend, skipped when the request sends nothing to filter by."""

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: Any) -> Any:
        if not (set(request.query_params) - _not_filters(view)):
            return queryset
        return super().filter_queryset(request, queryset, view)


def _not_filters(view: Any) -> set[str]:
    """The query parameters the paginator, the ordering and DRF's format switch read."""
    names = {api_settings.ORDERING_PARAM, api_settings.URL_FORMAT_OVERRIDE}
    paginator = getattr(view, "paginator", None)
    for attribute in ("cursor_query_param", "page_size_query_param", "page_query_param"):
        name = getattr(paginator, attribute, None)
        if name:
            names.add(name)
    return {name for name in names if name}
