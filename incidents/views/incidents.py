"""The incident pages of a client (namespace `incidents`): the list, opening an incident
(from scratch, from a scenario or from an alert) and the war room, with its actions.

The war room is one page that renders with a fixed number of queries whatever the size
of the crisis (the latest `PAGE_ENTRIES` entries, with a link to earlier ones: the reads
are incidents.incident_selectors). The
timeline updates live by htmx polling of `incidents:timeline`, which appends only the
entries after the last one shown: the note form is never replaced, so nobody loses what
they are typing. The same poll tells the crisis-team and task panels to refresh
themselves when someone else changed them (see incidents.team_versions). Every action is a plain POST that works without JavaScript; the note
form also answers htmx with a tiny fragment (errors, or nothing) so the page stays put.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.functional import cached_property
from django.views.generic import TemplateView
from django_htmx.http import trigger_client_event

from incidents.incident_forms import (
    NOTE_KINDS,
    EntryForm,
    IncidentOpenForm,
    SeverityForm,
    StakeholderForm,
    StatusForm,
)
from incidents.incident_selectors import (
    assessment,
    entries_after,
    entries_before,
    entry_counts,
    incident_metrics,
    notifications_of,
    roles_of,
    statement_counts,
    tasks_of,
)
from incidents.incident_services import (
    IncidentError,
    allowed_statuses,
    approved_revision,
    incident_assign_role,
    incident_change_severity,
    incident_change_status,
    incident_open,
    role_candidates,
    stakeholder_log,
    task_complete,
    timeline_add,
    timeline_correct,
)
from incidents.models import (
    BEING_HANDLED_STATUSES,
    INCIDENT_SEVERITIES,
    Alert,
    EntryKind,
    Incident,
    IncidentRole,
    IncidentStatus,
    IncidentTask,
    TimelineEntry,
    Visibility,
)
from incidents.role_forms import RoleAssignForm
from incidents.team_versions import changed_panels, roles_version, tasks_version
from incidents.views import is_htmx, user_of
from plans.models import PlanRevision
from portal.models import User
from portal.views.base import ClientObjectView, ClientView

PAGE_INCIDENTS = 100


def statements_url(incident: Incident) -> str:
    """The statements page of the incident, once that feature's URLs are mounted."""
    try:
        return reverse(
            "statements:list",
            kwargs={"client": incident.client.public_id, "incident": incident.public_id},
        )
    except NoReverseMatch:
        return ""


class IncidentListView(ClientView, TemplateView):
    template_name = "incidents/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        incidents = (
            Incident.objects.within(self.scope)
            .filter(client=self.client)
            .select_related("opened_by", "scenario")
        )
        status = self.request.GET.get("status", "")
        if status == "open":  # being handled: what the dashboard badge linking here counts
            incidents = incidents.filter(status__in=BEING_HANDLED_STATUSES)
        elif status in IncidentStatus.values:
            incidents = incidents.filter(status=status)
        else:
            status = ""
        severity = self.request.GET.get("severity", "")
        if severity in {"1", "2", "3", "4"}:
            incidents = incidents.filter(severity=int(severity))
        else:
            severity = ""
        context.update(
            incidents=incidents[:PAGE_INCIDENTS],
            status=status,
            severity=severity,
            statuses=IncidentStatus.choices,
            severities=INCIDENT_SEVERITIES,
        )
        return context


class IncidentOpenView(ClientView, TemplateView):
    """GET: the form; POST: open the incident and go to its war room."""

    template_name = "incidents/open.html"
    writes = True

    @cached_property
    def revision(self) -> PlanRevision | None:
        return approved_revision(self.client)

    def form(self) -> IncidentOpenForm:
        data = self.request.POST if self.request.method == "POST" else None
        return IncidentOpenForm(data, scope=self.scope, revision=self.revision)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.form())
        context["revision"] = self.revision
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.form()
        if form.is_valid():
            try:
                incident = incident_open(
                    client=self.client,
                    by=user_of(request),
                    title=form.cleaned_data["title"],
                    severity=form.cleaned_data["severity"],
                    summary=form.cleaned_data["summary"],
                    scenario=form.cleaned_data.get("scenario"),
                )
            except IncidentError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "Incident opened: the plan is running.")
                return redirect(
                    "incidents:detail", client=self.client.public_id, pk=incident.public_id
                )
        return self.render_to_response(self.get_context_data(form=form))


