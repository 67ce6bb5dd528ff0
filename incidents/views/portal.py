"""The client portal's incidents (namespace `incidentsportal`): current and past
incidents with the client-visible timeline and published statements, and the shared
post-mortems with their action items.

Every read goes through `Model.objects.within(scope)` with the portal scope, so the
models' `scope_spec.portal` decides: drills never appear, internal timeline entries and
unpublished statements never appear, a post-mortem only once final and shared.

An incident's page shows its latest `UPDATES_PER_PAGE` updates and links to the ones
before them (`?before=<the oldest shown>`, as the war room's "Load earlier"), so a long
crisis costs the same few queries as a short one.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from clients.views.client_portal import PortalClientPage, client_pdfs, with_latest_statement
from incidents.models import (
    ACTION_ITEM_OPEN_STATUSES,
    BEING_HANDLED_STATUSES,
    ActionItem,
    Incident,
    IncidentTask,
    PostMortem,
    Statement,
    TimelineEntry,
)

PAST_PER_PAGE = 10
UPDATES_PER_PAGE = 20


def updates_before(
    entries: QuerySet[TimelineEntry], before: str
) -> tuple[list[TimelineEntry], bool, bool]:
    """The latest `UPDATES_PER_PAGE` of `entries` (the client-visible entries of one
    incident), newest first, before the entry named `before` when it is one of them.
    Returns them, whether there are earlier ones, and whether `before` was used. Two
    queries at most, however many entries there are."""
    entries = entries.order_by("-created_at", "-id")
    anchored = False
    if before:
        try:
            anchor = entries.filter(public_id=before).values("created_at", "id").first()
        except ValidationError:  # not a UUID: the latest updates
            anchor = None
        if anchor is not None:
            anchored = True
            entries = entries.filter(
                Q(created_at__lt=anchor["created_at"])
                | Q(created_at=anchor["created_at"], id__lt=anchor["id"])
            )
    latest = list(entries[: UPDATES_PER_PAGE + 1])
    return latest[:UPDATES_PER_PAGE], len(latest) > UPDATES_PER_PAGE, anchored


class PortalIncidentsView(PortalClientPage):
    template_name = "clientportal/incidents.html"
    section = "incidents"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        incidents = Incident.objects.within(self.scope).filter(client=self.client)
        shared = PostMortem.objects.within(self.scope).filter(incident=OuterRef("pk"))
        past = (
            incidents.exclude(status__in=BEING_HANDLED_STATUSES)
            .annotate(shared_review=Exists(shared))
            .order_by("-opened_at", "-id")
        )
        page = Paginator(past, PAST_PER_PAGE).get_page(self.request.GET.get("page"))
        current = with_latest_statement(
            self.scope, incidents.filter(status__in=BEING_HANDLED_STATUSES)
        )
        context.update(
            current=current,
            past_page=page,
            # Every incident is current or past: no third query to know whether any exists.
            any_incident=bool(current) or page.paginator.count > 0,
        )
        return context


class PortalIncidentView(PortalClientPage):
    template_name = "clientportal/incident.html"
    section = "incidents"
    switch_to = "incidentsportal:list"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        scope = self.scope
        incident = get_object_or_404(
            Incident.objects.within(scope).filter(client=self.client), public_id=kwargs["pk"]
        )
        postmortem = PostMortem.objects.within(scope).filter(incident=incident).first()
        actions = (
            ActionItem.objects.within(scope).filter(postmortem=postmortem).select_related("owner")
            if postmortem
            else ActionItem.objects.none()
        )
        is_current = incident.status in BEING_HANDLED_STATUSES
        shown, has_earlier, anchored = updates_before(
            TimelineEntry.objects.within(scope).filter(incident=incident),
            self.request.GET.get("before", ""),
        )
        # While it runs, the latest update comes first; afterwards the story reads in order.
        timeline = shown if is_current else shown[::-1]
        context.update(
            incident=incident,
            is_current=is_current,
            statements=Statement.objects.within(scope)
            .filter(incident=incident)
            .order_by("-published_at", "-id"),
            timeline=timeline,
            earlier_than=shown[-1] if has_earlier else None,
            showing_earlier=anchored,
            tasks=IncidentTask.objects.within(scope).filter(incident=incident),
            postmortem=postmortem,
            pdf=client_pdfs(scope, postmortem=postmortem).first() if postmortem else None,
            actions=actions,
        )
        return context


class PortalReviewsView(PortalClientPage):
    """Post-mortems shared with the client and the action items still open."""

    template_name = "clientportal/reviews.html"
    section = "reviews"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        scope = self.scope
        postmortems = list(
            PostMortem.objects.within(scope)
            .filter(incident__client=self.client)
            .select_related("incident")
            .order_by("-finalised_at", "-id")
        )
        pdfs = {r.postmortem_id: r for r in client_pdfs(scope, postmortem__in=postmortems)}
        context.update(
            postmortems=[(pm, pdfs.get(pm.pk)) for pm in postmortems],
            open_actions=ActionItem.objects.within(scope)
            .filter(postmortem__incident__client=self.client, status__in=ACTION_ITEM_OPEN_STATUSES)
            .select_related("owner", "postmortem__incident")
            .order_by("due_date", "id"),
        )
        return context
