"""Stored PDF reports of a client (namespace `reports`) and of the client portal
(`reportsportal`): the list with what can be exported, the requests (POST) that queue a
post-mortem's or the approved plan's PDF, a report's page with its progress (htmx polls
the same view for the `_status` partial while it is being made) and the downloads.

Every read goes through `Report.objects.within(scope)`: another agency's report is a
404, and a client contact's portal scope only ever holds client versions of what is
shared with them (Report.scope_spec)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.generic import TemplateView

from clients.forms import PortalForm
from clients.models import Client
from clients.views.client_portal import PortalClientPage, portal_client
from incidents.models import (
    PaperSize,
    PostMortem,
    Report,
    ReportKind,
    ReportStatus,
    ReportVariant,
)
from incidents.reports import (
    STALLED,
    ReportError,
    report_downloaded,
    report_file_name,
    report_request_plan,
    report_request_postmortem,
    with_stalled,
)
from incidents.views import is_htmx, user_of
from plans.models import PlanRevision, RevisionStatus
from portal.scoping import Scope
from portal.views.base import ClientPortalView, ClientView

PAGE_SIZE = 25


class PaperForm(PortalForm):
    paper_size = forms.ChoiceField(
        choices=PaperSize.choices,
        initial=PaperSize.A4,
        label="Paper",
        error_messages={
            "invalid_choice": "Choose A4 or US Letter paper.",
            "required": "Choose A4 or US Letter paper.",
        },
    )


class ReportRequestForm(PaperForm):
    variant = forms.ChoiceField(
        choices=ReportVariant.choices,
        initial=ReportVariant.CLIENT,
        label="Version",
        error_messages={
            "invalid_choice": "Choose the client version or the internal version.",
            "required": "Choose the client version or the internal version.",
        },
    )


def _form_error(form: forms.Form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def _page(request: HttpRequest, reports: QuerySet[Report]) -> dict[str, Any]:
    """A page of `reports` (newest request first; the id breaks ties so none is on two
    pages) and the query string its page links keep."""
    page: Page[Report] = Paginator(reports.order_by("-requested_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    params = request.GET.copy()
    params.pop("page", None)
    query = params.urlencode()
    return {
        "page_obj": page,
        "reports": page.object_list,
        "querystring_base": f"{query}&" if query else "",
    }


def _download(request: HttpRequest, report: Report, *, where: str) -> FileResponse:
    """The report's file as an attachment; a GET that finds it is recorded (audit)."""
    if not report.file:
        raise Http404("This report has no file yet.")
    try:
        handle = report.file.open("rb")
    except FileNotFoundError as e:
        raise Http404("The report's file is missing; generate it again.") from e
    if request.method == "GET":
        report_downloaded(report=report, by=user_of(request), where=where)
    response = FileResponse(
        handle,
        content_type="application/pdf",
        as_attachment=True,
        filename=report_file_name(report),
    )
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response


class _Reports(ClientView):
    def reports(self) -> QuerySet[Report]:
        """The client's reports, each with `stalled` (its task was lost: shown as failed
        even before the beat task marks it so)."""
        return with_stalled(
            Report.objects.within(self.scope)
            .filter(client=self.client)
            .select_related("postmortem__incident", "plan_revision", "requested_by")
        )

    def report(self) -> Report:
        return get_object_or_404(self.reports(), public_id=self.kwargs["pk"])

    def approved_revision(self) -> PlanRevision | None:
        return (
            PlanRevision.objects.within(self.scope)
            .filter(plan__client=self.client, status=RevisionStatus.APPROVED)
            .first()
        )


class ReportListView(_Reports, TemplateView):
    """The reports made, a page at a time (for htmx, its pagination, only that table),
    and the documents that can be exported."""

    template_name = "reports/list.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if is_htmx(request):
            context = {"client": self.client, **_page(request, self.reports())}
            return render(request, "reports/_report_table.html", context)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        postmortems = (
            PostMortem.objects.within(self.scope)
            .filter(incident__client=self.client)
            .select_related("incident")
            .order_by("-incident__opened_at")
        )
        context.update(
            **_page(self.request, self.reports()),
            postmortems=postmortems,
            approved_revision=self.approved_revision(),
            form=ReportRequestForm(),
        )
        return context


