"""The post-mortem pages of a client (namespace `postmortems`): the list of a client's
post-mortems, and one page per incident with the review's text, its figures and charts
(incidents/postmortems.py) and its action items.

The page is addressed by the incident (one post-mortem per incident), so the incident
page can link to it before it exists: for a resolved incident it offers to start one,
for an open incident it says why it cannot yet. Action items are edited in place with
htmx (the row becomes a form; Escape cancels) and every action is also a plain POST
that works without JavaScript.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.generic import TemplateView

from incidents.models import (
    ACTION_ITEM_OPEN_STATUSES,
    ActionItem,
    ActionItemStatus,
    Incident,
    PostMortem,
    Report,
)
from incidents.postmortem_actions import (
    EDITABLE,
    action_item_complete,
    action_item_create,
    action_item_open_revision,
    action_item_update,
)
from incidents.postmortem_forms import ActionItemForm, PostMortemForm
from incidents.postmortems import (
    REVIEWABLE,
    PostMortemError,
    postmortem_charts,
    postmortem_create,
    postmortem_finalise,
    postmortem_metrics,
    postmortem_reopen,
    postmortem_set_shared,
    postmortem_update,
)
from incidents.reports import STALLED, with_stalled
from incidents.views import is_htmx, user_of
from portal.http import PortalRequest
from portal.views.base import ClientView

PAGE_SIZE = 50


def _first_error(form: Any) -> str:
    for errors in form.errors.values():
        return str(errors[0])
    return "Check the form and try again."


class PostMortemListView(ClientView, TemplateView):
    """The client's post-mortems, newest first, with open and overdue action items; and
    the resolved incidents still waiting for one."""

    template_name = "incidents/postmortem_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        open_items = Q(action_items__status__in=ACTION_ITEM_OPEN_STATUSES)
        postmortems = (
            PostMortem.objects.within(self.scope)
            .filter(incident__client=self.client)
            .select_related("incident", "author", "finalised_by")
            .annotate(
                open_items=Count("action_items", filter=open_items),
                overdue_items=Count(
                    "action_items", filter=open_items & Q(action_items__due_date__lt=today)
                ),
            )
            .order_by("-incident__opened_at", "-id")
        )
        try:
            page = max(int(self.request.GET.get("page", "1")), 1)
        except ValueError:
            page = 1
        rows = list(postmortems[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
        waiting = (
            Incident.objects.within(self.scope)
            .filter(client=self.client, status__in=REVIEWABLE, postmortem__isnull=True)
            .order_by("-resolved_at", "-id")[:20]
        )
        context.update(
            postmortems=rows[:PAGE_SIZE],
            page=page,
            has_next=len(rows) > PAGE_SIZE,
            waiting=list(waiting),
        )
        return context


class PostMortemView(ClientView):
    """A page or action about the post-mortem of one incident (the `incident` kwarg)."""

    incident: Incident
    postmortem: PostMortem | None

    def check_scope(self, request: PortalRequest, **kwargs: Any) -> None:
        super().check_scope(request, **kwargs)
        self.incident = get_object_or_404(
            Incident.objects.within(request.scope)
            .filter(client=self.client)
            .select_related("client__agency", "alert", "plan_revision"),
            public_id=kwargs["incident"],
        )
        self.postmortem = (
            PostMortem.objects.within(request.scope)
            .filter(incident=self.incident)
            .select_related("author", "updated_by", "finalised_by")
            .first()
        )

    def require_postmortem(self) -> PostMortem:
        if self.postmortem is None:
            raise PostMortemError("This incident has no post-mortem yet: start it first.")
        return self.postmortem

    def back(self) -> HttpResponse:
        return redirect(
            "postmortems:detail", client=self.client.public_id, incident=self.incident.public_id
        )

    def items(self) -> QuerySet[ActionItem]:
        return (
            ActionItem.objects.within(self.scope)
            .filter(postmortem=self.postmortem)
            .select_related("owner", "plan_revision", "created_by", "updated_by")
        )

    def item_form(
        self, data: Any = None, instance: ActionItem | None = None, *, inline: bool = False
    ) -> ActionItemForm:
        prefix = f"item-{instance.public_id}" if instance is not None else "new-item"
        form = ActionItemForm(
            data, instance=instance, scope=self.scope, client=self.client, prefix=prefix
        )
        if inline and instance is not None:
            # The row's inputs sit in table cells: they join the form in the last cell.
            for field in form.fields.values():
                field.widget.attrs["form"] = f"item-form-{instance.public_id}"
            form.fields["title"].widget.attrs["autofocus"] = True
        return form

    def base_context(self, **extra: Any) -> dict[str, Any]:
        """What every page and partial here shows: enough for one action item's row."""
        return {
            "client": self.client,
            "can_write": self.can_write,
            "incident": self.incident,
            "postmortem": self.postmortem,
            "reviewable": self.incident.status in REVIEWABLE,
            "today": timezone.localdate(),
            **extra,
        }

    def page_context(self, *, full: bool = True, **extra: Any) -> dict[str, Any]:
        """The page's context with the action items; `full=False` (htmx partials) skips
        the figures."""
        tz = ZoneInfo(self.client.agency.time_zone)
        context = self.base_context()
        if self.postmortem is not None:
            items = sorted(
                self.items(),
                key=lambda i: (not i.is_open, i.due_date is None, i.due_date, i.created_at),
            )
            context.update(items=items, item_statuses=ActionItemStatus.choices)
            if self.can_write:
                context["new_item_form"] = extra.pop("new_item_form", None) or self.item_form()
        if self.postmortem is not None and full:
            metrics = postmortem_metrics(self.incident, tz=tz)
            charts = postmortem_charts(metrics, tz=tz)
            context.update(
                metrics=metrics,
                volume_chart=charts.volume,
                windows_chart=charts.windows,
                # each with `stalled`, shown as on the report pages
                reports=with_stalled(
                    Report.objects.within(self.scope).filter(postmortem=self.postmortem)
                ),
                stalled_message=STALLED,
            )
        context.update(extra)
        return context