class OpenFromAlertView(ClientView):
    """POST: escalate an alert into an incident (its mentions attached)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        alert = get_object_or_404(
            Alert.objects.within(self.scope).filter(client=self.client),
            public_id=kwargs["alert"],
        )
        posted = request.POST.get("severity", "")
        # Unless someone chose one, the service starts from the alert's severity.
        severity = int(posted) if posted in {"1", "2", "3", "4"} else None
        title = request.POST.get("title", "").strip() or (
            f"{alert.get_kind_display()}: {self.client.name}"
        )
        try:
            incident = incident_open(
                client=self.client, by=user_of(request), title=title, severity=severity, alert=alert
            )
        except IncidentError as exc:
            messages.error(request, str(exc))
            return redirect("monitoring:alerts", client=self.client.public_id)
        messages.success(request, "Alert escalated: the incident is open and the plan running.")
        return redirect("incidents:detail", client=self.client.public_id, pk=incident.public_id)


class IncidentObjectView(ClientObjectView[Incident]):
    model = Incident

    def get_queryset(self) -> QuerySet[Incident]:
        return (
            super()
            .get_queryset()
            .select_related(
                "client__agency",
                "alert",
                "plan_revision",
                "scenario",
                "opened_by",
                "exercise",
            )
        )

    def back(self, incident: Incident) -> HttpResponse:
        return redirect("incidents:detail", client=self.client.public_id, pk=incident.public_id)

    def candidates(self, incident: Incident) -> list[User]:
        """Who may be given a crisis-team role; only asked when the form is shown."""
        if not self.can_write or incident.status == IncidentStatus.CLOSED:
            return []
        return role_candidates(self.client)

    def roles_panel(self, incident: Incident) -> dict[str, Any]:
        """The crisis-team panel's context: the roles, their stamp and the candidates."""
        roles = roles_of(incident)
        return {
            "roles": roles,
            "roles_v": roles_version(roles),
            "candidates": self.candidates(incident),
        }


def entries_url(incident: Incident) -> str:
    """The incident's entries/ address: an entry's correction form posts below it."""
    return reverse(
        "incidents:add_entry",
        kwargs={"client": incident.client.public_id, "pk": incident.public_id},
    )


def tasks_panel(incident: Incident) -> dict[str, Any]:
    """The task panel's context: the tasks and their stamp."""
    tasks = tasks_of(incident)
    return {"tasks": tasks, "tasks_v": tasks_version(tasks)}


PANELS = {"roles": "incidents/_roles.html", "tasks": "incidents/_tasks.html"}


class IncidentDetailView(IncidentObjectView, TemplateView):
    """The war room. GET ?panel=roles|tasks: just that panel, which refreshes itself
    when the timeline poll says it changed."""

    template_name = "incidents/detail.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        panel = request.GET.get("panel", "")
        if panel not in PANELS:
            return super().get(request, *args, **kwargs)
        incident = self.get_object()
        context: dict[str, Any] = {
            "client": self.client,
            "incident": incident,
            "can_write": self.can_write,
        }
        context.update(self.roles_panel(incident) if panel == "roles" else tasks_panel(incident))
        return render(request, PANELS[panel], context)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        incident = self.get_object()
        kind = self.request.GET.get("kind", "")
        kind = kind if kind in EntryKind.values else ""
        before = self.request.GET.get("before", "")
        shown, earlier = entries_before(incident, kind, before)
        per_kind = entry_counts(incident)
        by_status, first_published = statement_counts(incident)
        # incident_metrics reads it from here instead of asking again.
        incident.first_published = first_published  # type: ignore[attr-defined]
        context.update(
            self.roles_panel(incident),
            **tasks_panel(incident),
            incident=incident,
            entries=shown,
            earlier=earlier,
            last_entry=shown[-1] if shown else None,
            paged=bool(before),
            kind=kind,
            kinds=[(value, label, per_kind.get(value, 0)) for value, label in EntryKind.choices],
            entry_total=sum(per_kind.values()),
            shown_total=per_kind.get(kind, 0) if kind else sum(per_kind.values()),
            entries_url=entries_url(incident),
            notifications=notifications_of(incident),
            metrics=incident_metrics(incident),
            assessment=assessment(incident),
            statement_count=sum(by_status.values()),
            statement_counts=by_status,
            statements_url=statements_url(incident),
            entry_form=EntryForm(),
            note_kinds=NOTE_KINDS,
            statuses=allowed_statuses(incident.status),
            severities=INCIDENT_SEVERITIES,
            stakeholder_form=StakeholderForm(scope=self.scope, client=self.client),
        )
        return context


