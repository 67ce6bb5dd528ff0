"""The read-only client portal (minimal now; the portal issue completes it)."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.views.generic import TemplateView

from clients.models import Client, Contact
from portal.views.base import ClientPortalView


class PortalHomeView(ClientPortalView, TemplateView):
    template_name = "clientportal/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["clients"] = Client.objects.within(self.scope).select_related("agency")
        return context


class PortalClientView(ClientPortalView, TemplateView):
    template_name = "clientportal/client.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        scope = self.scope
        client = get_object_or_404(
            Client.objects.within(scope).select_related("agency"), public_id=kwargs["client"]
        )
        context["client"] = client
        context["contacts"] = Contact.objects.within(scope).filter(client=client)
        return context
