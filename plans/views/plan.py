"""The crisis plan of a client (guide I.B, IV.A): its page, its settings, its revisions
and their sections, the workflow actions, the diff between revisions, the printable
plan, and the scenarios with their playbooks (guide I.C).

Every change goes through plans.services, which refuses to touch a revision that is no
longer a draft; the views say so to the person before they even try (the edit pages of
a non-draft revision show the refusal instead of a form).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import DetailView, TemplateView, UpdateView

from plans import services
from plans.defaults import SUGGESTED_ROLES
from plans.forms import PlanSettingsForm, PlaybookStepFormSet, ScenarioForm
from plans.models import CrisisPlan, PlanRevision, Scenario
from plans.placeholders import PLACEHOLDERS
from plans.sections import SECTIONS, SECTIONS_BY_KEY, SectionEditor, revision_diff
from plans.views.common import PlanObjectView
from portal.models import User
from portal.views.base import ClientView


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _plan(view: ClientView) -> CrisisPlan | None:
    return CrisisPlan.objects.within(view.scope).filter(client=view.client).first()


def _refusal(revision: PlanRevision) -> str:
    return (
        f"Revision {revision.number} is {revision.get_status_display().lower()} and can no "
        "longer be changed. Start a new draft from the plan page to change the plan."
    )


class PlanView(ClientView, TemplateView):
    template_name = "plans/plan.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        plan = _plan(self)
        context["crumb"] = "Crisis plan"
        context["plan"] = plan
        if plan is not None:
            revisions = list(
                PlanRevision.objects.within(self.scope)
                .filter(plan=plan)
                .select_related("created_by", "approved_by")
            )
            context["revisions"] = revisions
            context["approved"] = next((r for r in revisions if r.status == "approved"), None)
            context["open_revision"] = next((r for r in revisions if r.is_open), None)
            context["overdue"] = plan.review_overdue()
            context["due_in_days"] = (plan.next_review_date - timezone.localdate()).days
        return context


class PlanStartView(ClientView):
    """POST: start the plan (on first use) and a new draft revision."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        plan = _plan(self) or services.plan_create(client=self.client, by=_user(request))
        try:
            draft = services.plan_revision_start(plan=plan, by=_user(request))
        except services.PlanError as exc:
            messages.error(request, str(exc))
            return redirect("plans:plan", client=self.client.public_id)
        messages.success(request, f"Revision {draft.number} started as a draft.")
        return redirect("plans:revision", client=self.client.public_id, pk=draft.public_id)


class PlanSettingsView(ClientView, UpdateView[CrisisPlan, PlanSettingsForm]):
    writes = True
    form_class = PlanSettingsForm
    template_name = "plans/plan_settings.html"

    def get_object(self, queryset: Any = None) -> CrisisPlan:
        plan = _plan(self)
        if plan is None:
            raise Http404("This client has no crisis plan yet.")
        return plan

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["crumb"] = "Crisis plan settings"
        return context

    def form_valid(self, form: PlanSettingsForm) -> HttpResponse:
        services.plan_settings_update(plan=self.object, by=_user(self.request), **form.cleaned_data)
        messages.success(self.request, "Plan settings saved.")
        return redirect("plans:plan", client=self.client.public_id)


class _RevisionView(PlanObjectView[PlanRevision]):
    model = PlanRevision
    client_lookup = "plan__client"

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("plan", "created_by", "approved_by")


class RevisionView(_RevisionView, DetailView[PlanRevision]):
    template_name = "plans/revision.html"
    context_object_name = "revision"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        revision = self.object
        context["crumb"] = f"Revision {revision.number}"
        context["sections"] = SECTIONS
        context["scenarios"] = revision.scenarios.prefetch_related("steps", "risks")
        context["placeholders"] = PLACEHOLDERS
        # The post-mortem action items that opened (or were linked to) this revision.
        from incidents.models import ActionItem

        context["action_items"] = (
            ActionItem.objects.within(self.scope)
            .filter(plan_revision=revision)
            .select_related("postmortem__incident", "owner")
            .order_by("created_at", "id")
        )
        return context


