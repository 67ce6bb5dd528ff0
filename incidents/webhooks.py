"""Signed webhooks, both ways.

Outgoing: an event (e.g. "alert.raised") becomes one WebhookDelivery per active endpoint
of the agency subscribed to it, posted by the `deliver_webhook` task after commit, with
retries and back-off. The POST goes through the feed fetcher's address checks: an
endpoint cannot reach loopback, private or link-local (cloud metadata) addresses unless
FEED_ALLOWED_HOSTS allows the host, and the connection goes to the checked addresses,
each in turn until one accepts it (a refused or timed-out connect sent nothing, so the
next address is tried). An endpoint that fails `DISABLE_AFTER` delivery attempts in a
row is switched off (its page says why); turning it back on starts the count again. A
failed attempt that may succeed later (no connection, a 5xx, 408 or 429) is retried
`MAX_RETRIES` times, the delays doubling from `retry_delay(0)` (30 s) to an hour, one to
two hours in all.

The events, their payloads and where they are emitted: incidents/webhook_events.py.
Managing endpoints (create, edit, enable, rotate the secret, test ping, redeliver):
the `endpoint_*` functions below, called by clients/views/webhooks.py.

Signature (outgoing and inbound push alike), Stripe-style:
    X-Firebreak-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">
keyed with the endpoint's (or push source's) secret. The timestamp is signed, so a
captured delivery cannot be replayed later than `TOLERANCE` seconds.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import random
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import httpx
from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from clients.models import Agency
from incidents.models import WebhookDelivery, WebhookEndpoint, new_secret
from incidents.monitoring.fetch import FetchError, FetchSettings, _ssl_context, check_url

SIGNATURE_HEADER = "X-Firebreak-Signature"
TOLERANCE = 300  # seconds
DISABLE_AFTER = 10
MAX_RETRIES = 8
RETRY_BASE_SECONDS = 30.0
RETRY_MAX_SECONDS = 3600.0
TIMEOUT_SECONDS = 10.0
# Connecting to the addresses of an endpoint's name, one after another, stops after this
# many timeouts' worth of time.
ADDRESSES_TIMEOUT_FACTOR = 3
MAX_RESPONSE_CHARS = 500
PING = "ping"
KEEP_DELIVERIES = timedelta(days=30)  # the delivery log's memory (each keeps its payload)


def disable_after() -> int:
    """Failed attempts in a row that switch an endpoint off (tests lower it)."""
    return int(getattr(django_settings, "WEBHOOK_DISABLE_AFTER", DISABLE_AFTER))


def retry_delay(retries: int) -> float:
    """Seconds before retry number `retries` + 1: doubling from the base, capped at an
    hour, with jitter (half fixed, half random) so a recovering endpoint is not hit by
    every queued delivery in the same second."""
    base = float(getattr(django_settings, "WEBHOOK_RETRY_BASE_SECONDS", RETRY_BASE_SECONDS))
    delay = min(math.ldexp(base, retries), RETRY_MAX_SECONDS)  # base * 2**retries
    return delay / 2 + random.uniform(0, delay / 2)


# --------------------------------------------------------------------------- signatures


def sign(body: bytes, secret: str, *, timestamp: int | None = None) -> str:
    """The signature header value for `body`."""
    ts = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


class SignatureError(Exception):
    """Why a signature was refused, in words for the sender."""


def verify(body: bytes, header: str | None, secret: str, *, now: float | None = None) -> None:
    """Raise SignatureError unless `header` signs `body` with `secret` recently enough."""
    if not header:
        raise SignatureError(f"The {SIGNATURE_HEADER} header is missing.")
    ts_text = ""
    macs: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            ts_text = value
        elif key == "v1":
            macs.append(value)
    if not ts_text.isdigit() or not macs:
        raise SignatureError(
            f"The {SIGNATURE_HEADER} header must read t=<unix time>,v1=<hex HMAC-SHA256>."
        )
    current = time.time() if now is None else now
    if abs(current - int(ts_text)) > TOLERANCE:
        raise SignatureError(
            f"The signature timestamp is more than {TOLERANCE // 60} minutes away from our "
            "clock; sign each delivery when it is sent."
        )
    expected = hmac.new(secret.encode(), ts_text.encode() + b"." + body, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, mac) for mac in macs):
        raise SignatureError("The signature does not match the body and the secret.")


# --------------------------------------------------------------------------- outgoing


def queue_events(
    *, agency_id: int, event: str, datas: Sequence[dict[str, Any]]
) -> list[WebhookDelivery]:
    """Create a delivery of each event (of type `event`, one per item of `datas`) for
    each subscribed active endpoint of the agency; they are posted after the surrounding
    transaction commits. The endpoints are read once and every delivery is written by
    one insert, so the alerts one detection run opens cost no more queries than one."""
    from incidents.tasks import deliver_webhook

    if not datas:
        return []
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(agency_id=agency_id, active=True)
        if event in (endpoint.events or []) or "*" in (endpoint.events or [])
    ]
    deliveries = WebhookDelivery.objects.bulk_create(
        [_delivery(endpoint, event, data) for data in datas for endpoint in endpoints]
    )
    for delivery in deliveries:
        transaction.on_commit(partial(deliver_webhook.delay, delivery.pk))
    return deliveries


def _delivery(endpoint: WebhookEndpoint, event: str, data: dict[str, Any]) -> WebhookDelivery:
    """A delivery of its own event id, not saved yet."""
    event_id = uuid.uuid4()
    payload = {
        "id": str(event_id),
        "type": event,
        "created": timezone.now().isoformat(),
        "data": data,
    }
    return WebhookDelivery(endpoint=endpoint, event=event, event_id=event_id, payload=payload)


def _new_delivery(endpoint: WebhookEndpoint, event: str, data: dict[str, Any]) -> WebhookDelivery:
    delivery = _delivery(endpoint, event, data)
    delivery.save()
    return delivery


class DeliveryFailed(Exception):
    """A delivery attempt that may succeed later (network error, 5xx, 429)."""


@dataclass(frozen=True, slots=True)
class Attempt:
    delivered: bool
    status: int | None
    response: str
    retry: bool


def _post(url: str, body: bytes, headers: dict[str, str], settings: FetchSettings) -> Attempt:
    try:
        parsed, addresses = check_url(url, settings)
    except FetchError as exc:
        return Attempt(False, None, exc.user_message.replace("feed ", "webhook "), retry=False)
    host_header = parsed.netloc.decode("ascii").rsplit("@", 1)[-1]
    extensions: dict[str, Any] = {}
    if parsed.scheme == "https":
        extensions["sni_hostname"] = parsed.raw_host.decode("ascii")
    with httpx.Client(
        verify=_ssl_context(),
        trust_env=False,
        follow_redirects=False,
        timeout=httpx.Timeout(TIMEOUT_SECONDS),
        limits=httpx.Limits(max_keepalive_connections=0),
    ) as client:
        last = "Could not connect to the webhook endpoint."
        # Each address may take the whole connect timeout: a name with many dead addresses
        # must not hold the worker for minutes.
        give_up = time.monotonic() + TIMEOUT_SECONDS * ADDRESSES_TIMEOUT_FACTOR
        for address in addresses:
            if time.monotonic() >= give_up:
                break
            request = client.build_request(
                "POST",
                parsed.copy_with(host=address),
                content=body,
                headers={**headers, "Host": host_header},
                extensions=extensions,
            )
            try:
                response = client.send(request, stream=True)
                try:
                    text = b""
                    for chunk in response.iter_raw():
                        text += chunk
                        if len(text) >= MAX_RESPONSE_CHARS:
                            break
                    status = response.status_code
                finally:
                    response.close()
            except httpx.ConnectTimeout:
                # Not an httpx.ConnectError: without this the attempt ended here, however
                # many other addresses the name has (a dead server of a pool, an IPv6
                # address the network cannot reach). Nothing was sent: try the next one.
                last = (
                    "The webhook endpoint did not accept a connection within "
                    f"{TIMEOUT_SECONDS:g} seconds."
                )
                continue
            except httpx.ConnectError as exc:
                last = f"Could not connect to the webhook endpoint ({exc})."
                continue
            except httpx.HTTPError as exc:
                return Attempt(False, None, f"The webhook endpoint failed: {exc}.", retry=True)
            snippet = text.decode("utf-8", "replace")[:MAX_RESPONSE_CHARS]
            ok = 200 <= status < 300
            retry = not ok and (status >= 500 or status in (408, 429))
            return Attempt(ok, status, snippet, retry=retry)
        return Attempt(False, None, last[:MAX_RESPONSE_CHARS], retry=True)


def attempt_delivery(*, delivery: WebhookDelivery, settings: FetchSettings | None = None) -> bool:
    """Post one delivery once and record the attempt. True when delivered (or already
    delivered, or the endpoint is off); raises DeliveryFailed when a retry may help."""
    if delivery.delivered_at is not None:
        return True
    endpoint = delivery.endpoint
    is_ping = delivery.event == PING
    if not endpoint.active and not is_ping:
        # A test ping may check a switched-off endpoint before it is turned back on.
        return False
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Firebreak-Webhooks/1.0",
        "X-Firebreak-Event": delivery.event,
        "X-Firebreak-Delivery": str(delivery.event_id),
        SIGNATURE_HEADER: sign(body, endpoint.secret),
    }
    attempt = _post(endpoint.url, body, headers, settings or FetchSettings.from_django())
    now = timezone.now()
    delivery.attempts += 1
    delivery.last_status = attempt.status
    delivery.last_response = attempt.response[:MAX_RESPONSE_CHARS]
    delivery.last_attempt_at = now
    if attempt.delivered:
        delivery.delivered_at = now
    delivery.save(
        update_fields=[
            "attempts",
            "last_status",
            "last_response",
            "last_attempt_at",
            "delivered_at",
        ]
    )
    if is_ping:
        return attempt.delivered  # a test: one attempt, no effect on the failure count
    if attempt.delivered:
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=0)
        return True
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        consecutive_failures=F("consecutive_failures") + 1
    )
    limit = disable_after()
    answer = f"HTTP {attempt.status}" if attempt.status else attempt.response
    switched_off = WebhookEndpoint.objects.filter(
        pk=endpoint.pk, active=True, consecutive_failures__gte=limit
    ).update(
        active=False,
        disabled_at=now,
        disabled_reason=(
            f"Switched off automatically after {limit} failed delivery attempts in a row. "
            f"The last one: {answer}"
        )[:600],
    )
    if attempt.retry and not switched_off:
        raise DeliveryFailed(f"{endpoint.url}: {attempt.status or attempt.response}")
    return False


def delivery_state(delivery: WebhookDelivery) -> str:
    """ "delivered", "pending" (not tried yet) or "failed" (tried, not delivered: it may
    still be retried while attempts remain)."""
    if delivery.delivered_at is not None:
        return "delivered"
    return "pending" if delivery.attempts == 0 else "failed"


# --------------------------------------------------------------------------- management


class WebhookError(Exception):
    """A refused change, in words for the person who clicked."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def endpoint_create(*, agency: Agency, url: str, events: list[str]) -> WebhookEndpoint:
    """A new active endpoint with a fresh signing secret."""
    return WebhookEndpoint.objects.create(agency=agency, url=url, events=sorted(set(events)))


