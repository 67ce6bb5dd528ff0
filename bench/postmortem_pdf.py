"""Post-mortem PDF time: an incident with 1,000 timeline entries, its PDF made through
the product's path, beside WeasyPrint alone laying out the same HTML (the limit).

    python -m bench.postmortem_pdf [--entries 1000] [--rounds 5]

The product's path is what a click on "Generate PDF" runs: `report_request_postmortem`
queues the `generate_report` task (run in-process here, CELERY_TASK_ALWAYS_EAGER), which
claims the report, reads the post-mortem through the requester's scope, computes the
metrics and the charts, renders the Django template, lays it out with WeasyPrint through
the safe URL fetcher (the stylesheet read from the static files) and stores the file.
The limit is `weasyprint.HTML(string=…).write_pdf()` on the very HTML that path renders,
with the stylesheet inlined, so it fetches nothing. A throwaway SQLite database is
migrated in a temporary FIREBREAK_VAR_DIR. The two alternate for `--rounds` rounds; it
prints the medians, and the last line, the best of each, reads
`postmortem_pdf: <s> s (weasyprint alone <s> s, ratio <R>)`.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import tempfile
import time
from datetime import timedelta
from typing import Any


def setup_django(var_dir: str) -> None:
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"
    from bench.incident_page import setup_django as setup

    setup(var_dir)


def build_world(entries: int) -> Any:
    """A resolved incident of 1,000 entries (every third shared with the client), 300
    mentions around it, statements, tasks and a final post-mortem with action items."""
    from django.utils import timezone

    from clients.models import Agency, Client, Membership, Role
    from incidents.models import (
        ActionItem,
        Incident,
        IncidentStatus,
        IncidentTask,
        Mention,
        PostMortem,
        PostMortemStatus,
        Source,
        Statement,
        StatementStatus,
        TimelineEntry,
        Visibility,
    )
    from portal.models import User

    agency = Agency.objects.create(name="Bench Communications", time_zone="Europe/London")
    client = Client.objects.create(agency=agency, name="Bench Foods")
    user = User.objects.create_user(email="bench@bench.test", password=None, full_name="Bea Bench")
    Membership.objects.create(agency=agency, user=user, role=Role.OWNER)
    now = timezone.now()
    opened = now - timedelta(days=2)
    incident = Incident.objects.create(
        client=client,
        title="Contaminated yoghurt batch",
        severity=3,
        status=IncidentStatus.RESOLVED,
        opened_by=user,
        detected_at=opened,
        opened_at=opened,
        acknowledged_at=opened + timedelta(minutes=12),
        first_statement_at=opened + timedelta(minutes=50),
        resolved_at=opened + timedelta(hours=30),
    )
    TimelineEntry.objects.bulk_create(
        TimelineEntry(
            incident=incident,
            author=user,
            visibility=Visibility.CLIENT if n % 3 == 0 else Visibility.INTERNAL,
            starred=n % 50 == 0,
            text=f"Entry {n}: the team checked the latest coverage, briefed the client "
            f"and agreed the next step with the spokesperson.",
            created_at=opened + timedelta(minutes=n * 30 * 60 // max(entries, 1)),
        )
        for n in range(entries)
    )
    source = Source.objects.create(client=client, name="News", url="https://news.example/feed")
    Mention.objects.bulk_create(
        Mention(
            client=client,
            source=source,
            external_id=f"m-{n}",
            text=f"Mention {n} about Bench Foods",
            published_at=opened - timedelta(hours=20) + timedelta(minutes=n * 15),
            sentiment=-0.6 if n % 3 else 0.4,
            sentiment_label="negative" if n % 3 else "positive",
        )
        for n in range(300)
    )
    for n in range(6):
        Statement.objects.create(
            incident=incident,
            channel="x",
            body=f"Update {n}: we are recalling batch 42 as a precaution.",
            status=StatementStatus.PUBLISHED,
            published_at=opened + timedelta(hours=n * 4 + 1),
            author=user,
        )
    IncidentTask.objects.bulk_create(
        IncidentTask(
            incident=incident,
            title=f"Task {n}",
            due_at=opened + timedelta(hours=n),
            done_at=opened + timedelta(hours=n, minutes=30 if n % 4 else 90),
        )
        for n in range(20)
    )
    pm = PostMortem.objects.create(
        incident=incident,
        status=PostMortemStatus.FINAL,
        shared_with_client=True,
        author=user,
        summary="A contaminated batch was recalled within two days. " * 8,
        impact="Two days of negative coverage in trade press. " * 6,
        went_well="The holding statement was out within the hour. " * 6,
        went_badly="Legal review took three hours. " * 6,
        root_causes="No pre-approved recall template. " * 6,
        lessons="Pre-approve the recall template and rehearse it. " * 6,
    )
    ActionItem.objects.bulk_create(
        ActionItem(postmortem=pm, title=f"Action {n}", owner_role="Crisis lead", created_by=user)
        for n in range(8)
    )
    return pm, user


def product_path(pm: Any, user: Any) -> float:
    from incidents.models import ReportStatus
    from incidents.reports import report_request_postmortem

    began = time.perf_counter()
    report = report_request_postmortem(postmortem=pm, variant="internal", paper_size="a4", by=user)
    elapsed = time.perf_counter() - began
    report.refresh_from_db()
    if report.status != ReportStatus.DONE:
        raise SystemExit(f"the report was not made: {report.status} {report.error}")
    return elapsed


def same_html(pm: Any) -> str:
    """The HTML the product's path renders for this report, stylesheet inlined."""
    from django.template.loader import render_to_string
    from django.utils import timezone

    from incidents.models import Report
    from incidents.report_content import report_content
    from portal.pdf import STATIC_PREFIX, static_path, static_url

    report = Report.objects.get(postmortem=pm, variant="internal")
    with timezone.override(report.client.agency.time_zone):
        content = report_content(report)
        html = render_to_string(
            content.template, {"pdf_css": static_url("css/pdf.css"), **content.context}
        )
    css_path = static_path(STATIC_PREFIX + "css/pdf.css")
    assert css_path is not None
    link = f'<link rel="stylesheet" href="{static_url("css/pdf.css")}">'
    assert link in html
    return html.replace(link, f"<style>{css_path.read_text()}</style>")


