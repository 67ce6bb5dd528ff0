"""Outgoing webhooks end to end: the war room's events reach a real local HTTP server,
signed so the receiver can check them; a failing receiver is retried with back-off by a
real Celery worker and switched off after failures in a row, with the reason recorded."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone

from incidents import webhooks
from incidents.incident_services import incident_change_severity
from incidents.models import WebhookDelivery, WebhookEndpoint
from incidents.statement_services import statement_approve, statement_draft, statement_publish
from incidents.tasks import prune_webhook_deliveries
from incidents.webhook_events import (
    ALERT_RAISED,
    INCIDENT_OPENED,
    POSTMORTEM_READY,
    SEVERITY_CHANGED,
    STATEMENT_PUBLISHED,
)
from incidents.webhooks import (
    SIGNATURE_HEADER,
    DeliveryFailed,
    SignatureError,
    attempt_delivery,
    retry_delay,
    sign,
    verify,
)
from tests.incidents.incident_factories import an_incident
from tests.incidents.local_server import LocalServer, Route, Seen, local_server, unanswered
from tests.waiting import wait_for


@pytest.fixture
def hook_server(settings) -> Iterator[LocalServer]:
    settings.FEED_ALLOWED_HOSTS = ["127.0.0.1"]
    with local_server() as srv:
        yield srv


def checked(seen: Seen, endpoint: WebhookEndpoint) -> dict:
    """The payload of a request the server saw, after checking its signature as a
    receiver would."""
    verify(seen.body, seen.headers[SIGNATURE_HEADER.lower()], endpoint.secret)
    payload = json.loads(seen.body)
    assert seen.headers["x-firebreak-event"] == payload["type"]
    assert seen.headers["x-firebreak-delivery"] == payload["id"]
    assert seen.headers["content-type"] == "application/json"
    return payload


def test_an_opened_incident_reaches_the_subscribed_endpoint_signed(cast, hook_server, on_commit):
    hook_server.routes["/hook"] = Route(body=b"ok")
    endpoint = WebhookEndpoint.objects.create(
        agency=cast.agency, url=f"{hook_server.url}/hook", events=[INCIDENT_OPENED]
    )
    WebhookEndpoint.objects.create(
        agency=cast.agency, url=f"{hook_server.url}/statements", events=[STATEMENT_PUBLISHED]
    )
    WebhookEndpoint.objects.create(
        agency=cast.other_agency, url=f"{hook_server.url}/rival", events=[INCIDENT_OPENED]
    )
    incident = on_commit(lambda: an_incident(cast, title="Yoghurt recall", severity=3))
    assert [s.path for s in hook_server.seen] == ["/hook"]  # not the others
    payload = checked(hook_server.seen[0], endpoint)
    assert payload["type"] == "incident.opened"
    data = payload["data"]
    assert data["incident"]["id"] == str(incident.public_id)
    assert data["incident"]["title"] == "Yoghurt recall"
    assert data["incident"]["severity"] == 3
    assert data["incident"]["url"].endswith(f"/incidents/{incident.public_id}/")
    assert data["client"] == {"id": str(cast.client.public_id), "name": "Acme Foods"}
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.delivered_at is not None and delivery.last_status == 200
    assert delivery.last_response == "ok" and delivery.last_attempt_at is not None


def test_severity_changes_and_published_statements_are_sent(cast, hook_server, on_commit):
    hook_server.routes["/hook"] = Route(body=b"thanks")
    endpoint = WebhookEndpoint.objects.create(
        agency=cast.agency,
        url=f"{hook_server.url}/hook",
        events=[SEVERITY_CHANGED, STATEMENT_PUBLISHED],
    )
    incident = on_commit(lambda: an_incident(cast, severity=2))
    assert hook_server.seen == []  # not subscribed to incident.opened
    on_commit(
        lambda: incident_change_severity(
            incident=incident, by=cast.owner, severity=4, reason="National press picked it up."
        )
    )
    statement = statement_draft(
        incident=incident, by=cast.staff, channel="x", body="We are recalling one batch."
    )
    statement_approve(statement=statement, by=cast.manager)
    on_commit(
        lambda: statement_publish(
            statement=statement, by=cast.staff, url="https://x.com/acme/status/1"
        )
    )
    severity, published = (checked(s, endpoint) for s in hook_server.seen)
    assert severity["type"] == "incident.severity_changed"
    assert severity["data"]["previous_severity"] == 2 and severity["data"]["severity"] == 4
    assert severity["data"]["reason"] == "National press picked it up."
    assert severity["data"]["incident"]["severity"] == 4
    assert published["type"] == "statement.published"
    assert published["data"]["statement"]["body"] == "We are recalling one batch."
    assert published["data"]["statement"]["published_url"] == "https://x.com/acme/status/1"
    assert published["data"]["incident"]["id"] == str(incident.public_id)


def test_a_finished_postmortem_report_is_announced(cast, hook_server, on_commit):
    from incidents.reports import report_request_postmortem
    from tests.incidents.report_helpers import a_final_postmortem

    hook_server.routes["/hook"] = Route(body=b"ok")
    endpoint = WebhookEndpoint.objects.create(
        agency=cast.agency, url=f"{hook_server.url}/hook", events=[POSTMORTEM_READY]
    )
    postmortem = a_final_postmortem(cast, title="Yoghurt recall")
    report = on_commit(
        lambda: report_request_postmortem(
            postmortem=postmortem, variant="client", paper_size="a4", by=cast.owner
        )
    )
    report.refresh_from_db()
    assert report.status == "done"
    (seen,) = hook_server.requests_to("/hook")
    payload = checked(seen, endpoint)
    assert payload["type"] == "postmortem.ready"
    data = payload["data"]
    assert data["postmortem"]["id"] == str(postmortem.public_id)
    assert data["postmortem"]["variant"] == "client" and data["postmortem"]["pages"] >= 1
    assert data["postmortem"]["pdf_url"].endswith(f"/reports/{report.public_id}/download/")
    assert data["incident"]["id"] == str(postmortem.incident.public_id)


def test_a_raised_alert_is_sent_with_a_link_to_it(cast, hook_server, on_commit, client, settings):
    from incidents.alerts import record_detected
    from incidents.detection.detector import Alert as Detected
    from incidents.detection.detector import AlertKind, Severity

    settings.SITE_URL = "https://firebreak.example.com"
    hook_server.routes["/hook"] = Route(body=b"ok")
    endpoint = WebhookEndpoint.objects.create(
        agency=cast.agency, url=f"{hook_server.url}/hook", events=[ALERT_RAISED]
    )
    now = timezone.now()
    detected = Detected(
        kind=AlertKind.VOLUME_SPIKE,
        score=6.5,
        severity=Severity.HIGH,
        window_start=now - timedelta(minutes=15),
        window_end=now,
        observed=80,
        expected=4,
        explanation="80 mentions in 15 minutes, about 4 expected.",
    )
    alert = on_commit(lambda: record_detected(client=cast.client, detected=detected, now=now))
    (seen,) = hook_server.requests_to("/hook")
    payload = checked(seen, endpoint)
    assert payload["type"] == "alert.raised"
    data = payload["data"]
    assert data["client"] == {"id": str(cast.client.public_id), "name": "Acme Foods"}
    assert data["alert"]["id"] == str(alert.public_id)
    assert data["alert"]["kind"] == "volume_spike" and data["alert"]["severity"] == "high"
    assert data["alert"]["explanation"] == "80 mentions in 15 minutes, about 4 expected."
    url = data["alert"]["url"]
    assert url.startswith("https://firebreak.example.com/clients/")
    assert url.endswith(f"/monitoring/alerts/?alert={alert.public_id}#alert-{alert.public_id}")
    # The link shows the alert to someone of the agency.
    client.force_login(cast.owner)
    page = client.get(url.removeprefix(settings.SITE_URL).split("#")[0])
    assert page.status_code == 200
    assert f'id="alert-{alert.public_id}"' in page.text


@pytest.fixture
def two_addresses(hook_server, monkeypatch, settings) -> Iterator[int]:
    """hooks.internal.test resolves to 127.0.0.2 (a server that never answers a
    connection) first, then 127.0.0.1 (the hook server); the hook server's port."""
    port = int(hook_server.url.rsplit(":", 1)[1])
    real = socket.getaddrinfo

    def resolve(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        if host == "hooks.internal.test":
            return real("127.0.0.2", *args, **kwargs) + real("127.0.0.1", *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    monkeypatch.setattr(webhooks, "TIMEOUT_SECONDS", 0.5)
    settings.FEED_ALLOWED_HOSTS = ["hooks.internal.test"]
    with unanswered("127.0.0.2", port):
        yield port


def test_a_connect_timeout_on_one_address_tries_the_next(cast, hook_server, two_addresses):
    hook_server.routes["/hook"] = Route(body=b"ok")
    endpoint = WebhookEndpoint.objects.create(
        agency=cast.agency,
        url=f"http://hooks.internal.test:{two_addresses}/hook",
        events=[INCIDENT_OPENED],
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event=INCIDENT_OPENED, payload={"data": {}}
    )
    started = time.monotonic()
    assert attempt_delivery(delivery=delivery) is True
    assert time.monotonic() - started >= 0.5  # the first address was waited for
    (seen,) = hook_server.requests_to("/hook")
    assert seen.headers["host"] == f"hooks.internal.test:{two_addresses}"
    verify(seen.body, seen.headers[SIGNATURE_HEADER.lower()], endpoint.secret)
    delivery.refresh_from_db()
    assert delivery.last_status == 200 and delivery.delivered_at is not None
    assert delivery.attempts == 1


def test_the_addresses_of_a_name_are_still_checked_before_any_is_tried(
    cast, hook_server, two_addresses, settings
):
    settings.FEED_ALLOWED_HOSTS = []
    endpoint = WebhookEndpoint.objects.create(
        agency=cast.agency,
        url=f"http://hooks.internal.test:{two_addresses}/hook",
        events=[INCIDENT_OPENED],
    )
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event=INCIDENT_OPENED, payload={})
    assert attempt_delivery(delivery=delivery) is False
    assert "internal or private network address" in delivery.last_response
    assert hook_server.seen == []


def test_when_no_address_accepts_the_attempt_says_so_and_is_retried(
    cast, hook_server, monkeypatch, settings
):
    port = int(hook_server.url.rsplit(":", 1)[1])
    monkeypatch.setattr(webhooks, "TIMEOUT_SECONDS", 0.3)
    settings.FEED_ALLOWED_HOSTS = ["127.0.0.2"]
    endpoint = WebhookEndpoint.objects.create(
        agency=cast.agency, url=f"http://127.0.0.2:{port}/hook", events=[INCIDENT_OPENED]
    )
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event=INCIDENT_OPENED, payload={})
    with unanswered("127.0.0.2", port), pytest.raises(DeliveryFailed):
        attempt_delivery(delivery=delivery)
    assert delivery.last_response == (
        "The webhook endpoint did not accept a connection within 0.3 seconds."
    )
    assert delivery.delivered_at is None and hook_server.seen == []