class TimelineView(IncidentObjectView):
    """htmx partials of the timeline. GET ?after=<entry public id>[&kind=]: the entries
    after that one, with the poller re-rendered out of band to carry the new last id;
    204 when nothing is new. GET ?before=<entry public id>[&kind=]: the page of entries
    before that one, with a new "load earlier" row when there are more."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        incident = self.get_object()
        kind = request.GET.get("kind", "")
        kind = kind if kind in EntryKind.values else ""
        context = {
            "client": self.client,
            "incident": incident,
            "kind": kind,
            "can_write": self.can_write,
            "entries_url": entries_url(incident),
        }
        before = request.GET.get("before", "")
        if before:
            shown, earlier = entries_before(incident, kind, before)
            context.update(entries=shown, earlier=earlier)
            return render(request, "incidents/_timeline_older.html", context)
        new = entries_after(incident, kind, request.GET.get("after", ""))
        response: HttpResponse
        if new:
            context.update(entries=new, last_entry=new[-1], oob=True)
            response = render(request, "incidents/_timeline_new.html", context)
        else:
            response = HttpResponse(status=204)
        # Even with nothing new on a filtered timeline: htmx fires the events on a 204.
        changed = changed_panels(
            incident, roles=request.GET.get("roles_v", ""), tasks=request.GET.get("tasks_v", "")
        )
        for event in changed:
            trigger_client_event(response, event)
        return response


class IncidentActionView(IncidentObjectView):
    """A POST on the incident: parse, call a service, say what happened, go back."""

    http_method_names = ["post"]
    done: ClassVar[str] = ""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        incident = self.get_object()
        try:
            self.act(incident)
        except IncidentError as exc:
            return self.refused(incident, str(exc))
        return self.succeeded(incident)

    def act(self, incident: Incident) -> None:
        raise NotImplementedError

    def refused(self, incident: Incident, message: str) -> HttpResponse:
        messages.error(self.request, message)
        return self.back(incident)

    def succeeded(self, incident: Incident) -> HttpResponse:
        if self.done:
            messages.success(self.request, self.done)
        return self.back(incident)


def _first_error(form: Any) -> str:
    for errors in form.errors.values():
        return str(errors[0])
    return "Check the form and try again."


class AddEntryView(IncidentActionView):
    """Add a note, decision or meeting. With htmx, answers a fragment for the form's
    message area (201 and nothing on success, so the form resets) and leaves the page
    as it is; the poller brings the new entry in."""

    def act(self, incident: Incident) -> None:
        form = EntryForm(self.request.POST)
        if not form.is_valid():
            raise IncidentError(_first_error(form))
        timeline_add(
            incident=incident,
            by=user_of(self.request),
            kind=form.cleaned_data["kind"] or EntryKind.NOTE,
            text=form.cleaned_data["text"],
            visibility=form.cleaned_data["visibility"] or Visibility.INTERNAL,
        )

    def refused(self, incident: Incident, message: str) -> HttpResponse:
        if is_htmx(self.request):
            return render(self.request, "incidents/_entry_error.html", {"message": message})
        return super().refused(incident, message)

    def succeeded(self, incident: Incident) -> HttpResponse:
        if is_htmx(self.request):
            response = HttpResponse("", status=201)
            response["HX-Trigger"] = "timeline-refresh"
            return response
        return super().succeeded(incident)


class CorrectEntryView(IncidentActionView):
    done = "Correction added; the original entry stays on the timeline."

    def act(self, incident: Incident) -> None:
        entry = get_object_or_404(
            TimelineEntry.objects.within(self.scope).filter(incident=incident),
            public_id=self.kwargs["entry"],
        )
        text = self.request.POST.get("text", "")
        timeline_correct(entry=entry, by=user_of(self.request), text=text)


class ChangeStatusView(IncidentActionView):
    done = "Status changed."

    def act(self, incident: Incident) -> None:
        form = StatusForm(self.request.POST)
        if not form.is_valid():
            raise IncidentError("Choose a status from the list.")
        incident_change_status(
            incident=incident,
            by=user_of(self.request),
            status=form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
        )


class ChangeSeverityView(IncidentActionView):
    done = "Severity changed."

    def act(self, incident: Incident) -> None:
        form = SeverityForm(self.request.POST)
        if not form.is_valid():
            raise IncidentError("Choose a severity from 1 (minor) to 4 (critical).")
        incident_change_severity(
            incident=incident,
            by=user_of(self.request),
            severity=form.cleaned_data["severity"],
            reason=form.cleaned_data["reason"],
        )


class TaskDoneView(IncidentActionView):
    done = "Task done."

    def act(self, incident: Incident) -> None:
        task = get_object_or_404(
            IncidentTask.objects.within(self.scope).filter(incident=incident),
            public_id=self.kwargs["task"],
        )
        task_complete(task=task, by=user_of(self.request))


class NotifyStakeholderView(IncidentActionView):
    done = "Contact logged."

    def act(self, incident: Incident) -> None:
        form = StakeholderForm(self.request.POST, scope=self.scope, client=self.client)
        if not form.is_valid():
            raise IncidentError(_first_error(form))
        stakeholder_log(
            incident=incident,
            by=user_of(self.request),
            contact=form.cleaned_data["contact"],
            channel=form.cleaned_data["channel"],
            message=form.cleaned_data["message"],
        )


class AssignRoleView(IncidentActionView):
    """Give a crisis-team role to someone who works on the client, or clear it. With
    htmx, answers the crisis-team panel (with the outcome, or the refusal, in it)."""

    outcome = ""

    def role(self, incident: Incident) -> IncidentRole:
        return get_object_or_404(
            IncidentRole.objects.within(self.scope).filter(incident=incident),
            public_id=self.kwargs["role"],
        )

    def act(self, incident: Incident) -> None:
        role = self.role(incident)
        form = RoleAssignForm(self.request.POST, candidates=role_candidates(self.client))
        if not form.is_valid():
            raise IncidentError(_first_error(form))
        person = form.cleaned_data["person"]
        incident_assign_role(role=role, person=person, by=user_of(self.request))
        self.outcome = (
            f"{person.display_name} now holds the role {role.role}."
            if person is not None
            else f"The role {role.role} is now unassigned."
        )

    def panel(self, incident: Incident, message: str, *, error: bool) -> HttpResponse:
        incident.refresh_from_db(fields=["status"])
        context = {
            "client": self.client,
            "incident": incident,
            "can_write": self.can_write,
            **self.roles_panel(incident),
            "role_message": message,
            "role_error": error,
            "role_open": self.kwargs["role"] if error else None,
        }
        if not error:
            context.update(oob_tasks=True, **tasks_panel(incident))
        return render(self.request, "incidents/_roles.html", context)

    def refused(self, incident: Incident, message: str) -> HttpResponse:
        if is_htmx(self.request):
            return self.panel(incident, message, error=True)
        return super().refused(incident, message)

    def succeeded(self, incident: Incident) -> HttpResponse:
        if is_htmx(self.request):
            response = self.panel(incident, self.outcome, error=False)
            response["HX-Trigger"] = "timeline-refresh"
            return response
        messages.success(self.request, self.outcome)
        return self.back(incident)