class RevisionSectionView(_RevisionView, TemplateView):
    """Edit one section of a draft. For any other revision the page explains why it
    cannot be edited, and a POST is refused with the same message."""

    writes = True
    template_name = "plans/section_form.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("section") not in SECTIONS_BY_KEY:
            raise Http404("No such section.")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        revision = self.get_object()
        editor = SectionEditor(SECTIONS_BY_KEY[kwargs["section"]], revision)
        return self.render_to_response(self.context(revision, editor))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        revision = self.get_object()
        section = SECTIONS_BY_KEY[kwargs["section"]]
        if not revision.is_draft:
            messages.error(request, _refusal(revision))
            return redirect("plans:revision", client=self.client.public_id, pk=revision.public_id)
        editor = SectionEditor(section, revision, request.POST)
        if not editor.is_valid():
            return self.render_to_response(self.context(revision, editor), status=400)
        try:
            services.plan_revision_update(revision=revision, by=_user(request), **editor.changes())
        except services.PlanError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"{section.title} saved.")
        return redirect(
            f"{self._revision_url(revision)}#section-{section.key}",
        )

    def _revision_url(self, revision: PlanRevision) -> str:
        from django.urls import reverse

        return reverse(
            "plans:revision", kwargs={"client": self.client.public_id, "pk": revision.public_id}
        )

    def context(self, revision: PlanRevision, editor: SectionEditor) -> dict[str, Any]:
        return self.get_context_data(
            revision=revision,
            section=editor.section,
            editor=editor,
            form=editor.form,
            refusal=None if revision.is_draft else _refusal(revision),
            crumb=f"Revision {revision.number}: {editor.section.title}",
            suggested_roles=SUGGESTED_ROLES,
            placeholders=PLACEHOLDERS,
        )


class RevisionActionView(_RevisionView):
    """POST: a workflow step (submit, return to draft, approve, discard)."""

    http_method_names = ["post"]
    action: ClassVar[str]
    done: ClassVar[str]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        revision = self.get_object()
        do = getattr(services, f"plan_revision_{self.action}")
        try:
            do(revision=revision, by=_user(request))
        except services.PlanError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, self.done.format(n=revision.number))
            if self.action == "discard":
                return redirect("plans:plan", client=self.client.public_id)
        return redirect("plans:revision", client=self.client.public_id, pk=revision.public_id)


class RevisionSubmitView(RevisionActionView):
    action = "submit"
    done = "Revision {n} sent for review. It can no longer be edited."


class RevisionReturnView(RevisionActionView):
    action = "return"
    done = "Revision {n} is a draft again."


class RevisionApproveView(RevisionActionView):
    action = "approve"
    done = "Revision {n} approved: it is now the plan in force."


class RevisionDiscardView(RevisionActionView):
    action = "discard"
    done = "Draft revision {n} discarded."


class RevisionDiffView(_RevisionView, TemplateView):
    """Side by side, per section: this revision against `?against=` (by default the
    revision it was based on, or the one before it)."""

    template_name = "plans/diff.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        revision = self.get_object()
        others = self.get_queryset().filter(plan=revision.plan).exclude(pk=revision.pk)
        wanted = self.request.GET.get("against")
        against: PlanRevision | None = None
        if wanted:
            try:
                against = others.filter(public_id=wanted).first()
            except Exception:  # a malformed UUID is simply "not found"
                against = None
            if against is None:
                raise Http404("No such revision of this plan.")
        else:
            against = (
                revision.based_on
                if revision.based_on_id and others.filter(pk=revision.based_on_id).exists()
                else others.filter(number__lt=revision.number).order_by("-number").first()
            )
        context.update(
            revision=revision,
            against=against,
            others=others.order_by("-number"),
            diff=revision_diff(against, revision) if against else [],
            crumb=f"Revision {revision.number}: changes",
        )
        return context


class PlanPrintView(ClientView, TemplateView):
    """The approved plan as a paginated, printable page (A4, WeasyPrint-ready)."""

    template_name = "plans/print.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        plan = _plan(self)
        revision = (
            PlanRevision.objects.within(self.scope)
            .filter(plan=plan, status="approved")
            .select_related("approved_by")
            .first()
            if plan
            else None
        )
        if plan is None or revision is None:
            raise Http404("This client has no approved crisis plan.")
        context.update(
            plan=plan,
            revision=revision,
            sections=[s for s in SECTIONS if s.key not in ("summary",)],
            scenarios=revision.scenarios.prefetch_related("steps", "risks"),
            printed_at=timezone.now(),
        )
        return context


# -- scenarios ---------------------------------------------------------------------------------


class _ScenarioFormMixin:
    """Scenario form and playbook formset, saved together through the service."""

    client: Any
    scope: Any
    request: HttpRequest

    def forms(self, scenario: Scenario | None, data: Any = None) -> tuple[ScenarioForm, Any]:
        form = ScenarioForm(data, instance=scenario, client=self.client, scope=self.scope)
        initial = (
            [
                {
                    "action": s.action,
                    "owner_role": s.owner_role,
                    "due": s.due_offset_minutes,
                    "client_visible": s.client_visible,
                    "ORDER": s.position,
                }
                for s in scenario.steps.all()
            ]
            if scenario
            else []
        )
        steps = PlaybookStepFormSet(data, initial=initial, prefix="steps")
        return form, steps

    def save(
        self, revision: PlanRevision, scenario: Scenario | None, form: ScenarioForm, steps: Any
    ) -> Scenario:
        # Rows in the order asked for (blank "order" last); deleted and empty rows dropped.
        rows = [f.cleaned_data for f in steps.ordered_forms if f.cleaned_data.get("action")]
        return services.scenario_save(
            revision=revision,
            by=_user(self.request),
            scenario=scenario,
            title=form.cleaned_data["title"],
            description=form.cleaned_data["description"],
            trigger_terms=form.cleaned_data["trigger_terms"],
            risks=form.cleaned_data["risks"],
            steps=[
                services.StepData(
                    action=r["action"],
                    owner_role=r["owner_role"],
                    due_offset_minutes=r["due"],
                    client_visible=r["client_visible"],
                )
                for r in rows
            ],
        )


