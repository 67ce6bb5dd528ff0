"""The mention inbox of a client (guide II.B, III.C): newest first, filters (sentiment,
source, term, time range, triage status, assignee), counts per status, 50 per page,
bulk triage, and a "N new mentions" banner that polls with htmx instead of replacing the
table (so a selection in progress is never lost). Mention text is plain text rendered with
autoescape only; it never becomes markup."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.generic import DetailView, TemplateView

from incidents.forms import BulkTriageForm, MentionFilterForm, TriageForm
from incidents.models import Mention, MentionTriageChange, Triage
from incidents.selectors import triage_counts
from incidents.triage import UNCHANGED, mentions_triage
from incidents.views import Monitoring, is_htmx, user_of
from portal.http import safe_next
from portal.views.base import ClientObjectView, ClientView

PAGE_SIZE = 50
# Triage changes listed on a mention's page, newest first.
HISTORY_SIZE = 50


class InboxView(Monitoring, ClientView, TemplateView):
    template_name = "monitoring/inbox.html"
    partial_name = "monitoring/_inbox_table.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        context = self.get_context_data(**kwargs)
        if is_htmx(request):
            return render(request, self.partial_name, context)
        return self.render_to_response(context)

    def filter_form(self) -> MentionFilterForm:
        return MentionFilterForm(
            self.request.GET,
            sources=self.sources(),
            terms=self.terms(),
            team=self.team,
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        filters = self.filter_form()
        mentions = self.mentions()
        found = filters.filter(mentions, user=user_of(self.request), now=now, tz=self.tz)
        found = found.select_related("source", "assignee").prefetch_related("matched_terms")
        page = Paginator(found, PAGE_SIZE).get_page(self.request.GET.get("page"))
        params = self.request.GET.copy()
        params.pop("page", None)
        query = params.urlencode()
        params.pop("triage", None)
        status_query = params.urlencode()
        counts = triage_counts(mentions)
        context.update(
            filters=filters,
            page_obj=page,
            mentions=page.object_list,
            querystring_base=f"{query}&" if query else "",
            status_query=f"{status_query}&" if status_query else "",
            current_query=query,
            is_filtered=filters.is_filtered,
            counts=counts,
            triage_now=filters.values.get("triage", ""),
            # Every mention has one of the statuses: their counts add up to the total.
            total=sum(n for _value, _label, n in counts),
            since=now.isoformat(),
            live=page.number == 1,
            source_total=self.sources().count(),
        )
        if self.can_write:
            # Its own ids: the filter form beside it has fields of the same names.
            context["bulk_form"] = BulkTriageForm(team=self.team, auto_id="bulk-%s")
        return context


class InboxNewCountView(Monitoring, ClientView, TemplateView):
    """GET ?since=<iso>: the banner saying how many mentions arrived since the page was
    loaded (polled by htmx every 15 s; empty when there are none)."""

    template_name = "monitoring/_inbox_new.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        since = parse_datetime(self.request.GET.get("since", "") or "")
        count = 0
        if since is not None and timezone.is_aware(since):
            count = self.mentions().filter(fetched_at__gt=since).count()
        context.update(new_count=count, since=self.request.GET.get("since", ""))
        return context


class InboxBulkView(Monitoring, ClientView):
    """POST: apply a status and/or an assignee to the selected mentions. Only mentions of
    this client within the scope are touched; other ids are ignored and reported."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = BulkTriageForm(request.POST, team=self.team)
        if not form.is_valid():
            for error in form.errors.values():
                messages.error(request, " ".join(str(e) for e in error))
            return self._back(request)
        ids = form.cleaned_data["mention_ids"]
        mentions = self.mentions().filter(public_id__in=ids)
        found = mentions.count()
        assignee: Any = UNCHANGED
        if form.cleaned_data.get("assignee"):
            assignee = form.assignee_user()
        changed = mentions_triage(
            mentions=mentions,
            triage=form.cleaned_data.get("triage") or None,
            assignee=assignee,
            by=user_of(request),
        )
        text = f"{changed} mention{'s' if changed != 1 else ''} changed"
        if changed < found:
            text += f" ({found - changed} already had that status and assignee)"
        messages.success(request, text + ".")
        if found < len(ids):
            missing = len(ids) - found
            messages.warning(
                request,
                f"{missing} selected mention{'s were' if missing != 1 else ' was'} not "
                f"changed: not a mention of {self.client.name} you can change.",
            )
        return self._back(request)

    def _back(self, request: HttpRequest) -> HttpResponse:
        inbox = reverse("monitoring:inbox", kwargs={"client": self.client.public_id})
        return redirect(safe_next(request, inbox))


class MentionView(Monitoring, ClientObjectView[Mention], DetailView[Mention]):
    """One mention: its plain text, a link out, matched terms, the history of its triage
    (who changed status or assignee, when, also by bulk triage), and (POST) its triage."""

    model = Mention
    template_name = "monitoring/mention.html"
    context_object_name = "mention"

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("source", "assignee")

    def triage_form(self, mention: Mention, data: Any = None) -> TriageForm:
        initial = {
            "triage": mention.triage,
            "assignee": str(mention.assignee.public_id) if mention.assignee else "none",
        }
        return TriageForm(data, team=self.team, initial=initial)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        mention = self.object
        context["matched"] = list(mention.matched_terms.all())
        context["alerts"] = list(mention.alerts.all())
        context["history"] = list(
            MentionTriageChange.objects.within(self.scope)
            .filter(mention=mention)
            .select_related("by", "assignee_from", "assignee_to")[:HISTORY_SIZE]
        )
        if self.can_write:
            context.setdefault("form", self.triage_form(mention))
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = mention = self.get_object()
        form = self.triage_form(mention, request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        mentions_triage(
            mentions=self.get_queryset().filter(pk=mention.pk),  # a drill's mention too
            triage=form.cleaned_data["triage"],
            assignee=form.assignee_user(),
            by=user_of(request),
        )
        label = Triage(form.cleaned_data["triage"]).label
        messages.success(request, f"Mention marked “{label}”.")
        return redirect("monitoring:mention", client=self.client.public_id, pk=mention.public_id)
