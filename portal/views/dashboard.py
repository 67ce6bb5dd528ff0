"""The dashboard (the clients the user may see, with their figures) and agency switching."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import TemplateView

from clients.models import Client, Contact, PortalAccess
from portal.http import PortalRequest, safe_next
from portal.middleware import SESSION_AGENCY_KEY
from portal.views.base import MemberView, SignedInView


def per_client(rows: QuerySet[Any]) -> Coalesce:
    """How many of `rows` belong to each client of the outer query, as a correlated
    subquery. Counting through joins instead multiplies a client's contacts by its portal
    accesses, alerts and incidents before COUNT(DISTINCT) takes the product apart again."""
    counts = rows.filter(client=OuterRef("pk")).order_by().values("client")
    return Coalesce(Subquery(counts.annotate(n=Count("pk")).values("n")), 0)


class DashboardView(MemberView, TemplateView):
    template_name = "portal/dashboard.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # A client contact with no agency membership lands on their portal instead.
        user = request.user
        if (
            user.is_authenticated
            and not cast(PortalRequest, request).scope.is_member
            and cast(PortalRequest, request).user.portal_accesses.exists()
        ):
            return redirect("clientportal:home")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        from incidents.models import BEING_HANDLED_STATUSES, Alert, AlertStatus, Incident

        context["clients"] = (
            Client.objects.within(self.scope)
            .annotate(
                contact_count=per_client(Contact.objects.all()),
                portal_count=per_client(PortalAccess.objects.all()),
                # monitoring: open alerts per client
                open_alert_count=per_client(Alert.objects.filter(status=AlertStatus.OPEN)),
                # incidents: the ones being handled (drills left out)
                active_incident_count=per_client(
                    Incident.objects.filter(is_drill=False, status__in=BEING_HANDLED_STATUSES)
                ),
            )
            .order_by("name")
        )
        # plans: readiness per client (plan in force, review overdue, last drill)
        from plans.selectors import overdue_plans, readiness

        context["readiness"] = readiness(context["clients"])
        context["overdue_plans"] = overdue_plans(self.scope)
        return context


class SwitchAgencyView(SignedInView):
    """POST agency=<public id>: make another of the user's agencies the current one."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        wanted = request.POST.get("agency", "")
        scope = self.scope
        match = next((m for m in scope.memberships if str(m.agency.public_id) == wanted), None)
        if match is None:
            messages.error(request, "You are not a member of that agency.")
        else:
            request.session[SESSION_AGENCY_KEY] = str(match.agency.public_id)
            messages.success(request, f"Now working in {match.agency.name}.")
        dashboard = reverse("portal:dashboard")
        # Object pages of the old agency would 404 in the new one: go to the dashboard.
        return HttpResponseRedirect(dashboard if match else safe_next(request, dashboard))
