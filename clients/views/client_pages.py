"""Client pages: create, overview, edit."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.generic import CreateView, TemplateView, UpdateView

from clients.forms import ClientForm
from clients.models import Client, ContactKind
from portal.views.base import ClientView, MemberView


class ClientCreateView(MemberView, CreateView[Client, ClientForm]):
    required_role = "manager"
    form_class = ClientForm
    template_name = "clients/client_form.html"

    def form_valid(self, form: ClientForm) -> HttpResponse:
        form.instance.agency = self.scope.agency
        client = form.save()
        messages.success(self.request, f"Client “{client.name}” created.")
        return redirect("clients:overview", client=client.public_id)


class ClientOverviewView(ClientView, TemplateView):
    template_name = "clients/overview.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        contacts = self.client.contacts.all()
        counts = dict.fromkeys(ContactKind.values, 0)
        for kind in contacts.values_list("kind", flat=True):
            counts[kind] += 1
        context["contact_total"] = sum(counts.values())
        context["contact_counts"] = [(label, counts[value]) for value, label in ContactKind.choices]
        context["recent_contacts"] = contacts.order_by("-created_at")[:5]
        context["team"] = self.client_team()
        # plans: plan in force, review and drill status
        from plans.selectors import readiness

        context["client_readiness"] = readiness([self.client])[self.client.pk]
        context.update(self.crisis_status())
        return context

    def crisis_status(self) -> dict[str, Any]:
        """The incidents still being handled and the alerts still open, each with the way
        to act on them: the client's page is where a member opening the client starts.
        Drills are left out, as on the dashboard (the incident list shows them, marked
        Drill)."""
        from incidents.models import BEING_HANDLED_STATUSES, Alert, AlertStatus, Incident

        incidents = Incident.objects.within(self.scope).filter(
            client=self.client, status__in=BEING_HANDLED_STATUSES, is_drill=False
        )
        alerts = Alert.objects.within(self.scope).filter(
            client=self.client, status=AlertStatus.OPEN
        )
        return {"active_incidents": list(incidents[:5]), "open_alert_count": alerts.count()}

    def client_team(self) -> list[Any]:
        from clients.services import client_team

        return client_team(client=self.client)


class ClientEditView(ClientView, UpdateView[Client, ClientForm]):
    writes = True
    form_class = ClientForm
    template_name = "clients/client_form.html"

    def get_object(self, queryset: Any = None) -> Client:
        return self.client

    def form_valid(self, form: ClientForm) -> HttpResponse:
        form.save()
        messages.success(self.request, "Client details saved.")
        return redirect("clients:overview", client=self.client.public_id)
