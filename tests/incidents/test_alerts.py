"""Alerts from stored mentions: a surge raises one alert that says why, notifications go
out once (email to the team, signed webhooks with retries), and a continuing surge
updates the open alert instead of opening another."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clients.models import Client
from incidents.alerts import detect_for_client
from incidents.models import (
    Alert,
    AlertKind,
    AlertStatus,
    Mention,
    Source,
    WatchTerm,
    WebhookDelivery,
    WebhookEndpoint,
)
from incidents.notify import alerts_opened
from incidents.tasks import deliver_webhook
from incidents.webhooks import SIGNATURE_HEADER, verify
from tests.incidents.local_server import LocalServer, Route, local_server
from tests.incidents.ui_factories import an_alert

NOW = datetime(2026, 11, 23, 10, 3, tzinfo=UTC)
SURGE = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def add_mentions(source: Source, times: list[datetime], label: str = "neutral", **extra) -> None:
    start = Mention.objects.count()
    Mention.objects.bulk_create(
        Mention(
            client=source.client,
            source=source,
            external_id=f"m{start + i}",
            text="Acme Foods",
            published_at=moment,
            sentiment_label=label,
            sentiment=-0.6 if label == "negative" else 0.0,
            **extra,
        )
        for i, moment in enumerate(times)
    )


@pytest.fixture
def source(cast) -> Source:
    """Two quiet days (0-3 mentions per 5 minutes) before SURGE."""
    source = Source.objects.create(client=cast.client, name="News", url="https://n.example/")
    rng = random.Random(7)
    times: list[datetime] = []
    moment = SURGE - timedelta(days=2)
    while moment < SURGE:
        times += [moment + timedelta(seconds=10 * k) for k in range(rng.randint(0, 3))]
        moment += timedelta(minutes=5)
    add_mentions(source, times)
    return source


def surge(source: Source, start: datetime, count: int, seconds: int = 170) -> None:
    add_mentions(source, [start + timedelta(seconds=seconds * k / count) for k in range(count)])


def test_quiet_days_raise_no_alert(cast, source, on_commit):
    assert on_commit(lambda: detect_for_client(client=cast.client, now=SURGE)) == []
    assert not Alert.objects.exists()


def test_a_surge_raises_one_alert_that_says_why(cast, source, on_commit):
    surge(source, SURGE, 80)
    on_commit(lambda: detect_for_client(client=cast.client, now=NOW))
    alert = Alert.objects.get()
    assert alert.kind == "volume_spike" and alert.status == AlertStatus.OPEN
    assert alert.explanation.startswith("Mentions ")
    assert "the usual for a Monday 10:00" in alert.explanation
    assert "80 in 5 min" in alert.explanation
    assert alert.severity in {"medium", "high", "critical"}
    assert alert.mentions.count() == 80
    # The team hears about it once, by email.
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Alert: Volume spike for Acme Foods"
    assert set(message.to) >= {cast.owner.email, cast.manager.email, cast.staff.email}
    assert cast.unassigned_staff.email not in message.to
    assert alert.explanation in message.body
    # The link leads to the alert itself, where it can be acknowledged or escalated.
    alerts = f"/clients/{cast.client.public_id}/monitoring/alerts/"
    link = f"{alerts}?alert={alert.public_id}#alert-{alert.public_id}"
    assert link in message.body


def test_running_detection_again_neither_duplicates_nor_renotifies(cast, source, on_commit):
    surge(source, SURGE, 80)
    on_commit(lambda: detect_for_client(client=cast.client, now=NOW))
    on_commit(lambda: detect_for_client(client=cast.client, now=NOW))
    on_commit(lambda: detect_for_client(client=cast.client, now=NOW + timedelta(minutes=1)))
    assert Alert.objects.count() == 1
    assert Alert.objects.get().update_count == 0
    assert len(mail.outbox) == 1


def test_a_dismissed_alert_is_not_raised_again_for_the_same_surge(cast, source, on_commit):
    surge(source, SURGE, 80)
    on_commit(lambda: detect_for_client(client=cast.client, now=NOW))
    Alert.objects.update(status=AlertStatus.DISMISSED)
    on_commit(lambda: detect_for_client(client=cast.client, now=NOW + timedelta(minutes=1)))
    assert Alert.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_continuing_surge_updates_the_open_alert(cast, source, on_commit):
    surge(source, SURGE, 80)
    on_commit(lambda: detect_for_client(client=cast.client, now=NOW))
    surge(source, SURGE + timedelta(minutes=5), 90)
    on_commit(lambda: detect_for_client(client=cast.client, now=NOW + timedelta(minutes=5)))
    alert = Alert.objects.get()
    assert alert.update_count == 1
    assert alert.window_end == SURGE + timedelta(minutes=10)
    assert "Continuing: 170 mentions from 10:00 to 10:10." in alert.explanation
    assert alert.mentions.count() == 170
    assert len(mail.outbox) == 1  # an update is not a new alert


def test_a_high_priority_keyword_raises_a_keyword_alert(cast, source, on_commit):
    term = WatchTerm.objects.create(client=cast.client, term="lawsuit", high_priority=True)
    add_mentions(source, [SURGE + timedelta(minutes=1)])
    Mention.objects.latest("id").matched_terms.add(term)
    on_commit(lambda: detect_for_client(client=cast.client, now=NOW))
    alert = Alert.objects.get(kind="keyword")
    assert alert.explanation == 'High-priority keyword "lawsuit" appeared in mentions at 10:00.'
    assert alert.mentions.count() == 1


def test_an_influencer_mention_raises_an_influencer_alert(cast, source, on_commit):
    add_mentions(source, [SURGE + timedelta(minutes=2)], author_reach=2_500_000)
    on_commit(lambda: detect_for_client(client=cast.client, now=NOW))
    alert = Alert.objects.get(kind="influencer")
    assert "reach of 2,500,000" in alert.explanation


def test_a_run_reads_the_same_whether_one_alert_or_many(
    cast, source, on_commit, django_assert_num_queries
):
    def run() -> list[Alert]:
        return on_commit(lambda: detect_for_client(client=cast.client, now=NOW))

    surge(source, SURGE, 80)
    assert len(run()) == 1
    with CaptureQueriesContext(connection) as one_known:
        assert run() == []
    term = WatchTerm.objects.create(client=cast.client, term="lawsuit", high_priority=True)
    add_mentions(source, [SURGE + timedelta(minutes=1)])
    Mention.objects.latest("id").matched_terms.add(term)
    add_mentions(source, [SURGE + timedelta(minutes=2)], author_reach=2_500_000)
    with CaptureQueriesContext(connection) as opening:
        assert {a.kind for a in run()} == {"keyword", "influencer"}
    # The alerts that decide each verdict, and the drill sources, are read once a run.
    sqls = [q["sql"] for q in opening.captured_queries]
    assert sum(sql.startswith('SELECT "incidents_alert".') for sql in sqls) == 1
    assert sum(sql.startswith('SELECT "incidents_source".') for sql in sqls) == 1
    # Both new alerts are notified together: the webhook endpoints are read once.
    assert sum(sql.startswith('SELECT "incidents_webhookendpoint".') for sql in sqls) == 1
    assert Alert.objects.count() == 3
    # Nothing new: as many queries with three known alerts as with one.
    with django_assert_num_queries(len(one_known.captured_queries)):
        assert run() == []


def test_notifying_three_new_alerts_reads_as_much_as_one(
    cast, django_assert_num_queries, django_capture_on_commit_callbacks
):
    for name in ("a", "b"):
        WebhookEndpoint.objects.create(
            agency=cast.agency, url=f"https://hooks.example/{name}", events=["alert.raised"]
        )
    WebhookEndpoint.objects.create(
        agency=cast.agency, url="https://hooks.example/c", events=["incident.opened"]
    )
    one = [an_alert(cast.client, AlertKind.VOLUME_SPIKE)]
    three = [
        an_alert(cast.client, kind)
        for kind in (AlertKind.NEGATIVE_SURGE, AlertKind.INFLUENCER, AlertKind.KEYWORD)
    ]

    def notify(alerts: list[Alert]) -> int:
        """Queue the notifications of `alerts` (a client read afresh, so nothing is
        cached from before); returns how many are sent after commit."""
        client = Client.objects.get(pk=cast.client.pk)
        with django_capture_on_commit_callbacks() as sent:
            alerts_opened(client=client, alerts=alerts)
        return len(sent)

    with CaptureQueriesContext(connection) as for_one:
        assert notify(one) == 1 + 2  # an email, a delivery to each subscribed endpoint
    with django_assert_num_queries(len(for_one.captured_queries)):
        assert notify(three) == 3 * (1 + 2)
    for alert in [*one, *three]:
        events = WebhookDelivery.objects.filter(payload__data__alert__id=str(alert.public_id))
        assert sorted(d.endpoint.url for d in events) == [
            "https://hooks.example/a",
            "https://hooks.example/b",
        ]


@pytest.fixture
def hook_server(settings) -> Iterator[LocalServer]:
    settings.FEED_ALLOWED_HOSTS = ["127.0.0.1"]
    with local_server() as srv:
        yield srv


def test_the_webhook_is_signed_and_retried_after_a_server_error(
    cast, source, on_commit, hook_server
):
    hook_server.routes["/hook"] = Route(body=b"thanks", statuses=[500])
    endpoint = WebhookEndpoint.objects.create(
        agency=cast.agency, url=f"{hook_server.url}/hook", events=["alert.raised"]
    )
    WebhookEndpoint.objects.create(
        agency=cast.agency, url=f"{hook_server.url}/other", events=["incident.opened"]
    )
    surge(source, SURGE, 80)
    # The first attempt meets a 500: the task asks Celery to retry it later (with
    # back-off; eager Celery hands the Retry back to the caller instead of waiting).
    with pytest.raises(Retry):
        on_commit(lambda: detect_for_client(client=cast.client, now=NOW))
    delivery = WebhookDelivery.objects.get()
    assert delivery.attempts == 1 and delivery.last_status == 500
    deliver_webhook.delay(delivery.pk)  # the retry
    posts = hook_server.requests_to("/hook")
    assert len(posts) == 2  # a 500, then the retry that got through
    assert hook_server.requests_to("/other") == []
    last = posts[-1]
    verify(last.body, last.headers[SIGNATURE_HEADER.lower()], endpoint.secret)
    payload = json.loads(last.body)
    assert payload["type"] == "alert.raised"
    assert payload["data"]["alert"]["kind"] == "volume_spike"
    assert payload["data"]["client"]["name"] == "Acme Foods"
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.last_status == 200
    assert delivery.delivered_at is not None
    assert str(delivery.event_id) == payload["id"]


def test_a_webhook_to_an_internal_address_is_refused(cast, source, on_commit, settings):
    settings.FEED_ALLOWED_HOSTS = []
    WebhookEndpoint.objects.create(
        agency=cast.agency, url="http://127.0.0.1:9/hook", events=["alert.raised"]
    )
    surge(source, SURGE, 80)
    on_commit(lambda: detect_for_client(client=cast.client, now=NOW))
    delivery = WebhookDelivery.objects.get()
    assert delivery.delivered_at is None and delivery.attempts == 1
    assert "internal or private network address" in delivery.last_response


def test_an_endpoint_failing_ten_times_in_a_row_is_switched_off(cast, hook_server):
    from incidents.webhooks import DeliveryFailed, attempt_delivery

    hook_server.routes["/hook"] = Route(statuses=[503] * 10)
    endpoint = WebhookEndpoint.objects.create(
        agency=cast.agency, url=f"{hook_server.url}/hook", events=["alert.raised"]
    )
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event="alert.raised", payload={})
    for _ in range(9):
        with pytest.raises(DeliveryFailed):  # a retry may help
            attempt_delivery(delivery=delivery)
    # The tenth switches the endpoint off: no retry is asked for any more.
    assert attempt_delivery(delivery=delivery) is False
    endpoint.refresh_from_db()
    assert not endpoint.active
    assert delivery.last_status == 503
