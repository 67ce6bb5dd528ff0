"""The form agency admins create API keys with."""

from __future__ import annotations

from typing import Any

from django import forms

from clients.forms import ScopedModelForm
from portal.models import ApiKey


class ApiKeyForm(ScopedModelForm):
    access = forms.ChoiceField(
        choices=[
            ("read", "Read only"),
            ("write", "Read and write (create mentions, incidents, statements…)"),
        ],
        initial="read",
        widget=forms.RadioSelect,
        help_text="Give a key no more than its integration needs.",
    )

    class Meta:
        model = ApiKey
        fields = ["name", "client"]
        labels = {"client": "Limited to client"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        client = self.fields["client"]
        assert isinstance(client, forms.ModelChoiceField)
        client.empty_label = "All clients of the agency"
        client.help_text = "A key for one client's integration reaches nothing else."
        self.fields["name"].widget.attrs["placeholder"] = "e.g. Brandwatch, Zapier, reporting"

    @property
    def read_only(self) -> bool:
        return bool(self.cleaned_data["access"] == "read")