class PostMortemDetailView(PostMortemView, TemplateView):
    template_name = "incidents/postmortem.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return self.page_context()  # the URL kwargs are not context


class PostMortemActionView(PostMortemView):
    """A POST on the post-mortem: call a service, say what happened, go back."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            done = self.act()
        except PostMortemError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, done)
        return self.back()

    def act(self) -> str:
        """Do it; return what to tell the person."""
        raise NotImplementedError


class PostMortemStartView(PostMortemActionView):
    def act(self) -> str:
        self.postmortem = postmortem_create(incident=self.incident, by=user_of(self.request))
        return "Post-mortem started. The figures below come from the incident's record."


class PostMortemEditView(PostMortemView, TemplateView):
    """The text sections of the post-mortem (a draft); a final one says to reopen it."""

    template_name = "incidents/postmortem_edit.html"
    writes = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        extra = {"form": kwargs["form"]} if "form" in kwargs else {}
        context = self.page_context(full=False, **extra)
        if self.postmortem is not None and "form" not in context:
            context["form"] = PostMortemForm(instance=self.postmortem, scope=self.scope)
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.postmortem is None:
            messages.error(request, "This incident has no post-mortem yet: start it first.")
            return self.back()
        form = PostMortemForm(request.POST, instance=self.postmortem, scope=self.scope)
        if form.is_valid():
            try:
                postmortem_update(
                    postmortem=self.postmortem,
                    by=user_of(request),
                    **{name: form.cleaned_data[name] for name in PostMortemForm.Meta.fields},
                )
            except PostMortemError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "Post-mortem saved.")
                return self.back()
        return self.render_to_response(self.get_context_data(form=form))


class PostMortemFinaliseView(PostMortemActionView):
    def act(self) -> str:
        share = self.request.POST.get("share") == "1"
        postmortem_finalise(
            postmortem=self.require_postmortem(), by=user_of(self.request), share=share
        )
        if share:
            return "Post-mortem marked final and shared with the client's contacts."
        return "Post-mortem marked final."


class PostMortemReopenView(PostMortemActionView):
    def act(self) -> str:
        postmortem_reopen(postmortem=self.require_postmortem(), by=user_of(self.request))
        return "Post-mortem reopened as a draft."


class PostMortemShareView(PostMortemActionView):
    def act(self) -> str:
        shared = self.request.POST.get("shared") == "1"
        postmortem_set_shared(
            postmortem=self.require_postmortem(), by=user_of(self.request), shared=shared
        )
        if shared:
            return "Shared with the client's contacts (they see it while it is final)."
        return "No longer shared with the client."


# -- action items -------------------------------------------------------------------------


class ActionItemCreateView(PostMortemView):
    """POST: add an action item. With htmx, answers the action-item section (the new
    item in the list, a fresh form; or the form with its errors)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.postmortem is None:
            messages.error(request, "This incident has no post-mortem yet: start it first.")
            return self.back()
        form = self.item_form(request.POST)
        if form.is_valid():
            try:
                item = action_item_create(
                    postmortem=self.postmortem,
                    by=user_of(request),
                    title=form.cleaned_data["title"],
                    details=form.cleaned_data["details"],
                    owner=form.cleaned_data["owner"],
                    owner_role=form.cleaned_data["owner_role"],
                    due_date=form.cleaned_data["due_date"],
                )
            except PostMortemError as exc:
                form.add_error(None, str(exc))
            else:
                if is_htmx(request):
                    # A fresh form with the cursor back in its first field: the next
                    # item is typed at once.
                    fresh = self.item_form()
                    fresh.fields["title"].widget.attrs["autofocus"] = True
                    return self.section(
                        notice=f"Action item “{item.title}” added.", new_item_form=fresh
                    )
                messages.success(request, f"Action item “{item.title}” added.")
                return self.back()
        if is_htmx(request):
            return self.section(new_item_form=form)
        return render(
            request,
            "incidents/postmortem.html",
            self.page_context(new_item_form=form),
        )

    def section(self, **extra: Any) -> HttpResponse:
        return render(
            self.request,
            "incidents/_postmortem_actions.html",
            self.page_context(full=False, **extra),
        )


