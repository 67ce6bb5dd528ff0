"""A posted `next` is followed only when it leads back into the portal (portal.http.safe_next),
on every page that honours one."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client as HttpClient
from django.test import RequestFactory
from django.urls import reverse

from clients.invitations import invitation_create
from clients.models import InvitationKind, Role
from incidents.models import AlertStatus, Triage
from portal.http import safe_next
from tests.conftest import Cast
from tests.incidents.ui_factories import a_mention, a_source, an_alert

OFF_SITE = [
    "https://evil.example/",
    "//evil.example",
    "///evil.example/",
    "javascript:alert(1)",
    "https:evil.example",
]


def _revoke(cast: Cast, http: HttpClient, next_url: str) -> str:
    invitation, _ = invitation_create(
        agency=cast.agency,
        kind=InvitationKind.MEMBER,
        email="newcomer@example.test",
        role=Role.STAFF,
        by=cast.owner,
    )
    http.force_login(cast.owner)
    response = http.post(
        reverse("agency:invitation_revoke", kwargs={"pk": invitation.public_id}),
        {"next": next_url},
    )
    assert response.status_code == 302
    return str(response["Location"])


def _switch_to_unknown_agency(cast: Cast, http: HttpClient, next_url: str) -> str:
    http.force_login(cast.owner)
    response = http.post(
        reverse("portal:switch_agency"), {"agency": "not-an-agency", "next": next_url}
    )
    assert response.status_code == 302
    return str(response["Location"])


def _acknowledge_alert(cast: Cast, http: HttpClient, next_url: str) -> str:
    alert = an_alert(cast.client)
    http.force_login(cast.staff)
    response = http.post(
        reverse(
            "monitoring:alert_ack", kwargs={"client": cast.client.public_id, "pk": alert.public_id}
        ),
        {"next": next_url},
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED
    return str(response["Location"])


def _triage_in_bulk(cast: Cast, http: HttpClient, next_url: str) -> str:
    mention = a_mention(cast.client, a_source(cast.client))
    http.force_login(cast.staff)
    response = http.post(
        reverse("monitoring:inbox_bulk", kwargs={"client": cast.client.public_id}),
        {"mention": [str(mention.public_id)], "triage": Triage.IGNORED, "next": next_url},
    )
    assert response.status_code == 302
    mention.refresh_from_db()
    assert mention.triage == Triage.IGNORED
    return str(response["Location"])


Post = Callable[[Cast, HttpClient, str], str]


def _of_client(name: str) -> Callable[[Cast], str]:
    return lambda cast: reverse(name, kwargs={"client": cast.client.public_id})


PAGES = [
    pytest.param(_revoke, lambda cast: reverse("agency:members"), id="invitation-revoke"),
    pytest.param(
        _switch_to_unknown_agency, lambda cast: reverse("portal:dashboard"), id="switch-agency"
    ),
    pytest.param(_acknowledge_alert, _of_client("monitoring:alerts"), id="alert-acknowledge"),
    pytest.param(_triage_in_bulk, _of_client("monitoring:inbox"), id="inbox-bulk-triage"),
]


@pytest.mark.parametrize(("post", "default"), PAGES)
@pytest.mark.parametrize("next_url", OFF_SITE)
def test_off_site_next_is_ignored(
    cast: Cast, client: HttpClient, post: Post, default: Callable[[Cast], str], next_url: str
) -> None:
    assert post(cast, client, next_url) == default(cast)


@pytest.mark.parametrize(("post", "default"), PAGES)
def test_next_within_the_portal_is_followed(
    cast: Cast, client: HttpClient, post: Post, default: Callable[[Cast], str]
) -> None:
    team = reverse("agency:client_team", kwargs={"client": cast.client.public_id})
    assert post(cast, client, team + "?tab=portal") == team + "?tab=portal"


def test_missing_next_falls_back_to_the_default(rf: RequestFactory) -> None:
    assert safe_next(rf.post("/x/"), "/home/") == "/home/"


def test_plain_http_next_on_an_https_request_is_refused(rf: RequestFactory) -> None:
    request = rf.post("/x/", {"next": "http://testserver/clients/"}, secure=True)
    assert safe_next(request, "/home/") == "/home/"
    request = rf.post("/x/", {"next": "https://testserver/clients/"}, secure=True)
    assert safe_next(request, "/home/") == "https://testserver/clients/"
