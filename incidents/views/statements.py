"""The statements of an incident (namespace `statements`): the list with approval and
publication, the draft and edit forms (with the plan's key messages and the placeholders
beside the editor) and the public-page switch. Writes go through
incidents.statement_services; every refusal comes back as a message on the page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import TemplateView

from clients.forms import PortalForm
from incidents.incident_services import IncidentError
from incidents.models import Incident, Statement, StatementChannel, StatementStatus
from incidents.statement_services import (
    MAX_BODY_CHARS,
    approval_rule,
    incident_public_page,
    statement_approve,
    statement_draft,
    statement_edit,
    statement_publish,
)
from incidents.views import user_of
from plans.placeholders import PLACEHOLDERS
from portal.http import PortalRequest
from portal.views.base import ClientView


class StatementForm(PortalForm):
    channel = forms.ChoiceField(choices=StatementChannel.choices)
    body = forms.CharField(
        label="Statement",
        max_length=MAX_BODY_CHARS,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Placeholders such as {client} are filled in when you save.",
    )


class IncidentStatementsView(ClientView):
    """A page below one incident of the client (URL kwarg `incident`)."""

    incident: Incident

    def check_scope(self, request: PortalRequest, **kwargs: Any) -> None:
        super().check_scope(request, **kwargs)
        self.incident = get_object_or_404(
            Incident.objects.within(request.scope)
            .filter(client=self.client)
            .select_related("client__agency", "plan_revision"),
            public_id=kwargs["incident"],
        )

    def statement(self) -> Statement:
        return get_object_or_404(
            Statement.objects.within(self.scope)
            .filter(incident=self.incident)
            .select_related("incident__client__agency", "author"),
            public_id=self.kwargs["pk"],
        )

    def back(self) -> HttpResponse:
        return redirect(
            "statements:list", client=self.client.public_id, incident=self.incident.public_id
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)
        revision = self.incident.plan_revision
        context.update(
            incident=self.incident,
            key_messages=[
                m for m in (revision.key_messages if revision else []) or [] if m.get("message")
            ],
            placeholders=PLACEHOLDERS,
            closed=not self.incident.is_open,
        )
        return context


class StatementListView(IncidentStatementsView, TemplateView):
    template_name = "incidents/statements.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        statements = list(
            Statement.objects.within(self.scope)
            .filter(incident=self.incident)
            .select_related("author", "approver")
            .order_by("-created_at", "-id")
        )
        user = user_of(self.request)
        rule = approval_rule(self.incident)
        context.update(
            statements=statements,
            rule=rule,
            may_approve=rule.allows(user),
            user_id=user.pk,
            public_url=self.request.build_absolute_uri(
                reverse("public:page", kwargs={"slug": self.incident.public_slug})
            ),
            StatementStatus=StatementStatus,
        )
        return context


class StatementFormView(IncidentStatementsView, TemplateView):
    """GET: the editor; POST: save (a new draft, or the draft named by `pk`)."""

    template_name = "incidents/statement_form.html"
    writes = True

    def editing(self) -> Statement | None:
        return self.statement() if "pk" in self.kwargs else None

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        statement = self.editing()
        if "form" not in context:
            initial = (
                {"channel": statement.channel, "body": statement.body}
                if statement
                else {"channel": self.request.GET.get("channel", StatementChannel.X)}
            )
            context["form"] = StatementForm(initial=initial)
        context["statement"] = statement
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = StatementForm(request.POST)
        statement = self.editing()
        if form.is_valid():
            try:
                if statement is None:
                    statement_draft(
                        incident=self.incident,
                        by=user_of(request),
                        channel=form.cleaned_data["channel"],
                        body=form.cleaned_data["body"],
                    )
                    messages.success(request, "Draft saved: someone else approves it.")
                else:
                    statement_edit(
                        statement=statement,
                        by=user_of(request),
                        channel=form.cleaned_data["channel"],
                        body=form.cleaned_data["body"],
                    )
                    messages.success(request, "Draft updated.")
            except IncidentError as exc:
                form.add_error(None, str(exc))
            else:
                return self.back()
        return self.render_to_response(self.get_context_data(form=form), status=400)


class StatementActionView(IncidentStatementsView):
    """A POST on one statement: call the service, say what happened, go back."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            message = self.act(request)
        except IncidentError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, message)
        return self.back()

    def act(self, request: HttpRequest) -> str:
        raise NotImplementedError


class StatementApproveView(StatementActionView):
    def act(self, request: HttpRequest) -> str:
        statement_approve(statement=self.statement(), by=user_of(request))
        return "Statement approved: it can now be published."


class StatementPublishView(StatementActionView):
    def act(self, request: HttpRequest) -> str:
        statement_publish(
            statement=self.statement(), by=user_of(request), url=request.POST.get("url", "")
        )
        return "Statement recorded as published."


class PublicPageToggleView(StatementActionView):
    def act(self, request: HttpRequest) -> str:
        enabled = request.POST.get("enabled") == "on"
        incident_public_page(incident=self.incident, by=user_of(request), enabled=enabled)
        return (
            "Public statement page turned on." if enabled else "Public statement page turned off."
        )