class ActionItemView(PostMortemView):
    """An action item of this post-mortem (the `pk` kwarg)."""

    item: ActionItem

    def check_scope(self, request: PortalRequest, **kwargs: Any) -> None:
        super().check_scope(request, **kwargs)
        self.item = get_object_or_404(
            ActionItem.objects.within(request.scope)
            .filter(postmortem__incident=self.incident)
            .select_related("owner", "plan_revision", "postmortem", "created_by", "updated_by"),
            public_id=kwargs["pk"],
        )

    def row(self, form: ActionItemForm | None = None, **extra: Any) -> HttpResponse:
        template = (
            "incidents/_postmortem_item_edit.html" if form else "incidents/_postmortem_item.html"
        )
        # The row comes back with the keyboard focus on it (the form: its first field;
        # the row: its Edit link), so nobody has to tab from the top of the page again.
        context = self.base_context(item=self.item, form=form, focus=True, **extra)
        return render(self.request, template, context)


class ActionItemRowView(ActionItemView):
    """Inline edit of one action item (htmx): GET gives the row as a form (`?cancel=1`
    the row), POST saves and gives the row back, or the form with its errors. Without
    htmx, GET is a page with the form and POST returns to the post-mortem."""

    writes = True

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if is_htmx(request):
            if request.GET.get("cancel"):
                return self.row()
            return self.row(self.item_form(instance=self.item, inline=True))
        context = self.base_context(item=self.item, form=self.item_form(instance=self.item))
        return render(request, "incidents/postmortem_item_form.html", context)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.item_form(request.POST, instance=self.item, inline=is_htmx(request))
        if form.is_valid():
            try:
                self.item = action_item_update(
                    item=self.item,
                    by=user_of(request),
                    **{name: form.cleaned_data[name] for name in EDITABLE},
                )
            except PostMortemError as exc:
                form.add_error(None, str(exc))
            else:
                if is_htmx(request):
                    return self.row()
                messages.success(request, f"Action item “{self.item.title}” saved.")
                return self.back()
        if is_htmx(request):
            return self.row(form)
        context = self.base_context(item=self.item, form=form)
        return render(request, "incidents/postmortem_item_form.html", context)


class ActionItemDoneView(ActionItemView):
    """POST: mark done (htmx: the row back)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            self.item = action_item_complete(item=self.item, by=user_of(request))
        except PostMortemError as exc:
            if is_htmx(request):
                return self.row(row_error=str(exc))
            messages.error(request, str(exc))
            return self.back()
        if is_htmx(request):
            return self.row()
        messages.success(request, f"“{self.item.title}” done.")
        return self.back()


class ActionItemPlanView(ActionItemView):
    """POST: open a new draft revision of the client's crisis plan for this item (or
    link it to the one already open, saying so), then go to that revision."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            link = action_item_open_revision(item=self.item, by=user_of(request))
        except PostMortemError as exc:
            messages.error(request, str(exc))
            return self.back()
        if link.created:
            messages.success(request, link.message)
        else:
            messages.warning(request, link.message)
        return redirect("plans:revision", client=self.client.public_id, pk=link.revision.public_id)
