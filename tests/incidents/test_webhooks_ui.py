"""The agency's webhook pages: adding an endpoint (http(s) on the public internet only, at
least one event), its secret, a test ping whose answer shows in the delivery log (as text),
a switched-off endpoint saying why, turning it back on, sending a failed event again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import WebhookDelivery, WebhookEndpoint
from incidents.webhooks import SIGNATURE_HEADER, verify
from tests.incidents.local_server import LocalServer, Route, local_server


@pytest.fixture
def hook_server(settings) -> Iterator[LocalServer]:
    settings.FEED_ALLOWED_HOSTS = ["127.0.0.1"]
    with local_server() as srv:
        yield srv


def page(endpoint: WebhookEndpoint, name: str = "agency:webhook", **kwargs: object) -> str:
    return reverse(name, kwargs={"pk": endpoint.public_id, **kwargs})


def test_a_manager_adds_an_endpoint_and_sees_its_secret(cast, client, settings):
    settings.FEED_ALLOWED_HOSTS = []
    client.force_login(cast.manager)
    response = client.get(reverse("agency:webhooks"))
    assert "No webhook endpoints yet" in response.text
    new = reverse("agency:webhook_create")
    response = client.get(new)
    # every event is proposed, all ticked for a new endpoint
    assert response.text.count('type="checkbox" name="events"') == 5
    assert response.text.count("checked") == 5

    cases = [
        ("ftp://hooks.example.com/x", ["alert.raised"], "Only http:// and https:// addresses"),
        ("https://user:pw@hooks.example.com/x", ["alert.raised"], "Leave user names and"),
        ("http://127.0.0.1:8080/x", ["alert.raised"], "internal or private network address"),
        ("http://localhost/x", ["alert.raised"], "internal or private network address"),
        ("https://hooks.example.com/x", [], "Choose at least one event"),
        ("not a url", ["alert.raised"], "Enter a full web address"),
    ]
    for url, events, message in cases:
        response = client.post(new, {"url": url, "events": events})
        assert response.status_code == 200 and message in response.text, url
    assert not WebhookEndpoint.objects.exists()

    response = client.post(
        new,
        {"url": "https://hooks.example.com/firebreak", "events": ["incident.opened", "bogus"]},
    )
    assert "Select a valid choice" in response.text
    response = client.post(
        new,
        {
            "url": "https://hooks.example.com/firebreak",
            "events": ["statement.published", "incident.opened"],
        },
        follow=True,
    )
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.agency == cast.agency
    assert endpoint.events == ["incident.opened", "statement.published"]
    assert response.redirect_chain[-1][0] == page(endpoint)
    assert endpoint.secret in response.text
    assert "Incident opened, Statement published" in response.text
    assert "Nothing sent yet" in response.text
    # the same address twice is refused
    response = client.post(
        new, {"url": "https://hooks.example.com/firebreak", "events": ["alert.raised"]}
    )
    assert "already sends webhooks to this address" in response.text
    # the list shows it
    response = client.get(reverse("agency:webhooks"))
    assert "https://hooks.example.com/firebreak" in response.text


def test_an_internal_host_the_settings_allow_is_accepted(cast, client, settings):
    """FEED_ALLOWED_HOSTS is read as the delivery reads it (spaces, case and IPv6
    brackets ignored): a host it lets the delivery reach, the form accepts."""
    settings.FEED_ALLOWED_HOSTS = [" Hooks.Internal ", "[::1]"]
    client.force_login(cast.manager)
    new = reverse("agency:webhook_create")
    for url in ("http://hooks.internal/x", "http://[::1]:8080/x"):
        response = client.post(new, {"url": url, "events": ["alert.raised"]})
        assert response.status_code == 302, url
    response = client.post(new, {"url": "http://127.0.0.1/x", "events": ["alert.raised"]})
    assert "internal or private network address" in response.text
    assert sorted(WebhookEndpoint.objects.values_list("url", flat=True)) == [
        "http://[::1]:8080/x",
        "http://hooks.internal/x",
    ]


def test_editing_changes_address_and_events(cast, client):
    endpoint = WebhookEndpoint.objects.create(
        agency=cast.agency, url="https://a.example.com/h", events=["alert.raised"]
    )
    client.force_login(cast.owner)
    response = client.get(page(endpoint, "agency:webhook_edit"))
    assert 'value="https://a.example.com/h"' in response.text
    client.post(
        page(endpoint, "agency:webhook_edit"),
        {"url": "https://b.example.com/h", "events": ["postmortem.ready", "alert.raised"]},
    )
    endpoint.refresh_from_db()
    assert endpoint.url == "https://b.example.com/h"
    assert endpoint.events == ["alert.raised", "postmortem.ready"]


def test_a_test_ping_is_signed_and_its_answer_is_shown_as_text(
    cast, client, hook_server, django_capture_on_commit_callbacks
):
    hook_server.routes["/hook"] = Route(body=b"<script>alert('x')</script> pong")
    endpoint = WebhookEndpoint.objects.create(
        agency=cast.agency, url=f"{hook_server.url}/hook", events=["alert.raised"]
    )
    client.force_login(cast.manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page(endpoint, "agency:webhook_ping"), follow=True)
    assert "Test ping sent" in response.text
    (seen,) = hook_server.requests_to("/hook")
    verify(seen.body, seen.headers[SIGNATURE_HEADER.lower()], endpoint.secret)
    assert b'"type":"ping"' in seen.body
    response = client.get(page(endpoint))
    log = response.text.split('id="webhook-log"', 1)[1]
    assert "Test ping" in log and "Delivered" in log and "HTTP 200" in log
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; pong" in log
    assert "<script>alert" not in response.text
    # the log alone, as htmx asks for it
    partial = client.get(page(endpoint), headers={"HX-Request": "true"})
    assert "<html" not in partial.text and "Test ping" in partial.text


def test_a_switched_off_endpoint_says_why_and_can_be_pinged_and_turned_on(
    cast, client, hook_server, django_capture_on_commit_callbacks
):
    hook_server.routes["/hook"] = Route(body=b"back")
    endpoint = WebhookEndpoint.objects.create(
        agency=cast.agency,
        url=f"{hook_server.url}/hook",
        events=["alert.raised"],
        active=False,
        consecutive_failures=10,
        disabled_reason="Switched off automatically after 10 failed delivery attempts in a "
        "row. The last one: HTTP 503",
    )
    missed = WebhookDelivery.objects.create(
        endpoint=endpoint, event="alert.raised", payload={"x": 1}, attempts=9, last_status=503
    )
    client.force_login(cast.manager)
    response = client.get(page(endpoint))
    assert "This endpoint is off" in response.text
    assert "after 10 failed delivery attempts in a row. The last one: HTTP 503" in response.text
    # a failed event cannot be sent again while the endpoint is off
    response = client.post(
        page(endpoint, "agency:webhook_resend", delivery=missed.public_id), follow=True
    )
    assert "Turn the endpoint back on before sending its events again." in response.text
    # a ping still goes out, to check the receiver, and does not touch the failure count
    with django_capture_on_commit_callbacks(execute=True):
        client.post(page(endpoint, "agency:webhook_ping"))
    assert len(hook_server.requests_to("/hook")) == 1
    endpoint.refresh_from_db()
    assert not endpoint.active and endpoint.consecutive_failures == 10

    response = client.post(page(endpoint, "agency:webhook_enable"), follow=True)
    assert "The endpoint is on again" in response.text
    endpoint.refresh_from_db()
    assert endpoint.active and endpoint.consecutive_failures == 0
    assert endpoint.disabled_reason == "" and endpoint.disabled_at is None
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            page(endpoint, "agency:webhook_resend", delivery=missed.public_id), follow=True
        )
    assert "The alert raised event is sent again." in response.text
    missed.refresh_from_db()
    assert missed.delivered_at is not None and missed.attempts == 10

    response = client.post(page(endpoint, "agency:webhook_disable"), follow=True)
    endpoint.refresh_from_db()
    assert not endpoint.active
    assert endpoint.disabled_reason == "Switched off by Max Manager."
    assert "Switched off by Max Manager." in response.text


def test_a_new_secret_replaces_the_old_one(cast, client):
    endpoint = WebhookEndpoint.objects.create(
        agency=cast.agency, url="https://a.example.com/h", events=["alert.raised"]
    )
    old = endpoint.secret
    client.force_login(cast.owner)
    response = client.post(page(endpoint, "agency:webhook_secret"), follow=True)
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.secret in response.text
    assert old not in response.text


def test_deleting_an_endpoint_deletes_its_log(cast, client):
    endpoint = WebhookEndpoint.objects.create(
        agency=cast.agency, url="https://a.example.com/h", events=["alert.raised"]
    )
    WebhookDelivery.objects.create(endpoint=endpoint, event="alert.raised", payload={})
    client.force_login(cast.manager)
    response = client.get(page(endpoint, "agency:webhook_delete"))
    assert "1 event" in response.text
    response = client.post(page(endpoint, "agency:webhook_delete"), follow=True)
    assert "no longer sent to https://a.example.com/h" in response.text
    assert not WebhookEndpoint.objects.exists() and not WebhookDelivery.objects.exists()


def test_another_agencys_endpoint_is_not_found(cast, client):
    theirs = WebhookEndpoint.objects.create(
        agency=cast.other_agency, url="https://rival.example.com/h", events=["alert.raised"]
    )
    client.force_login(cast.owner)
    assert client.get(page(theirs)).status_code == 404
    assert client.post(page(theirs, "agency:webhook_disable")).status_code == 404
    assert "rival.example.com" not in client.get(reverse("agency:webhooks")).text
    client.force_login(cast.staff)
    assert client.get(reverse("agency:webhooks")).status_code == 403


def test_the_list_shows_each_endpoints_latest_attempt(cast, client):
    now = timezone.now()
    tried, quiet = (
        WebhookEndpoint.objects.create(agency=cast.agency, url=url, events=["alert.raised"])
        for url in ("https://a.example.com/h", "https://b.example.com/h")
    )
    for minutes, status in ((30, 201), (5, 503), (10, 202)):
        WebhookDelivery.objects.create(
            endpoint=tried,
            event="alert.raised",
            payload={},
            attempts=1,
            last_status=status,
            last_attempt_at=now - timedelta(minutes=minutes),
            delivered_at=None if status >= 500 else now,
        )
    WebhookDelivery.objects.create(endpoint=quiet, event="alert.raised", payload={})
    client.force_login(cast.manager)
    html = client.get(reverse("agency:webhooks")).text
    tried_row = html.split(f'id="webhook-{tried.public_id}"')[1].split("</tr>")[0]
    quiet_row = html.split(f'id="webhook-{quiet.public_id}"')[1].split("</tr>")[0]
    assert '<span class="badge badge-bad">503</span>' in tried_row
    assert "badge-ok" not in tried_row.split("</td>")[-2]  # not an earlier, delivered one
    assert "none yet" in quiet_row


def test_back_to_a_page_of_the_log_gets_the_whole_page_and_the_secret_stays_out_of_snapshots(
    cast, client
):
    """htmx asks again for a page it has not kept (HX-History-Restore-Request) and puts
    the answer in place of the whole body: the page, not the log alone. Paging the log
    pushes a URL, so htmx would first save the page it leaves, signing secret and all,
    in the browser's storage, unless the page says hx-history="false"."""
    endpoint = WebhookEndpoint.objects.create(
        agency=cast.agency, url="https://hooks.example.com/x", events=["alert.raised"]
    )
    client.force_login(cast.manager)

    restored = client.get(
        page(endpoint), headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )

    assert "<html" in restored.text and "Signing secret" in restored.text
    assert '<details hx-history="false"><summary>Reveal the secret' in restored.text