class _Request(_Reports):
    http_method_names = ["post"]
    form_class: type[forms.Form] = ReportRequestForm

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.form_class(request.POST)
        if not form.is_valid():
            messages.error(request, _form_error(form))
            return redirect("reports:list", client=self.client.public_id)
        data = form.cleaned_data
        try:
            report = self.request_report(
                variant=data.get("variant", ""), paper_size=data["paper_size"]
            )
        except ReportError as e:
            messages.error(request, str(e))
            return redirect("reports:list", client=self.client.public_id)
        messages.success(request, "The PDF is being generated; this page shows when it is ready.")
        return redirect("reports:detail", client=self.client.public_id, pk=report.public_id)

    def request_report(self, *, variant: str, paper_size: str) -> Report:
        raise NotImplementedError


class PostMortemReportRequestView(_Request):
    """Queue (or regenerate) the PDF of a post-mortem (URL kwarg `pk`: its public id)."""

    def request_report(self, *, variant: str, paper_size: str) -> Report:
        postmortem = get_object_or_404(
            PostMortem.objects.within(self.scope, write=True)
            .filter(incident__client=self.client)
            .select_related("incident__client"),
            public_id=self.kwargs["pk"],
        )
        return report_request_postmortem(
            postmortem=postmortem, variant=variant, paper_size=paper_size, by=user_of(self.request)
        )


class PlanReportRequestView(_Request):
    """Queue (or regenerate) the PDF of the client's approved crisis plan."""

    def request_report(self, *, variant: str, paper_size: str) -> Report:
        revision = self.approved_revision()
        if revision is None:
            raise ReportError("This client has no approved crisis plan to export yet.")
        return report_request_plan(
            revision=revision, variant=variant, paper_size=paper_size, by=user_of(self.request)
        )


class ReportRegenerateView(_Request):
    """Make a report again (same document and version; paper size from the form)."""

    form_class = PaperForm

    def request_report(self, *, variant: str, paper_size: str) -> Report:
        report = self.report()
        variant = report.variant
        by = user_of(self.request)
        if report.kind == ReportKind.POSTMORTEM and report.postmortem is not None:
            return report_request_postmortem(
                postmortem=report.postmortem, variant=variant, paper_size=paper_size, by=by
            )
        if report.plan_revision is None:
            raise ReportError("That document no longer exists.")
        return report_request_plan(
            revision=report.plan_revision, variant=variant, paper_size=paper_size, by=by
        )


class ReportDetailView(_Reports, TemplateView):
    """The report's page; for htmx, only its status panel (polled while pending)."""

    template_name = "reports/detail.html"

    def get_template_names(self) -> list[str]:
        if is_htmx(self.request):
            return ["reports/_status.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        report = self.report()
        context.update(
            report=report,
            form=PaperForm(initial={"paper_size": report.paper_size}),
            statuses=ReportStatus,
            stalled_message=STALLED,
        )
        return context


class ReportDownloadView(_Reports):
    http_method_names = ["get", "head"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> FileResponse:
        return _download(request, self.report(), where="agency pages")


# -- the client portal ----------------------------------------------------------------------


def _portal_reports(scope: Scope, client: Client) -> QuerySet[Report]:
    """The reports of `client` a contact may download (Report's portal rule)."""
    return (
        Report.objects.within(scope)
        .filter(client=client)
        .select_related("postmortem__incident", "plan_revision")
    )


class PortalReportListView(PortalClientPage):
    """The PDFs shared with the contact, a page of the portal with its navigation (for
    htmx, its pagination, only the table)."""

    template_name = "reports/portal_list.html"
    section = "reports"

    def get_template_names(self) -> list[str]:
        if is_htmx(self.request):
            return ["reports/_portal_report_table.html"]
        return super().get_template_names()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(_page(self.request, _portal_reports(self.scope, self.client)))
        return context


class PortalReportDownloadView(ClientPortalView):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> FileResponse:
        client = portal_client(self.scope, kwargs["client"])
        report = get_object_or_404(_portal_reports(self.scope, client), public_id=kwargs["pk"])
        return _download(request, report, where="client portal")
