"""The Celery task that generates a stored PDF report. It takes ids and calls the
service (incidents/reports.py), which makes a retry harmless."""

from __future__ import annotations

from celery import shared_task

# A 1,000-entry post-mortem renders in seconds; the limits only stop a runaway layout.
SOFT_LIMIT = 300
HARD_LIMIT = 360


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=SOFT_LIMIT, time_limit=HARD_LIMIT)
def generate_report(report_id: int, generation: int) -> str:
    from incidents.reports import report_generate

    return report_generate(report_id=report_id, generation=generation)