def test_drills_send_no_webhooks(cast, hook_server, on_commit):
    hook_server.routes["/hook"] = Route(body=b"ok")
    WebhookEndpoint.objects.create(
        agency=cast.agency, url=f"{hook_server.url}/hook", events=[INCIDENT_OPENED]
    )
    on_commit(lambda: an_incident(cast, is_drill=True))
    assert hook_server.seen == [] and not WebhookDelivery.objects.exists()


def test_a_switched_off_endpoint_gets_no_new_events(cast, hook_server, on_commit):
    WebhookEndpoint.objects.create(
        agency=cast.agency, url=f"{hook_server.url}/hook", events=[INCIDENT_OPENED], active=False
    )
    on_commit(lambda: an_incident(cast))
    assert hook_server.seen == [] and not WebhookDelivery.objects.exists()


def test_the_delivery_log_keeps_thirty_days(cast):
    endpoint = WebhookEndpoint.objects.create(
        agency=cast.agency, url="https://hooks.example.com/h", events=[INCIDENT_OPENED]
    )
    now = timezone.now()
    for days in (31, 29, 0):
        WebhookDelivery.objects.create(
            endpoint=endpoint,
            event=INCIDENT_OPENED,
            payload={},
            created_at=now - timedelta(days=days),
        )
    assert prune_webhook_deliveries.delay().get() == 1
    ages = sorted((now - d.created_at).days for d in WebhookDelivery.objects.all())
    assert ages == [0, 29]


