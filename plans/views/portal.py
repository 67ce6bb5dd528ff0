"""The client portal's read-only view of the plan and the risk register. What a contact
sees is decided by the models' `scope_spec.portal` (approved revisions only,
client-visible playbook steps only); the templates leave out internal notes and the
plan's internal section."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from clients.views.client_portal import PortalClientPage, client_pdfs
from plans.forms import RiskFilterForm
from plans.models import PlanRevision, PlaybookStep, RevisionStatus, Risk, Scenario
from plans.sections import SECTIONS
from plans.views.risks import heatmap_svg


class PortalPlanView(PortalClientPage):
    template_name = "clientportal/plan.html"
    section = "plan"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        revision = (
            PlanRevision.objects.within(self.scope)
            .filter(plan__client=self.client, status=RevisionStatus.APPROVED)
            .select_related("approved_by")
            .first()
        )
        scenarios = []
        if revision is not None:
            steps = PlaybookStep.objects.within(self.scope).filter(scenario__revision=revision)
            for scenario in Scenario.objects.within(self.scope).filter(revision=revision):
                scenarios.append((scenario, [s for s in steps if s.scenario_id == scenario.pk]))
        context.update(
            revision=revision,
            plan_pdf=client_pdfs(self.scope, plan_revision=revision).first() if revision else None,
            sections=[s for s in SECTIONS if s.client_visible and s.in_diff],
            scenarios=scenarios,
        )
        return context


class PortalRisksView(PortalClientPage):
    template_name = "clientportal/risks.html"
    section = "risks"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        client = self.client
        risks = Risk.objects.within(self.scope).filter(client=client)
        filters = RiskFilterForm(self.request.GET)
        url = reverse("plansportal:risks", kwargs={"client": client.public_id})
        context.update(
            risks=filters.filter(risks),
            heatmap=heatmap_svg(risks, url, f"Risks of {client.name}"),
            filtered=any(self.request.GET.get(k) for k in ("likelihood", "impact")),
        )
        return context
