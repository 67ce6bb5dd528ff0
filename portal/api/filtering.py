"""The base of the API's filter sets (django-filter), for two reasons:

- Times are compared in UTC. A query parameter such as `opened_after=…+23:41` is a valid
  ISO 8601 time to Python, but PostgreSQL refuses offsets beyond ±15:59 (a 500, found by
  schemathesis); every aware datetime a filter cleans is converted to UTC first, and one
  that cannot be (year 1 with a positive offset) is a 400 with a message.
- The form class is built once per filter set class. django-filter builds it again for
  every request, labels and all (about a sixth of a mentions page, bench.api), although
  it depends on nothing in the request. Filter sets whose choices come from the request
  (model choice filters) keep django-filter's per-request form.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

import django_filters
from django import forms
from django_filters.filters import QuerySetRequestMixin


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
