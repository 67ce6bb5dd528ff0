"""Stored PDF reports: asking for one, and generating it (in a Celery task).

`report_request` creates or re-queues the one `Report` row of a document and variant,
bumping its `generation`; the task is queued on commit. `report_generate` (called by
the task with the report's id and generation) claims the row with a compare-and-set,
renders the PDF (incidents/report_content.py → portal/pdf.py), stores it under a new
name and swaps it in, deleting the file it replaces. A retry of a finished generation,
or of one a newer request has overtaken, does nothing; a worker process killed
mid-render has the task delivered again (acks late, rejected on worker lost) and simply
renders again. A whole worker lost mid-render has it delivered again only after the
broker's visibility timeout (an hour on Redis), by when the report is stalled (below).

A task that is lost altogether (a broker restarted without its queue) would leave the
row queued or running for ever: one pending longer than REPORT_STALE_AFTER_MINUTES is
"stalled". Pages show it as failed at once (`with_stalled`), with "Generate again", and
a beat task marks it failed (`reports_fail_stalled`). A task that was only late (a long
queue, workers down for a while, a redelivery after the visibility timeout) still
renders its generation when it arrives, unless someone has asked again meanwhile.

Every download is recorded (`report_downloaded`) in the admin's log (LogEntry), the
audit trail the site's operators already read: the report's History page in the admin
lists who downloaded which file of it, when, and from where.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet
from django.utils import timezone
from django.utils.text import slugify

from incidents import webhook_events
from incidents.models import (
    PaperSize,
    PostMortem,
    Report,
    ReportKind,
    ReportStatus,
    ReportVariant,
)
from incidents.report_content import ReportUnavailable, report_content
from plans.models import RevisionStatus
from portal.pdf import render_template_to_pdf

if TYPE_CHECKING:
    from clients.models import Client
    from plans.models import PlanRevision
    from portal.models import User

logger = logging.getLogger(__name__)

UNEXPECTED = (
    "The PDF could not be generated because of an unexpected error (the details are in "
    "the server log). Try again; if it fails again, tell your Firebreak administrator."
)
TOO_SLOW = "Generating the PDF took too long and was stopped. Try again in a few minutes."
STALLED = (
    "The PDF was never finished: the job making it was lost (the background workers may "
    "have been restarted). Generate it again."
)


class ReportError(Exception):
    """A refusal with a message meant for the person who clicked."""


def _check_variant(variant: str, paper_size: str) -> None:
    if variant not in ReportVariant.values:
        raise ReportError("Choose the client version or the internal version.")
    if paper_size not in PaperSize.values:
        raise ReportError("Choose A4 or US Letter paper.")


def report_request_postmortem(
    *, postmortem: PostMortem, variant: str, paper_size: str, by: User
) -> Report:
    """Queue the PDF of a post-mortem (the caller has scoped it, for writing)."""
    _check_variant(variant, paper_size)
    incident = postmortem.incident
    if variant == ReportVariant.CLIENT and incident.is_drill:
        raise ReportError("A drill's post-mortem stays internal: make the internal version.")
    return _request(
        client=incident.client,
        kind=ReportKind.POSTMORTEM,
        lookup={"postmortem": postmortem},
        variant=variant,
        paper_size=paper_size,
        by=by,
    )


def report_request_plan(
    *, revision: PlanRevision, variant: str, paper_size: str, by: User
) -> Report:
    """Queue the PDF of an approved (or superseded) plan revision."""
    _check_variant(variant, paper_size)
    if revision.status not in (RevisionStatus.APPROVED, RevisionStatus.SUPERSEDED):
        raise ReportError("Only an approved plan can be exported: approve this revision first.")
    return _request(
        client=revision.plan.client,
        kind=ReportKind.PLAN,
        lookup={"plan_revision": revision},
        variant=variant,
        paper_size=paper_size,
        by=by,
    )


def _request(
    *,
    client: Client,
    kind: str,
    lookup: dict[str, object],
    variant: str,
    paper_size: str,
    by: User,
) -> Report:
    from incidents.report_tasks import generate_report

    with transaction.atomic():
        report, created = Report.objects.select_for_update().get_or_create(
            kind=kind,
            variant=variant,
            **lookup,
            defaults={"client": client, "paper_size": paper_size, "requested_by": by},
        )
        if not created:
            report.generation = F("generation") + 1
            report.paper_size = paper_size
            report.status = ReportStatus.QUEUED
            report.progress = 0
            report.error = ""
            report.requested_by = by
            report.requested_at = timezone.now()
            report.started_at = None
            report.finished_at = None
            report.save()
            report.refresh_from_db()
        report_id, generation = report.pk, report.generation
        transaction.on_commit(lambda: generate_report.delay(report_id, generation))
    return report


# -- stalled reports ---------------------------------------------------------------------------


def _stalled(now: datetime) -> Q:
    """Pending since before the cutoff: queued since it was asked for, or running since
    a worker claimed it. Each branch names whether `started_at` is set, so as an
    annotation it is true or false, never NULL (a NULL `started_at < cutoff` would make
    a fresh queued report neither stalled nor not stalled to a filter)."""
    cutoff = now - timedelta(minutes=settings.REPORT_STALE_AFTER_MINUTES)
    return Q(status__in=[ReportStatus.QUEUED, ReportStatus.RUNNING]) & (
        Q(started_at__isnull=False, started_at__lt=cutoff)
        | Q(started_at__isnull=True, requested_at__lt=cutoff)
    )


def with_stalled(reports: QuerySet[Report], *, now: datetime | None = None) -> QuerySet[Report]:
    """`reports`, each with `stalled`: pending for longer than a PDF can take."""
    return reports.annotate(
        stalled=ExpressionWrapper(_stalled(now or timezone.now()), output_field=BooleanField())
    )


def reports_fail_stalled(*, now: datetime | None = None) -> int:
    """Mark every stalled report failed, with a sentence saying what to do. Returns how
    many. The update re-checks the status and times of each row, so a report a worker
    claims meanwhile (which resets `started_at`) is left alone."""
    now = now or timezone.now()
    return Report.objects.filter(_stalled(now)).update(
        status=ReportStatus.FAILED, error=STALLED, progress=0, finished_at=now
    )


# -- downloads -------------------------------------------------------------------------------


def report_downloaded(*, report: Report, by: User | None, where: str) -> None:
    """Record that `by` downloaded the report's current file; `where` ends the sentence
    ("agency pages", "client portal", "REST API with the key …"). A download is not a
    change, but the admin's log has no other kind for it, and its History page shows the
    message as written. With nobody to name (an API key whose creator was deleted) it
    goes to the application log only."""
    name = report_file_name(report)
    message = (
        f"Downloaded the PDF ({report.get_variant_display().lower()}, "
        f"generation {report.file_generation}) from the {where}."
    )
    if by is not None:
        LogEntry.objects.create(
            user=by,
            content_type=ContentType.objects.get_for_model(Report),
            object_id=str(report.pk),
            object_repr=name[:200],
            action_flag=CHANGE,
            change_message=message,
        )
    logger.info(
        "Report %s (%s): user %s: %s",
        report.public_id,
        name,
        by.public_id if by is not None else "-",
        message,
    )


# -- generation (in the worker) ---------------------------------------------------------------


def _progress(report_id: int, generation: int, percent: int) -> None:
    Report.objects.filter(pk=report_id, generation=generation).update(progress=percent)


def _fail(report_id: int, generation: int, message: str) -> None:
    Report.objects.filter(pk=report_id, generation=generation).update(
        status=ReportStatus.FAILED, error=message, finished_at=timezone.now()
    )


def report_file_name(report: Report) -> str:
    """The name the download is saved under, e.g. "acme-foods-post-mortem-….pdf"."""
    if report.kind == ReportKind.POSTMORTEM and report.postmortem is not None:
        subject = f"post-mortem {report.postmortem.incident.title}"
    elif report.plan_revision is not None:
        subject = f"crisis plan revision {report.plan_revision.number}"
    else:
        subject = report.kind
    variant = "internal" if report.variant == ReportVariant.INTERNAL else "client"
    slug = slugify(f"{report.client.name} {subject} {variant}")[:120] or "report"
    return f"{slug}.pdf"


def report_generate(*, report_id: int, generation: int) -> str:
    """Render and store one generation of a report. Returns what happened, for the log:
    "done", "failed", or "skipped" (finished already, or overtaken by a newer request)."""
    pending = Q(status__in=[ReportStatus.QUEUED, ReportStatus.RUNNING])
    given_up = Q(status=ReportStatus.FAILED, error=STALLED)  # late, not lost: render it
    claimed = Report.objects.filter(pending | given_up, pk=report_id, generation=generation).update(
        status=ReportStatus.RUNNING, started_at=timezone.now(), progress=5, error=""
    )
    if not claimed:
        return "skipped"
    report = Report.objects.select_related(
        "client__agency", "requested_by", "postmortem__incident", "plan_revision"
    ).get(pk=report_id)
    try:
        with timezone.override(report.client.agency.time_zone):
            content = report_content(report)
            _progress(report_id, generation, 25)
            rendered = render_template_to_pdf(
                content.template,
                content.context,
                progress=lambda p: _progress(report_id, generation, p),
            )
    except ReportUnavailable as e:
        _fail(report_id, generation, str(e))
        return "failed"
    except SoftTimeLimitExceeded:
        _fail(report_id, generation, TOO_SLOW)
        return "failed"
    except Exception:
        logger.exception("Report %s (generation %s) failed", report.public_id, generation)
        _fail(report_id, generation, UNEXPECTED)
        return "failed"
    if rendered.refused:
        logger.warning(
            "Report %s: the renderer refused %d URL(s): %s",
            report.public_id,
            len(rendered.refused),
            ", ".join(u[:80] for u in rendered.refused[:5]),
        )
    storage = report.file.storage
    name = storage.save(
        f"reports/{report.client.public_id}/{report.public_id}-{generation}.pdf",
        ContentFile(rendered.pdf),
    )
    with transaction.atomic():
        current = Report.objects.select_for_update().get(pk=report_id)
        if current.generation != generation or current.status != ReportStatus.RUNNING:
            # Overtaken while rendering: the newer request will store its own file.
            transaction.on_commit(lambda: storage.delete(name))
            return "skipped"
        old = current.file.name or ""
        current.file.name = name
        current.file_generation = generation
        current.status = ReportStatus.DONE
        current.progress = 100
        current.pages = rendered.pages
        current.byte_size = len(rendered.pdf)
        current.render_seconds = round(rendered.seconds, 3)
        current.finished_at = timezone.now()
        current.save()
        if current.kind == ReportKind.POSTMORTEM:
            webhook_events.emit_postmortem_ready(report=current)
        if old and old != name:
            transaction.on_commit(lambda: storage.delete(old))
    return "done"
