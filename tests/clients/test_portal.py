"""The read-only client portal: what a client contact sees and never sees, the switcher
between their clients, empty states, pagination and the agency's time zone."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Agency, Client, PortalAccess
from incidents.incident_services import incident_open
from incidents.models import Incident, IncidentStatus, Report
from incidents.reports import report_request_plan, report_request_postmortem
from tests.clients.portal_factories import a_portal_world, resolve
from tests.incidents.report_helpers import flat, needs_poppler, pdf_text
from tests.plans.factories import a_risk, approved_plan


def page(http, name, client, **kwargs):
    response = http.get(reverse(name, kwargs={"client": client.public_id, **kwargs}))
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture
def contact(cast, client):
    client.force_login(cast.contact_user)
    return client


# -- what a contact sees of incidents --------------------------------------------------------


def test_contact_follows_a_current_incident_its_updates_and_published_statements(cast, contact):
    world = a_portal_world(cast)
    overview = page(contact, "clientportal:client", cast.client)
    assert "Batch 42 recall" in overview and "Current incident" in overview
    # its latest published statement at a glance (never the newer draft)
    assert "We are recalling batch 42 as a precaution." in overview
    assert "DRAFT: blame" not in overview

    body = page(contact, "incidentsportal:detail", cast.client, pk=world.current.public_id)
    assert "The recall of batch 42 is under way in all stores." in body
    assert "We are recalling batch 42 as a precaution." in body
    assert "Brief the call centre" in body  # a task marked for the client
    assert "Severity 3 — Major" in body and "Detected" in body


def test_contact_never_sees_internal_entries_unpublished_statements_or_internal_tasks(
    cast, contact
):
    world = a_portal_world(cast)
    body = page(contact, "incidentsportal:detail", cast.client, pk=world.current.public_id)
    assert "CEO furious" not in body
    assert "DRAFT: blame the supplier" not in body
    assert "Check the supplier" not in body
    # the holding statement the plan seeded is a draft too, and the incident's own notes
    # about opening it are internal
    for other in ("incidentsportal:list", "clientportal:client", "incidentsportal:reviews"):
        text = page(contact, other, cast.client)
        assert "CEO furious" not in text and "DRAFT: blame" not in text


def test_drills_never_appear_in_the_portal(cast, contact):
    world = a_portal_world(cast)
    for name in ("clientportal:client", "incidentsportal:list", "incidentsportal:reviews"):
        assert "Factory fire" not in page(contact, name, cast.client)
    url = reverse(
        "incidentsportal:detail",
        kwargs={"client": cast.client.public_id, "pk": world.drill.public_id},
    )
    assert contact.get(url).status_code == 404
    home = contact.get(reverse("clientportal:home")).content.decode()
    assert "1 current incident" in home  # the drill is not counted


def test_incidents_of_other_clients_are_404_and_never_listed(cast, contact):
    a_portal_world(cast)
    listing = page(contact, "incidentsportal:list", cast.client)
    assert "Blue Air delays" not in listing and "Rival secret" not in listing
    for incident in Incident.objects.filter(title__in=["Blue Air delays", "Rival secret"]):
        # through the contact's own client, and through the incident's client
        for client in (cast.client, incident.client):
            url = reverse(
                "incidentsportal:detail",
                kwargs={"client": client.public_id, "pk": incident.public_id},
            )
            assert contact.get(url).status_code == 404, url
    assert (
        contact.get(
            reverse("incidentsportal:list", kwargs={"client": cast.second_client.public_id})
        ).status_code
        == 404
    )


def test_agency_members_cannot_open_the_portal(cast, client):
    for user in (cast.owner, cast.staff, cast.outsider):
        client.force_login(user)
        url = reverse("incidentsportal:list", kwargs={"client": cast.client.public_id})
        assert client.get(url).status_code == 403


# -- post-mortems and action items ------------------------------------------------------------


def test_shared_post_mortem_and_its_open_action_items_are_shown(cast, contact):
    world = a_portal_world(cast)
    reviews = page(contact, "incidentsportal:reviews", cast.client)
    assert "Delivery van video" in reviews
    assert "Recall handled within a day." in reviews and "Brief the call centre sooner." in reviews
    assert "Retrain all delivery drivers" in reviews and "Head of logistics" in reviews
    assert "Publish the apology video" not in reviews  # done: not an open item
    assert "Unshared review of the typo." not in reviews and "Pricing typo" not in reviews
    assert "two warnings" not in reviews  # root causes stay in the PDF's hands

    detail = page(contact, "incidentsportal:detail", cast.client, pk=world.past.public_id)
    assert "Recall handled within a day." in detail
    assert "Retrain all delivery drivers" in detail and "Publish the apology video" in detail
    unshared = page(contact, "incidentsportal:detail", cast.client, pk=world.unshared.public_id)
    assert "Unshared review" not in unshared and "No post-mortem shared" in unshared
    overview = page(contact, "clientportal:client", cast.client)
    assert "1</strong> open action item" in overview


def test_past_incidents_list_marks_the_shared_post_mortem_only(cast, contact):
    world = a_portal_world(cast)
    listing = page(contact, "incidentsportal:list", cast.client)
    shared_link = (
        reverse(
            "incidentsportal:detail",
            kwargs={"client": cast.client.public_id, "pk": world.past.public_id},
        )
        + "#postmortem"
    )
    assert shared_link in listing
    assert str(world.unshared.public_id) + "/#postmortem" not in listing


def download_links(body: str) -> list[str]:
    return re.findall(r'href="(/portal/[^"]+/reports/[^"]+/download/)"', body)


@needs_poppler
def test_contact_downloads_the_client_pdfs_of_the_plan_and_the_shared_post_mortem(
    cast, contact, django_capture_on_commit_callbacks
):
    world = a_portal_world(cast)
    _plan, revision = approved_plan(cast.client, cast.owner, internal_notes="Client CEO is touchy")
    assert "No PDF of this plan shared yet" in page(contact, "plansportal:plan", cast.client)
    assert "No PDF shared yet" in page(contact, "incidentsportal:reviews", cast.client)
    with django_capture_on_commit_callbacks(execute=True):
        report_request_plan(revision=revision, variant="client", paper_size="a4", by=cast.owner)
        for variant in ("client", "internal"):
            report_request_postmortem(
                postmortem=world.postmortem, variant=variant, paper_size="a4", by=cast.owner
            )

    (plan_link,) = download_links(page(contact, "plansportal:plan", cast.client))
    response = contact.get(plan_link)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = flat(pdf_text(b"".join(response.streaming_content)))
    assert "Protect trust." in text and "Client CEO is touchy" not in text

    detail = page(contact, "incidentsportal:detail", cast.client, pk=world.past.public_id)
    (pm_link,) = download_links(detail)
    assert download_links(page(contact, "incidentsportal:reviews", cast.client)) == [pm_link]
    text = flat(pdf_text(b"".join(contact.get(pm_link).streaming_content)))
    assert "Brief the call centre sooner." in text
    assert "Driver apologised publicly." in text  # a client-visible update
    assert "Van keys left in the cab" not in text  # an internal note of that incident
    internal = Report.objects.get(postmortem=world.postmortem, variant="internal")
    url = reverse(
        "reportsportal:download", kwargs={"client": cast.client.public_id, "pk": internal.public_id}
    )
    assert contact.get(url).status_code == 404


# -- contacts, plan, risks ---------------------------------------------------------------------


def test_stakeholder_contacts_are_listed_without_internal_notes(cast, contact):
    body = page(contact, "clientportal:contacts", cast.client)
    assert "Jane Reporter" in body and "Daily Planet" in body and "jane@planet.test" in body
    assert "prefers calls before 10am" not in body
    assert "Rival Journalist" not in body


def test_plan_and_risks_show_client_content_only(cast, contact):
    approved_plan(cast.client, cast.owner, internal_notes="Client CEO is touchy")
    a_risk(cast.client, cast.owner, title="Supplier fraud", internal_notes="Settle quietly")
    plan = page(contact, "plansportal:plan", cast.client)
    assert "Protect trust." in plan and "Client CEO is touchy" not in plan
    assert "Brief legal" not in plan  # an internal playbook step
    risks = page(contact, "plansportal:risks", cast.client)
    assert "Supplier fraud" in risks and "Settle quietly" not in risks and "<svg" in risks


# -- empty states, pagination, time zone ------------------------------------------------------


def test_a_client_with_nothing_yet_shows_friendly_empty_states(cast, contact):
    cast.client.contacts.all().delete()
    assert "No incidents — good news" in page(contact, "incidentsportal:list", cast.client)
    overview = page(contact, "clientportal:client", cast.client)
    assert "No current incident — good news" in overview
    assert "No approved plan yet" in overview
    assert "No approved plan yet" in page(contact, "plansportal:plan", cast.client)
    assert "No risks shared yet" in page(contact, "plansportal:risks", cast.client)
    assert "No contacts shared yet" in page(contact, "clientportal:contacts", cast.client)
    reviews = page(contact, "incidentsportal:reviews", cast.client)
    assert "No post-mortem shared yet" in reviews and "No open action item" in reviews


def test_past_incidents_are_paginated_newest_first(cast, contact):
    for n in range(12):
        incident = incident_open(client=cast.client, by=cast.owner, title=f"Old {n:02}", severity=1)
        resolve(incident, cast.owner)
        Incident.objects.filter(pk=incident.pk).update(
            opened_at=datetime(2026, 1, n + 1, 9, tzinfo=UTC)
        )
    first = page(contact, "incidentsportal:list", cast.client)
    assert "Old 11" in first and "Old 02" in first and "Old 01" not in first
    assert "Page 1 of 2" in first and "No current incident — good news." in first
    url = reverse("incidentsportal:list", kwargs={"client": cast.client.public_id})
    second = contact.get(url + "?page=2").content.decode()
    assert "Old 01" in second and "Old 00" in second and "Old 02" not in second
    assert contact.get(url + "?page=99").status_code == 200  # the last page, not an error


def test_times_are_shown_in_the_agencys_time_zone(cast, contact):
    incident = incident_open(client=cast.client, by=cast.owner, title="Summer storm", severity=2)
    Incident.objects.filter(pk=incident.pk).update(opened_at=datetime(2026, 7, 1, 12, tzinfo=UTC))
    body = page(contact, "incidentsportal:detail", cast.client, pk=incident.public_id)
    assert "1 Jul 2026, 13:00 BST" in body  # Europe/London in summer
    assert "times in Europe/London" in body
    Agency.objects.filter(pk=cast.agency.pk).update(time_zone="Asia/Tokyo")
    body = page(contact, "incidentsportal:detail", cast.client, pk=incident.public_id)
    assert "1 Jul 2026, 21:00 JST" in body
    assert timezone.get_current_timezone_name() == "UTC"  # nothing leaks past the request


# -- the switcher between a contact's clients -------------------------------------------------


def test_a_contact_of_one_client_sees_no_switcher_list(cast, contact):
    body = page(contact, "clientportal:client", cast.client)
    assert "client-single" in body and "Switch client" not in body


def test_a_contact_of_several_clients_switches_between_them_on_the_same_page(cast, contact):
    PortalAccess.objects.create(client=cast.second_client, user=cast.contact_user)
    PortalAccess.objects.create(client=cast.other_client, user=cast.contact_user)
    body = page(contact, "plansportal:risks", cast.client)
    assert 'aria-label="Switch client"' in body
    for target in (cast.second_client, cast.other_client):
        assert reverse("plansportal:risks", kwargs={"client": target.public_id}) in body
    assert "Rival PR" in body  # the other agency's client says whose it is
    assert "Cobalt Bank" not in body  # no access
    # the other client's page is theirs to open, with its own agency's name
    other = page(contact, "plansportal:risks", cast.other_client)
    assert "Rival PR" in other and "times in America/New_York" in other
    # from one incident, the switcher leads to the other client's incident list
    incident = incident_open(client=cast.client, by=cast.owner, title="Spill", severity=1)
    detail = page(contact, "incidentsportal:detail", cast.client, pk=incident.public_id)
    assert reverse("incidentsportal:list", kwargs={"client": cast.second_client.public_id}) in (
        detail
    )
    home = contact.get(reverse("clientportal:home")).content.decode()
    assert "Acme Foods" in home and "Blue Air" in home and "Rival Client" in home


# -- the agency's logo -------------------------------------------------------------------------


def _give_logo(agency: Agency) -> None:
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    png = io.BytesIO()
    Image.new("RGB", (8, 4), "navy").save(png, "PNG")
    agency.logo.save("portal-logo.png", ContentFile(png.getvalue()))


def test_the_agency_logo_heads_the_portal_and_is_served_to_its_contacts_only(cast, contact):
    logo = reverse("clientportal:logo", kwargs={"client": cast.client.public_id})
    assert logo not in page(contact, "clientportal:client", cast.client)
    assert contact.get(logo).status_code == 404  # no logo yet
    _give_logo(cast.agency)
    assert logo in page(contact, "clientportal:client", cast.client)
    response = contact.get(logo)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    # another agency's client: not one of the contact's, so a 404 whatever its logo
    _give_logo(cast.other_agency)
    other = reverse("clientportal:logo", kwargs={"client": cast.other_client.public_id})
    assert contact.get(other).status_code == 404


def test_home_lists_each_client_with_its_current_incidents(cast, contact):
    PortalAccess.objects.create(client=cast.second_client, user=cast.contact_user)
    a_portal_world(cast)
    home = contact.get(reverse("clientportal:home")).content.decode()
    assert "1 current incident" in home  # Acme: the recall (the drill does not count)
    assert home.count("1 current incident") == 2  # Blue Air: the delays
    Incident.objects.filter(client=cast.second_client).update(status=IncidentStatus.CLOSED)
    home = contact.get(reverse("clientportal:home")).content.decode()
    assert "No current incident" in home


def test_a_client_no_longer_shared_disappears(cast, contact):
    other = Client.objects.create(agency=cast.agency, name="Delta Dairy")
    PortalAccess.objects.create(client=other, user=cast.contact_user)
    assert "Delta Dairy" in contact.get(reverse("clientportal:home")).content.decode()
    PortalAccess.objects.filter(client=other).delete()
    assert "Delta Dairy" not in contact.get(reverse("clientportal:home")).content.decode()
    assert (
        contact.get(reverse("clientportal:client", kwargs={"client": other.public_id})).status_code
        == 404
    )
