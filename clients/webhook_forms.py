"""The form of an agency's outgoing webhook endpoint: where to post, which events."""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from django import forms

from clients.forms import ScopedModelForm
from incidents.models import WebhookEndpoint
from incidents.monitoring.fetch import FetchSettings, is_public_address
from incidents.webhook_events import EVENT_NAMES, EVENTS

LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost")


class WebhookEndpointForm(ScopedModelForm):
    events = forms.MultipleChoiceField(
        choices=[(name, label) for name, label, _help in EVENTS],
        widget=forms.CheckboxSelectMultiple,
        label="Events to send",
        error_messages={"required": "Choose at least one event to send to this endpoint."},
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "events"]
        labels = {"url": "Endpoint URL"}
        help_texts = {
            "url": "The https:// address that receives a signed POST for each event.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["url"].widget.attrs.update({"placeholder": "https://", "autocomplete": "off"})
        self.fields["url"].error_messages["invalid"] = (
            "Enter a full web address, such as https://hooks.example.com/firebreak."
        )
        if not self.instance.pk:
            self.initial.setdefault("events", list(EVENT_NAMES))

    def clean_url(self) -> str:
        url: str = (self.cleaned_data.get("url") or "").strip()
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise forms.ValidationError("Only http:// and https:// addresses can receive webhooks.")
        if parts.username or parts.password:
            raise forms.ValidationError(
                "Leave user names and passwords out of the address: every delivery is signed "
                "with the endpoint's secret instead."
            )
        host = (parts.hostname or "").lower()
        allowed = FetchSettings.from_django().allowed_hosts  # as the delivery reads them
        if host not in allowed and _is_internal(host):
            raise forms.ValidationError(
                f"{host} is an internal or private network address; webhooks are sent only "
                "to addresses on the public internet."
            )
        clash = WebhookEndpoint.objects.within(self.scope).filter(url=url)
        if clash.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("Your agency already sends webhooks to this address.")
        return url

    def clean_events(self) -> list[str]:
        return sorted(set(self.cleaned_data["events"]))


def _is_internal(host: str) -> bool:
    """Names and literal addresses that are obviously not on the public internet (names
    are checked again, resolved, at every delivery)."""
    if host in LOCAL_NAMES or host.endswith((".localhost", ".local", ".internal")):
        return True
    try:
        return not is_public_address(ipaddress.ip_address(host))
    except ValueError:
        return False
