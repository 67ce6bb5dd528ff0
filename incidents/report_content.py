"""What goes into a PDF report: the template and its context for a `Report` row.

Reads go through the scoping primitive with the scope of the person who asked for the
report, rebuilt when the task runs (someone who has lost access since the request gets
an error, not a PDF). The client version narrows every read further to what the model's
`scope_spec.portal` lets a client contact see — the same rule as the client portal — so
an internal note can only reach the internal version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

from django.db import models
from django.utils import timezone

from clients.models import Membership
from incidents.models import (
    ActionItem,
    PaperSize,
    PostMortem,
    Report,
    ReportKind,
    ReportVariant,
    Statement,
    TimelineEntry,
    Visibility,
)
from portal.pdf import PAPER_SIZES, agency_logo_uri
from portal.scoping import DEFAULT_SPEC, Scope, ScopedQuerySet, ScopeSpec

if TYPE_CHECKING:
    from plans.models import PlanRevision

_M = TypeVar("_M", bound=models.Model)


class ReportUnavailable(Exception):
    """The report cannot be made; the message is for the person who asked."""


@dataclass(frozen=True)
class Chapter:
    id: str
    title: str
    number: int | None = None
    sub: bool = False


@dataclass
class ReportContent:
    template: str
    context: dict[str, Any]


def requester_scope(report: Report) -> Scope:
    """The scope of the person who asked, as a request of theirs would build it, in the
    agency of the report's client."""
    user = report.requested_by
    agency = report.client.agency
    if user is None or not user.is_active:
        raise ReportUnavailable("The person who asked for this report no longer has an account.")
    memberships = list(Membership.objects.filter(user=user).select_related("agency"))
    current = next((m for m in memberships if m.agency_id == agency.pk), None)
    if current is None:
        raise ReportUnavailable(f"{user.display_name} is no longer a member of {agency.name}.")
    return Scope.for_member(user, current, memberships)


def visible(qs: ScopedQuerySet[_M], scope: Scope, *, client_version: bool) -> ScopedQuerySet[_M]:
    """`qs` within the scope; for the client version, also only what a client contact
    may see of it (the model's portal rule; nothing when it has none)."""
    within = qs.within(scope)
    if not client_version:
        return within
    spec: ScopeSpec = getattr(qs.model, "scope_spec", DEFAULT_SPEC)
    return within.filter(spec.portal) if spec.portal is not None else within.none()


def report_content(report: Report) -> ReportContent:
    scope = requester_scope(report)
    if report.kind == ReportKind.PLAN:
        return plan_content(report, scope)
    return postmortem_content(report, scope)


def _base(
    report: Report, *, title: str, kicker: str, facts: list[tuple[str, str]], toc: list[Chapter]
) -> dict[str, Any]:
    client = report.client
    agency = client.agency
    internal = report.variant == ReportVariant.INTERNAL
    return {
        "report": report,
        "client": client,
        "agency": agency,
        "logo_uri": agency_logo_uri(agency),
        "doc_title": title,
        "kicker": kicker,
        "cover_facts": facts,
        "toc": toc,
        "internal": internal,
        "client_variant": not internal,
        "variant_label": report.get_variant_display(),
        "paper_css": PAPER_SIZES.get(report.paper_size, PAPER_SIZES[PaperSize.A4]),
        "generated_at": timezone.localtime(),
    }