class ScenarioCreateView(_ScenarioFormMixin, _RevisionView, TemplateView):
    """Add a scenario (with its playbook) to a draft revision."""

    writes = True
    template_name = "plans/scenario_form.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        revision = self.get_object()
        form, steps = self.forms(None)
        return self.render_to_response(self.context(revision, form, steps))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        revision = self.get_object()
        if not revision.is_draft:
            messages.error(request, _refusal(revision))
            return redirect("plans:revision", client=self.client.public_id, pk=revision.public_id)
        form, steps = self.forms(None, request.POST)
        if not (form.is_valid() and steps.is_valid()):
            return self.render_to_response(self.context(revision, form, steps), status=400)
        try:
            scenario = self.save(revision, None, form, steps)
        except services.PlanError as exc:
            messages.error(request, str(exc))
            return redirect("plans:revision", client=self.client.public_id, pk=revision.public_id)
        messages.success(request, f"Scenario “{scenario.title}” added.")
        return redirect("plans:scenario", client=self.client.public_id, pk=scenario.public_id)

    def context(self, revision: PlanRevision, form: Any, steps: Any) -> dict[str, Any]:
        return self.get_context_data(
            revision=revision,
            form=form,
            steps=steps,
            refusal=None if revision.is_draft else _refusal(revision),
            suggested_roles=SUGGESTED_ROLES,
            crumb=f"Revision {revision.number}: new scenario",
        )


class _ScenarioView(PlanObjectView[Scenario]):
    model = Scenario
    client_lookup = "revision__plan__client"

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("revision__plan")


class ScenarioView(_ScenarioView, DetailView[Scenario]):
    template_name = "plans/scenario.html"
    context_object_name = "scenario"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["revision"] = self.object.revision
        context["steps"] = self.object.steps.all()
        context["risks"] = self.object.risks.all()
        context["crumb"] = f"Scenario: {self.object.title}"
        return context


class ScenarioEditView(_ScenarioFormMixin, _ScenarioView, TemplateView):
    writes = True
    template_name = "plans/scenario_form.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        scenario = self.get_object()
        form, steps = self.forms(scenario)
        return self.render_to_response(self.context(scenario, form, steps))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        scenario = self.get_object()
        revision = scenario.revision
        if not revision.is_draft:
            messages.error(request, _refusal(revision))
            return redirect("plans:scenario", client=self.client.public_id, pk=scenario.public_id)
        form, steps = self.forms(scenario, request.POST)
        if not (form.is_valid() and steps.is_valid()):
            return self.render_to_response(self.context(scenario, form, steps), status=400)
        try:
            self.save(revision, scenario, form, steps)
        except services.PlanError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Scenario “{scenario.title}” saved.")
        return redirect("plans:scenario", client=self.client.public_id, pk=scenario.public_id)

    def context(self, scenario: Scenario, form: Any, steps: Any) -> dict[str, Any]:
        revision = scenario.revision
        return self.get_context_data(
            revision=revision,
            scenario=scenario,
            form=form,
            steps=steps,
            refusal=None if revision.is_draft else _refusal(revision),
            suggested_roles=SUGGESTED_ROLES,
            crumb=f"Scenario: {scenario.title}",
        )


class ScenarioDeleteView(_ScenarioView, TemplateView):
    writes = True
    template_name = "plans/scenario_delete.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        scenario = self.get_object()
        revision = scenario.revision
        context.update(
            scenario=scenario,
            revision=revision,
            refusal=None if revision.is_draft else _refusal(revision),
            crumb=f"Delete scenario: {scenario.title}",
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        scenario = self.get_object()
        revision = scenario.revision
        try:
            services.scenario_delete(scenario=scenario, by=_user(request))
        except services.PlanError as exc:
            messages.error(request, str(exc))
            return redirect("plans:scenario", client=self.client.public_id, pk=scenario.public_id)
        messages.success(request, f"Scenario “{scenario.title}” deleted.")
        return redirect("plans:revision", client=self.client.public_id, pk=revision.public_id)
