"""Background tasks of monitoring: scheduling and polling sources, detecting alerts,
delivering webhooks. Tasks take ids and call services (incidents.polling, .alerts,
.webhooks); they are acknowledged late, so a worker killed mid-task has it run again,
which the services make harmless (source lock, unique mentions, idempotent alerts)."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db.models import Q
from django.utils import timezone

from clients.models import Client
from incidents.alerts import detect_for_client
from incidents.models import Mention, Source, SourceKind, WebhookDelivery
from incidents.polling import LOCK_TIMEOUT, claim_source, poll_source, release_source
from incidents.webhooks import (
    MAX_RETRIES,
    DeliveryFailed,
    attempt_delivery,
    deliveries_prune,
    retry_delay,
)

logger = logging.getLogger(__name__)

# A poll fetches at most a few MB with a 30 s deadline; the limits leave room for parsing
# and storing, and stay well inside LOCK_TIMEOUT so a live poll never loses its lock.
POLL_SOFT_LIMIT = 120
POLL_HARD_LIMIT = 180
DETECT_LOOKBACK = timedelta(hours=1)


@shared_task(ignore_result=True)
def schedule_due_sources() -> int:
    """Queue a poll of every enabled polled source that is due and not being polled.
    (Beat, every minute.) Returns how many were queued."""
    now = timezone.now()
    due = list(
        Source.objects.filter(enabled=True, next_poll_at__lte=now)
        .exclude(kind=SourceKind.PUSH)
        .filter(Q(polling_since__isnull=True) | Q(polling_since__lt=now - LOCK_TIMEOUT))
        .values_list("pk", "next_poll_at")
    )
    queued = 0
    for pk, next_poll_at in due:
        # Push the due time on while the message waits in the queue, so the next beat
        # does not queue it again; the poll sets the real next time. A lost message is
        # re-queued after LOCK_TIMEOUT.
        moved = Source.objects.filter(pk=pk, next_poll_at=next_poll_at).update(
            next_poll_at=now + LOCK_TIMEOUT
        )
        if moved:
            poll_source_task.delay(pk)
            queued += 1
    return queued


@shared_task(
    acks_late=True, soft_time_limit=POLL_SOFT_LIMIT, time_limit=POLL_HARD_LIMIT, ignore_result=True
)
def poll_source_task(source_id: int) -> None:
    """Poll one source under its lock; the lock is always given back."""
    now = timezone.now()
    if not claim_source(source_id, now=now):
        logger.info("Source %s is being polled by another worker", source_id)
        return
    released = False
    try:
        source = Source.objects.filter(pk=source_id, enabled=True).first()
        if source is not None:
            # The poll's health update gives the lock back in the same statement.
            released = poll_source(source=source, claimed_at=now).lock_released
    except SoftTimeLimitExceeded:
        Source.objects.filter(pk=source_id).update(
            last_error="Polling took too long and was stopped; we will retry later.",
            last_error_at=timezone.now(),
            next_poll_at=timezone.now() + timedelta(minutes=15),
        )
    finally:
        if not released:
            release_source(source_id, claimed_at=now)


@shared_task(ignore_result=True)
def detect_alerts() -> int:
    """Queue alert detection for every client with recent mentions. (Beat, every 5 min.)"""
    since = timezone.now() - DETECT_LOOKBACK
    client_ids = set(
        Mention.objects.filter(Q(fetched_at__gte=since) | Q(published_at__gte=since))
        .values_list("client_id", flat=True)
        .distinct()
    )
    for client_id in sorted(client_ids):
        detect_client_alerts_task.delay(client_id)
    return len(client_ids)


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300, ignore_result=True)
def detect_client_alerts_task(client_id: int) -> None:
    client = Client.objects.select_related("agency").filter(pk=client_id).first()
    if client is not None:
        detect_for_client(client=client)


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES, ignore_result=True)
def deliver_webhook(self: Task[[int], None], delivery_id: int) -> None:
    """Post one webhook delivery; no connection, 5xx, 408 and 429 answers are retried
    with exponential back-off (webhooks.retry_delay), MAX_RETRIES times."""
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None:
        return
    try:
        attempt_delivery(delivery=delivery)
    except DeliveryFailed as exc:
        raise self.retry(exc=exc, countdown=retry_delay(self.request.retries)) from exc


@shared_task(ignore_result=True)
def prune_webhook_deliveries() -> int:
    """Forget old webhook deliveries (beat, daily): the log keeps 30 days."""
    return deliveries_prune()


# The war room's tasks live in their own module; importing them here registers them with
# the worker, which autodiscovers `incidents.tasks` only.
from incidents.drill_tasks import replay_drill  # noqa: E402,F401
from incidents.incident_tasks import notify_stakeholders  # noqa: E402,F401
from incidents.postmortem_tasks import send_action_item_reminders  # noqa: E402,F401
from incidents.report_tasks import generate_report  # noqa: E402,F401
