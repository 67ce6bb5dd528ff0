"""Queue email for the worker. Mail leaves only after the surrounding transaction commits,
so a rolled-back invitation never sends a link that does not exist."""

from __future__ import annotations

from django.db import transaction
from django.template.loader import render_to_string


def queue_email(*, to: list[str], subject: str, template: str, context: dict[str, object]) -> None:
    from portal.tasks import send_email

    body = render_to_string(template, context)
    transaction.on_commit(lambda: send_email.delay(to=to, subject=subject, body=body))