def weasyprint_alone(html: str) -> float:
    from weasyprint import HTML

    began = time.perf_counter()
    HTML(string=html).write_pdf()
    return time.perf_counter() - began


def run(entries: int, rounds: int) -> int:
    import logging

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    pm, user = build_world(entries)
    product_path(pm, user)  # warm up: templates, fonts, imports
    html = same_html(pm)
    product: list[float] = []
    limit: list[float] = []
    for i in range(rounds):
        # Alternate which goes first, and start each from a collected heap, so that
        # neither side always meets the other's garbage or a busier moment.
        order = [(product, lambda: product_path(pm, user)), (limit, lambda: weasyprint_alone(html))]
        for times, measure in order if i % 2 == 0 else order[::-1]:
            gc.collect()
            times.append(measure())
        print(
            f"round {i + 1}: product path {product[-1]:.2f} s, weasyprint alone {limit[-1]:.2f} s"
        )
    from incidents.models import Report

    report = Report.objects.get(postmortem=pm, variant="internal")
    print(f"{entries} timeline entries, {report.pages} pages, {report.byte_size:,} bytes")
    med_product, med_limit = statistics.median(product), statistics.median(limit)
    print(
        f"medians: product path {med_product:.2f} s, weasyprint alone {med_limit:.2f} s, "
        f"ratio {med_product / med_limit:.2f}"
    )
    best, floor = min(product), min(limit)
    print(
        f"postmortem_pdf: {best:.2f} s (weasyprint alone {floor:.2f} s, ratio {best / floor:.2f})"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="firebreak-bench-") as var_dir:
        setup_django(var_dir)
        return run(args.entries, args.rounds)


if __name__ == "__main__":
    raise SystemExit(main())
