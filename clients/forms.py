"""Forms of the clients app. Every form takes the request's scope: model choices are
limited to what the scope may change (portal.scoping.restrict_form_choices)."""

from __future__ import annotations

from typing import Any

from django import forms

from clients.models import Client
from portal.scoping import Scope, restrict_form_choices


class DatePicker(forms.DateInput):
    """The browser's date picker. Its value must be ISO (2026-11-22) whatever the locale:
    the en-GB input format (22/11/2026) shows as an empty field, and saving the form
    then drops the date."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class LabelsWithoutColon:
    """Labels read "Title", not Django's default "Title:", like the hand-written ones
    ("Type", "Status"). Every form of the app derives from this (through PortalForm or
    ScopedModelForm), so the choice is made once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class PortalForm(LabelsWithoutColon, forms.Form):
    """Base of the app's plain (non-model) forms: filters, triage, replies..."""


class ScopedModelForm(LabelsWithoutColon, forms.ModelForm):  # type: ignore[type-arg]
    def __init__(self, *args: Any, scope: Scope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scope = scope
        restrict_form_choices(self, scope)


class ClientForm(ScopedModelForm):
    class Meta:
        model = Client
        fields = ["name", "industry", "website", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        agency = self.instance.agency if self.instance.pk else self.scope.agency
        clash = Client.objects.filter(agency=agency, name__iexact=name).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(f"Your agency already has a client named “{name}”.")
        return name