def endpoint_update(*, endpoint: WebhookEndpoint, url: str, events: list[str]) -> WebhookEndpoint:
    endpoint.url = url
    endpoint.events = sorted(set(events))
    endpoint.save(update_fields=["url", "events"])
    return endpoint


def endpoint_enable(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Switch an endpoint back on; the count of failures in a row starts again."""
    if endpoint.active:
        raise WebhookError("This endpoint is already on.")
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        active=True, consecutive_failures=0, disabled_at=None, disabled_reason=""
    )
    endpoint.refresh_from_db()
    return endpoint


def endpoint_disable(*, endpoint: WebhookEndpoint, by_name: str) -> WebhookEndpoint:
    if not endpoint.active:
        raise WebhookError("This endpoint is already off.")
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        active=False,
        disabled_at=timezone.now(),
        disabled_reason=f"Switched off by {by_name}."[:600],
    )
    endpoint.refresh_from_db()
    return endpoint


def endpoint_rotate_secret(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """A new signing secret; deliveries signed from now on use it (retries included)."""
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret"])
    return endpoint


def endpoint_ping(*, endpoint: WebhookEndpoint, by_name: str) -> WebhookDelivery:
    """Queue a signed test event to this endpoint only (also when it is switched off):
    one attempt, logged like any delivery, with no effect on the failure count."""
    from incidents.tasks import deliver_webhook

    with transaction.atomic():
        delivery = _new_delivery(
            endpoint,
            PING,
            {
                "message": "A test ping from Firebreak: if you can read this, deliveries work.",
                "sent_by": by_name,
                "agency": endpoint.agency.name,
            },
        )
        transaction.on_commit(partial(deliver_webhook.delay, delivery.pk))
    return delivery


def delivery_resend(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send an undelivered event again (same event id, so receivers can de-duplicate)."""
    from incidents.tasks import deliver_webhook

    if delivery.delivered_at is not None:
        raise WebhookError("This event was delivered already.")
    if not delivery.endpoint.active and delivery.event != PING:
        raise WebhookError("Turn the endpoint back on before sending its events again.")
    transaction.on_commit(partial(deliver_webhook.delay, delivery.pk))
    return delivery


def deliveries_prune(*, now: datetime | None = None) -> int:
    """Forget deliveries older than KEEP_DELIVERIES (by when the event happened; a
    retry still under way is at most a few hours old). Returns how many went."""
    cutoff = (now or timezone.now()) - KEEP_DELIVERIES
    deleted, _ = WebhookDelivery.objects.filter(created_at__lt=cutoff).delete()
    return deleted
