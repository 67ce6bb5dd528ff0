"""Background tasks of the portal app."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage


@shared_task(
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=1800,
    max_retries=8,
    acks_late=True,
)
def send_email(*, to: list[str], subject: str, body: str) -> None:
    """Send one plain-text email. SMTP failures (OSError) are retried with back-off."""
    EmailMessage(
        subject=subject.replace("\n", " ")[:200],
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
    ).send()
