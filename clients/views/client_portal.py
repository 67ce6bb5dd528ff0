"""The read-only client portal: a client contact's view of what their agency shares.

Every page derives from ClientPortalView (portal/views/base.py), whose scope is the
portal scope: the contact's own clients, only what the models' `scope_spec.portal`
marks for clients, and GET only. `PortalClientPage` adds what every page about one
client needs: the client (a 404 when it is not one of the contact's), the agency's time
zone for every time shown, and the navigation with the switcher between the contact's
clients. This module holds the home page, the client's overview, its stakeholder
contacts and the agency logo; the plan, risks, incidents and post-mortems live beside
their apps (plans/views/portal.py, incidents/views/portal.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from clients.logo import logo_response
from clients.models import Client, Contact
from incidents.models import (
    ACTION_ITEM_OPEN_STATUSES,
    BEING_HANDLED_STATUSES,
    ActionItem,
    Incident,
    Report,
    ReportVariant,
    Statement,
)
from plans.models import PlanRevision, RevisionStatus, Risk
from portal.scoping import Scope
from portal.views.base import ClientPortalView
from portal.views.dashboard import per_client


def portal_client(scope: Scope, public_id: object) -> Client:
    """One of the contact's clients, by public id; any other is a 404."""
    return get_object_or_404(
        Client.objects.within(scope).select_related("agency"), public_id=public_id
    )


def with_latest_statement(
    scope: Scope, incidents: QuerySet[Incident]
) -> list[tuple[Incident, Statement | None]]:
    """Each incident with its latest published statement, for the lists of current
    incidents (what a contact most wants to know at a glance)."""
    rows = list(incidents.order_by("-opened_at", "-id"))
    latest: dict[int, Statement] = {}
    for statement in (
        Statement.objects.within(scope)
        .filter(incident__in=rows)
        .order_by("incident_id", "-published_at", "-id")
    ):
        latest.setdefault(statement.incident_id, statement)
    return [(incident, latest.get(incident.pk)) for incident in rows]


def client_pdfs(scope: Scope, **document: object) -> QuerySet[Report]:
    """The client versions of a document's PDF that a contact may download: Report's
    portal rule keeps to client versions with a file, of what is shared or approved."""
    return Report.objects.within(scope).filter(variant=ReportVariant.CLIENT, **document)


def logo_url(client: Client) -> str:
    """Where the portal shows the logo of the client's agency ("" when it has none)."""
    if not client.agency.logo:
        return ""
    return reverse("clientportal:logo", kwargs={"client": client.public_id})


@dataclass(frozen=True)
class SwitchTarget:
    client: Client
    url: str
    current: bool


class PortalClientPage(ClientPortalView, TemplateView):
    """A portal page about one client, named by the `client` URL kwarg.

    `section` marks the navigation entry; `switch_to` is the URL name the client
    switcher links to for the other clients (the same page by default; pages about one
    object of a client switch to the list it belongs to).
    """

    section: ClassVar[str] = ""
    switch_to: ClassVar[str | None] = None
    client: Client

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.client = portal_client(self.scope, kwargs["client"])
        # Times are the agency's (a contact has no membership, so the middleware set none);
        # TenancyMiddleware deactivates it once the response is rendered.
        timezone.activate(self.client.agency.time_zone)
        return super().get(request, *args, **kwargs)

    def switch_targets(self) -> list[SwitchTarget]:
        match = self.request.resolver_match
        name = self.switch_to or (match.view_name if match else "clientportal:client")
        return [
            SwitchTarget(c, reverse(name, kwargs={"client": c.public_id}), c.pk == self.client.pk)
            for c in Client.objects.within(self.scope).select_related("agency").order_by("name")
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            client=self.client,
            agency=self.client.agency,
            section=self.section,
            switch_targets=self.switch_targets(),
            time_zone=self.client.agency.time_zone,
            logo_url=logo_url(self.client),
        )
        return context


class PortalHomeView(ClientPortalView, TemplateView):
    """The contact's clients, each with its number of current incidents."""

    template_name = "clientportal/home.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        current = Incident.objects.within(self.scope).filter(status__in=BEING_HANDLED_STATUSES)
        clients = list(
            Client.objects.within(self.scope)
            .select_related("agency")
            .annotate(current_incidents=per_client(current))
            .order_by("name")
        )
        context = self.get_context_data(clients=clients)
        agencies = {c.agency_id for c in clients}
        if len(agencies) == 1:
            # One agency behind all of them: its name and logo head the page.
            agency = clients[0].agency
            context.update(agency=agency, logo_url=logo_url(clients[0]), time_zone=agency.time_zone)
        return self.render_to_response(context)


class PortalClientView(PortalClientPage):
    """The client's overview: current incidents, the plan in force, open action items."""

    template_name = "clientportal/client.html"
    section = "overview"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        scope, client = self.scope, self.client
        risks = list(Risk.objects.within(scope).filter(client=client))
        context.update(
            current_incidents=with_latest_statement(
                scope,
                Incident.objects.within(scope).filter(
                    client=client, status__in=BEING_HANDLED_STATUSES
                ),
            ),
            past_incident_count=Incident.objects.within(scope)
            .filter(client=client)
            .exclude(status__in=BEING_HANDLED_STATUSES)
            .count(),
            revision=PlanRevision.objects.within(scope)
            .filter(plan__client=client, status=RevisionStatus.APPROVED)
            .first(),
            open_action_count=ActionItem.objects.within(scope)
            .filter(postmortem__incident__client=client, status__in=ACTION_ITEM_OPEN_STATUSES)
            .count(),
            risk_count=len(risks),
            high_risks=[r for r in risks if r.level in ("high", "critical")],
            contact_count=Contact.objects.within(scope).filter(client=client).count(),
        )
        return context


class PortalContactsView(PortalClientPage):
    """The client's stakeholder contacts, read-only. Internal notes and tags are the
    agency's working material and never reach this page (the template leaves them out)."""

    template_name = "clientportal/contacts.html"
    section = "contacts"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        contacts = Contact.objects.within(self.scope).filter(client=self.client)
        context.update(contacts=contacts.order_by("kind", "name"))
        return context


class PortalLogoView(ClientPortalView):
    """The logo of the agency that manages one of the contact's clients (media is never
    served directly)."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> FileResponse:
        return logo_response(portal_client(self.scope, kwargs["client"]).agency)
