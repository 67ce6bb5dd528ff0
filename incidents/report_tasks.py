"""The Celery tasks of stored PDF reports: generating one (it takes ids and calls the
service, incidents/reports.py, which makes a retry harmless), and the beat task that
marks failed the reports whose task was lost."""

from __future__ import annotations

from celery import shared_task

# A 1,000-entry post-mortem renders in seconds; the limits only stop a runaway layout.
SOFT_LIMIT = 300
HARD_LIMIT = 360


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=SOFT_LIMIT, time_limit=HARD_LIMIT)
def generate_report(report_id: int, generation: int) -> str:
    from incidents.reports import report_generate

    return report_generate(report_id=report_id, generation=generation)


@shared_task(ignore_result=True)
def fail_stalled_reports() -> int:
    """Beat: reports whose task was lost are marked failed (incidents.reports)."""
    from incidents.reports import reports_fail_stalled

    return reports_fail_stalled()