def test_the_signature_binds_body_secret_and_time():
    body = b'{"type":"ping"}'
    header = sign(body, "s3cret", timestamp=1_700_000_000)
    verify(body, header, "s3cret", now=1_700_000_100)
    with pytest.raises(SignatureError, match="does not match"):
        verify(body + b" ", header, "s3cret", now=1_700_000_100)
    with pytest.raises(SignatureError, match="does not match"):
        verify(body, header, "other", now=1_700_000_100)
    with pytest.raises(SignatureError, match="more than 5 minutes"):
        verify(body, header, "s3cret", now=1_700_000_000 + 301)


def test_retry_delays_double_up_to_an_hour(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    for retries, full in [(0, 30), (1, 60), (3, 240), (7, 3600), (12, 3600)]:
        for _ in range(20):
            assert full / 2 <= retry_delay(retries) <= full


# -- a real worker -----------------------------------------------------------------------------


@pytest.mark.worker
def test_the_worker_retries_with_back_off_then_delivers(celery_worker, cast, settings):
    settings.FEED_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.WEBHOOK_RETRY_BASE_SECONDS = 0.2
    with local_server() as server:
        # Two server errors, then the receiver is back.
        server.routes["/hook"] = Route(body=b"received", statuses=[500, 503])
        endpoint = WebhookEndpoint.objects.create(
            agency=cast.agency, url=f"{server.url}/hook", events=[INCIDENT_OPENED]
        )
        an_incident(cast)
        delivery = WebhookDelivery.objects.get(endpoint=endpoint)
        assert wait_for(lambda: WebhookDelivery.objects.get(pk=delivery.pk).delivered_at), (
            "the worker did not deliver the event after retrying"
        )
        posts = server.requests_to("/hook")
    assert len(posts) == 3
    payloads = [checked(p, endpoint) for p in posts]
    assert {p["id"] for p in payloads} == {str(delivery.event_id)}  # one event, three tries
    delivery.refresh_from_db()
    assert delivery.attempts == 3 and delivery.last_status == 200
    assert delivery.last_response == "received"
    endpoint.refresh_from_db()
    assert endpoint.active and endpoint.consecutive_failures == 0


@pytest.mark.worker
def test_an_endpoint_failing_again_and_again_is_switched_off(celery_worker, cast, settings):
    settings.FEED_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.WEBHOOK_RETRY_BASE_SECONDS = 0.1
    settings.WEBHOOK_DISABLE_AFTER = 4
    with local_server() as server:
        server.routes["/hook"] = Route(statuses=[503] * 100)
        endpoint = WebhookEndpoint.objects.create(
            agency=cast.agency, url=f"{server.url}/hook", events=[INCIDENT_OPENED]
        )
        an_incident(cast)
        assert wait_for(lambda: not WebhookEndpoint.objects.get(pk=endpoint.pk).active), (
            "the endpoint was not switched off"
        )
        time.sleep(1.0)  # a retry already queued finds the endpoint off and stops
        assert len(server.requests_to("/hook")) == 4
        an_incident(cast, title="Second incident")  # nothing is queued for it any more
    endpoint.refresh_from_db()
    assert endpoint.disabled_at is not None
    assert endpoint.disabled_reason == (
        "Switched off automatically after 4 failed delivery attempts in a row. "
        "The last one: HTTP 503"
    )
    assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == 1
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.attempts == 4 and delivery.delivered_at is None
