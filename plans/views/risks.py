"""The risk register of a client (guide I.C): list with search, filters and sorting
(the table is an htmx partial of the same view), the 5×5 heat map whose cells link to
the list filtered on them, create / edit (history written by the service), detail with
its history and linked scenarios, and a formula-safe CSV export.
"""

from __future__ import annotations

import csv
from collections import Counter
from typing import Any, cast

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.views.generic import CreateView, DetailView, TemplateView, UpdateView

from clients.contacts_csv import neutralise_cell
from plans import services
from plans.forms import RiskFilterForm, RiskForm
from plans.models import Risk, RiskStatus, Scenario
from portal.charts.heatmap import render_heatmap
from portal.http import PortalRequest
from portal.models import User
from portal.views.base import ClientObjectView, ClientView

PAGE_SIZE = 25


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def heatmap_svg(risks: QuerySet[Risk], list_url: str, title: str) -> str:
    """The heat map of the risks that are not closed; each cell links to the list."""
    counts = Counter(
        (likelihood, impact)
        for likelihood, impact in risks.exclude(status=RiskStatus.CLOSED).values_list(
            "likelihood", "impact"
        )
    )
    # The renderer escapes every text and URL: its output is the only markup marked safe.
    return mark_safe(
        render_heatmap(
            counts,
            href=lambda lk, im: f"{list_url}?likelihood={lk}&impact={im}",
            title=title,
        )
    )


class _Risks:
    scope: Any
    client: Any

    def risks(self) -> QuerySet[Risk]:
        return Risk.objects.within(self.scope).filter(client=self.client)


class RiskListView(_Risks, ClientView, TemplateView):
    template_name = "plans/risks.html"
    partial_name = "plans/_risk_table.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        context = self.get_context_data(**kwargs)
        details = cast(PortalRequest, request).htmx
        if details and not details.history_restore_request:
            return render(request, self.partial_name, context)
        return self.render_to_response(context)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        filters = RiskFilterForm(self.request.GET)
        risks = filters.filter(self.risks().select_related("owner"))
        page = Paginator(risks, PAGE_SIZE).get_page(self.request.GET.get("page"))
        params = self.request.GET.copy()
        params.pop("page", None)
        query = params.urlencode()
        context.update(
            crumb="Risk register",
            filters=filters,
            page_obj=page,
            risks=page.object_list,
            querystring_base=f"{query}&" if query else "",
            export_query=query,
            total=self.risks().count(),
        )
        return context


class RiskHeatmapView(_Risks, ClientView, TemplateView):
    template_name = "plans/heatmap.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        url = reverse("plans:risks", kwargs={"client": self.client.public_id})
        context.update(
            crumb="Risk heat map",
            heatmap=heatmap_svg(self.risks(), url, f"Risks of {self.client.name}"),
            open_count=self.risks().exclude(status=RiskStatus.CLOSED).count(),
        )
        return context


class RiskCreateView(ClientView, CreateView[Risk, RiskForm]):
    writes = True
    form_class = RiskForm
    template_name = "plans/risk_form.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["crumb"] = "New risk"
        return context

    def form_valid(self, form: RiskForm) -> HttpResponse:
        risk = services.risk_create(client=self.client, by=_user(self.request), **form.cleaned_data)
        messages.success(self.request, f"Risk “{risk.title}” added (score {risk.score}).")
        return redirect("plans:risk", client=self.client.public_id, pk=risk.public_id)


class RiskDetailView(ClientObjectView[Risk], DetailView[Risk]):
    model = Risk
    template_name = "plans/risk.html"
    context_object_name = "risk"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        risk = self.object
        context["crumb"] = risk.title
        context["history"] = risk.changes.select_related("changed_by")
        context["scenarios"] = (
            Scenario.objects.within(self.scope)
            .filter(risks=risk, revision__status__in=["approved", "draft", "in_review"])
            .select_related("revision")
        )
        return context


class RiskEditView(ClientObjectView[Risk], UpdateView[Risk, RiskForm]):
    writes = True
    model = Risk
    form_class = RiskForm
    template_name = "plans/risk_form.html"
    context_object_name = "risk"

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        # The form must not change the instance: the service compares before and after.
        kwargs["instance"] = Risk.objects.get(pk=kwargs["instance"].pk)
        return kwargs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["crumb"] = f"Edit: {self.object.title}"
        return context

    def form_valid(self, form: RiskForm) -> HttpResponse:
        changes = services.risk_update(
            risk=self.object, by=_user(self.request), **form.cleaned_data
        )
        if changes:
            messages.success(self.request, f"Risk saved ({len(changes)} change(s) recorded).")
        else:
            messages.info(self.request, "Nothing changed.")
        return redirect("plans:risk", client=self.client.public_id, pk=self.object.public_id)


EXPORT_COLUMNS = [
    "title",
    "category",
    "likelihood",
    "impact",
    "score",
    "status",
    "owner",
    "review_date",
    "description",
    "mitigations",
    "updated_at",
]


class RiskExportView(_Risks, ClientView):
    """CSV of the risks the list shows (same filters). Cells that a spreadsheet would
    read as a formula are neutralised."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        filters = RiskFilterForm(request.GET)
        risks = filters.filter(self.risks().select_related("owner"))
        name = f"risks-{slugify(self.client.name)}-{timezone.localdate():%Y-%m-%d}.csv"
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response.write("\ufeff")  # Excel reads UTF-8 only with a BOM
        writer = csv.writer(response)
        writer.writerow(EXPORT_COLUMNS)
        for risk in risks:
            writer.writerow(
                neutralise_cell(str(v))
                for v in [
                    risk.title,
                    risk.get_category_display(),
                    risk.likelihood,
                    risk.impact,
                    risk.score,
                    risk.get_status_display(),
                    risk.owner.display_name if risk.owner else "",
                    risk.review_date or "",
                    risk.description,
                    risk.mitigations,
                    risk.updated_at.isoformat(timespec="seconds"),
                ]
            )
        return response
