"""Replies to mentions (namespace `responses`): the reply page of one mention (templates
from the plan, the empathy guidelines beside the editor, a personalised first draft, the
mention's earlier replies), the status change of a reply, and an incident's mentions with
their reply status, negative unanswered ones first. Writes go through
incidents.response_services."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import TemplateView

from clients.forms import PortalForm
from incidents.incident_services import IncidentError
from incidents.models import (
    Incident,
    IncidentStatus,
    Mention,
    MentionResponse,
    ResponseStatus,
    Sentiment,
)
from incidents.response_services import (
    EMPATHY_GUIDELINES,
    MAX_BODY_CHARS,
    personalised_draft,
    response_save,
    response_templates,
    response_update,
)
from incidents.views import user_of
from portal.http import PortalRequest
from portal.views.base import ClientView


class ReplyForm(PortalForm):
    body = forms.CharField(
        label="Reply",
        required=False,
        max_length=MAX_BODY_CHARS,
        widget=forms.Textarea(attrs={"rows": 7}),
    )
    incident = forms.ChoiceField(label="Part of the incident", required=False)
    status = forms.ChoiceField(choices=ResponseStatus.choices, initial=ResponseStatus.DRAFTED)

    def __init__(self, *args: Any, incidents: list[Incident], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.incidents = {str(i.public_id): i for i in incidents}
        field = self.fields["incident"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "None")] + [(k, i.title) for k, i in self.incidents.items()]

    def chosen_incident(self) -> Incident | None:
        return self.incidents.get(self.cleaned_data.get("incident") or "")


def open_incidents(scope: Any, client: Any) -> QuerySet[Incident]:
    return (
        Incident.objects.within(scope)
        .filter(client=client)
        .exclude(status=IncidentStatus.CLOSED)
        .select_related("client__agency", "plan_revision")
    )


class MentionReplyView(ClientView, TemplateView):
    """GET: the editor with a personalised draft (?template=<n> picks a template,
    ?incident=<id> links an incident); POST: save the reply with its status."""

    template_name = "incidents/responses.html"
    writes = True
    mention: Mention

    def check_scope(self, request: PortalRequest, **kwargs: Any) -> None:
        super().check_scope(request, **kwargs)
        self.mention = get_object_or_404(
            Mention.objects.within(request.scope)
            .filter(client=self.client)
            .select_related("source", "client__agency"),
            public_id=kwargs["mention"],
        )

    def incidents(self) -> list[Incident]:
        return list(open_incidents(self.scope, self.client)[:50])

    def default_incident(self, incidents: list[Incident]) -> Incident | None:
        wanted = self.request.GET.get("incident", "")
        for incident in incidents:
            if str(incident.public_id) == wanted:
                return incident
        attached = set(
            self.mention.incidents.exclude(status=IncidentStatus.CLOSED).values_list(
                "pk", flat=True
            )
        )
        return next((i for i in incidents if i.pk in attached), None)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        incidents = self.incidents()
        incident = self.default_incident(incidents)
        templates = response_templates(self.client)
        chosen = None
        picked = self.request.GET.get("template", "")
        if picked.isdigit() and int(picked) < len(templates):
            chosen = templates[int(picked)]
        if "form" not in context:
            context["form"] = ReplyForm(
                incidents=incidents,
                initial={
                    "body": personalised_draft(
                        mention=self.mention, template=chosen, incident=incident
                    ),
                    "incident": str(incident.public_id) if incident else "",
                    "status": ResponseStatus.DRAFTED,
                },
            )
        base = reverse(
            "responses:for_mention",
            kwargs={"client": self.client.public_id, "mention": self.mention.public_id},
        )
        extra = {"incident": str(incident.public_id)} if incident else {}
        context.update(
            mention=self.mention,
            incident=incident,
            templates=[
                (t, f"{base}?{urlencode({**extra, 'template': n})}", chosen == t)
                for n, t in enumerate(templates)
            ],
            plain_url=f"{base}?{urlencode(extra)}" if extra else base,
            guidelines=EMPATHY_GUIDELINES,
            responses=list(
                MentionResponse.objects.within(self.scope)
                .filter(mention=self.mention)
                .select_related("author", "incident")
            ),
            statuses=ResponseStatus.choices,
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = ReplyForm(request.POST, incidents=self.incidents())
        if form.is_valid():
            try:
                response_save(
                    mention=self.mention,
                    by=user_of(request),
                    body=form.cleaned_data["body"],
                    status=form.cleaned_data["status"],
                    incident=form.chosen_incident(),
                )
            except IncidentError as exc:
                form.add_error(None, str(exc))
            else:
                label = ResponseStatus(form.cleaned_data["status"]).label
                messages.success(request, f"Reply saved: {label.lower()}.")
                return redirect(
                    "responses:for_mention",
                    client=self.client.public_id,
                    mention=self.mention.public_id,
                )
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ResponseUpdateView(ClientView):
    """POST status (and optionally body): change a drafted reply."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = get_object_or_404(
            MentionResponse.objects.within(self.scope)
            .filter(client=self.client)
            .select_related("mention", "incident"),
            public_id=kwargs["pk"],
        )
        try:
            response_update(
                response=response,
                by=user_of(request),
                status=request.POST.get("status", ""),
                body=request.POST.get("body"),
            )
        except IncidentError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Reply marked “{response.get_status_display()}”.")
        return redirect(
            "responses:for_mention",
            client=self.client.public_id,
            mention=response.mention.public_id,
        )


class IncidentMentionsView(ClientView, TemplateView):
    """The mentions of an incident with their reply status: negative and unanswered
    first, each with a Reply link."""

    template_name = "incidents/responses_incident.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        incident = get_object_or_404(
            Incident.objects.within(self.scope).filter(client=self.client),
            public_id=self.kwargs["incident"],
        )
        answered = MentionResponse.objects.filter(
            mention=OuterRef("pk"),
            status__in=[ResponseStatus.SENT, ResponseStatus.NO_RESPONSE],
        )
        mentions = (
            Mention.objects.within(self.scope)
            .filter(client=self.client, incidents=incident)
            .annotate(answered=Exists(answered))
            .select_related("source")
            .order_by("answered", "sentiment", "-published_at")
        )
        shown = list(mentions[:200])
        context.update(
            incident=incident,
            mentions=shown,
            # Counted in the database: the list shows the first 200 only.
            unanswered_negative=mentions.filter(
                answered=False, sentiment_label=Sentiment.NEGATIVE
            ).count(),
        )
        return context