def _local(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%-d %b %Y, %H:%M") if moment else "—"


# -- the crisis plan -------------------------------------------------------------------------


def plan_content(report: Report, scope: Scope) -> ReportContent:
    from plans.models import PlanRevision, PlaybookStep, Scenario
    from plans.sections import SECTIONS

    client_version = report.variant == ReportVariant.CLIENT
    revision: PlanRevision | None = (
        visible(PlanRevision.objects.all(), scope, client_version=client_version)
        .filter(pk=report.plan_revision_id or 0, plan__client=report.client)
        .select_related("plan", "approved_by")
        .first()
    )
    if revision is None:
        raise ReportUnavailable("That plan revision is no longer available.")
    sections = [
        s for s in SECTIONS if s.key != "summary" and (s.client_visible or not client_version)
    ]
    steps = list(
        visible(PlaybookStep.objects.all(), scope, client_version=client_version).filter(
            scenario__revision=revision
        )
    )
    scenarios = [
        (scenario, [s for s in steps if s.scenario_id == scenario.pk])
        for scenario in visible(Scenario.objects.all(), scope, client_version=client_version)
        .filter(revision=revision)
        .prefetch_related("risks")
    ]
    toc = [Chapter(s.key, s.title, i) for i, s in enumerate(sections, 1)]
    toc.append(Chapter("scenarios", "Scenarios and playbooks", len(sections) + 1))
    toc += [Chapter(f"scenario-{i}", sc.title, sub=True) for i, (sc, _) in enumerate(scenarios, 1)]
    facts = [
        ("Revision", str(revision.number)),
        ("Status", revision.get_status_display()),
        ("Approved", _local(revision.approved_at)),
        ("Approved by", revision.approved_by.display_name if revision.approved_by else "—"),
        ("Next review", revision.plan.next_review_date.strftime("%-d %b %Y")),
        ("Scenarios", str(len(scenarios))),
    ]
    context = _base(
        report,
        title="Crisis communications plan",
        kicker=f"Crisis plan · revision {revision.number}",
        facts=facts,
        toc=toc,
    )
    context.update(
        plan=revision.plan,
        revision=revision,
        sections=sections,
        scenarios=scenarios,
        scenario_number=len(sections) + 1,
    )
    return ReportContent("pdf/plan.html", context)


# -- the post-mortem ----------------------------------------------------------------------------


POSTMORTEM_CHAPTERS = [
    ("summary", "Executive summary"),
    ("metrics", "Response and impact in figures"),
    ("timeline", "Timeline"),
    ("statements", "Statements"),
    ("review", "What went well, what did not"),
    ("lessons", "Lessons learned"),
    ("actions", "Action items"),
]


def postmortem_content(report: Report, scope: Scope) -> ReportContent:
    from incidents.postmortems import postmortem_charts, postmortem_metrics

    client_version = report.variant == ReportVariant.CLIENT
    pm: PostMortem | None = (
        visible(PostMortem.objects.all(), scope, client_version=False)
        .filter(pk=report.postmortem_id or 0, incident__client=report.client)
        .select_related(
            "incident__client__agency", "incident__alert", "incident__plan_revision", "author"
        )
        .first()
    )
    if pm is None:
        raise ReportUnavailable("That post-mortem is no longer available.")
    incident = pm.incident
    if client_version and incident.is_drill:
        raise ReportUnavailable("A drill's post-mortem has no client version.")
    tz = ZoneInfo(report.client.agency.time_zone)
    metrics = postmortem_metrics(incident, tz=tz)
    charts = postmortem_charts(metrics, tz=tz)
    timeline = (
        visible(TimelineEntry.objects.all(), scope, client_version=client_version)
        .filter(incident=incident)
        .select_related("author", "corrects")
        .order_by("created_at", "id")
    )
    # The client version has published statements only (Statement's portal rule).
    statements = visible(Statement.objects.all(), scope, client_version=client_version).filter(
        incident=incident
    )
    actions = (
        visible(ActionItem.objects.all(), scope, client_version=False)
        .filter(postmortem=pm)
        .select_related("owner", "plan_revision")
    )
    toc = [Chapter(key, title, i) for i, (key, title) in enumerate(POSTMORTEM_CHAPTERS, 1)]
    facts = [
        ("Severity", incident.get_severity_display()),
        ("Period", f"{_local(metrics.start)} – {_local(metrics.end)}"),
        ("Duration", metrics.duration_label),
        ("Status of the review", pm.get_status_display()),
        ("Targets met", f"{metrics.targets_met} of {len(metrics.times)}"),
        ("Statements published", str(metrics.statements_published)),
    ]
    context = _base(
        report,
        title=f"Post-mortem: {incident.title}",
        kicker="Drill post-mortem" if incident.is_drill else "Incident post-mortem",
        facts=facts,
        toc=toc,
    )
    context.update(
        postmortem=pm,
        incident=incident,
        metrics=metrics,
        charts=charts,
        timeline=timeline,
        statements=statements.select_related("author", "approver"),
        actions=actions,
        chapter_numbers={key: i for i, (key, _) in enumerate(POSTMORTEM_CHAPTERS, 1)},
        client_visibility=Visibility.CLIENT,
    )
    return ReportContent("pdf/postmortem.html", context)
