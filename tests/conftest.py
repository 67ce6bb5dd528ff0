"""The cast every test can use: one agency with three clients and a person of each role,
plus another agency, as in STYLE.md habit 9."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client as HttpClient

from clients.models import Agency, Client, Contact, Membership, PortalAccess, Role
from clients.services import assign_staff
from portal.models import User

PASSWORD = "correct-horse-battery-staple"


@dataclass
class Cast:
    agency: Agency
    other_agency: Agency
    client: Client  # the client everyone below is set up around
    second_client: Client
    third_client: Client
    other_client: Client  # belongs to other_agency
    owner: User
    manager: User
    staff: User  # assigned to `client`, read-write
    readonly_staff: User  # assigned to `client`, read-only
    unassigned_staff: User
    contact_user: User  # client contact with portal access to `client`
    outsider: User  # owner of other_agency
    contact: Contact  # a stakeholder contact of `client`
    other_contact: Contact  # a stakeholder contact of `other_client`

    def login(self, http: HttpClient, user: User | None) -> HttpClient:
        if user is not None:
            http.force_login(user)
        return http


def make_user(email: str, name: str = "") -> User:
    return User.objects.create_user(email=email, password=PASSWORD, full_name=name)


@pytest.fixture
def cast(db: None) -> Cast:
    agency = Agency.objects.create(name="Northwind Communications", time_zone="Europe/London")
    other = Agency.objects.create(name="Rival PR", time_zone="America/New_York")
    client = Client.objects.create(agency=agency, name="Acme Foods", industry="Food")
    second = Client.objects.create(agency=agency, name="Blue Air", industry="Airline")
    third = Client.objects.create(agency=agency, name="Cobalt Bank", industry="Banking")
    other_client = Client.objects.create(agency=other, name="Rival Client")

    owner = make_user("owner@northwind.test", "Olivia Owner")
    manager = make_user("manager@northwind.test", "Max Manager")
    staff = make_user("staff@northwind.test", "Sam Staff")
    readonly = make_user("readonly@northwind.test", "Rita Readonly")
    unassigned = make_user("unassigned@northwind.test", "Uma Unassigned")
    contact_user = make_user("contact@acme.test", "Carla Contact")
    outsider = make_user("owner@rival.test", "Oscar Outsider")

    Membership.objects.create(agency=agency, user=owner, role=Role.OWNER)
    Membership.objects.create(agency=agency, user=manager, role=Role.MANAGER)
    for u in (staff, readonly, unassigned):
        Membership.objects.create(agency=agency, user=u, role=Role.STAFF)
    Membership.objects.create(agency=other, user=outsider, role=Role.OWNER)
    assign_staff(client=client, user=staff, write=True)
    assign_staff(client=client, user=readonly, write=False)
    PortalAccess.objects.create(client=client, user=contact_user, granted_by=owner)

    contact = Contact.objects.create(
        client=client,
        name="Jane Reporter",
        kind="media",
        organisation="Daily Planet",
        email="jane@planet.test",
        notes="Internal: prefers calls before 10am",
    )
    other_contact = Contact.objects.create(
        client=other_client, name="Rival Journalist", kind="media", email="rj@rival.test"
    )
    return Cast(
        agency=agency,
        other_agency=other,
        client=client,
        second_client=second,
        third_client=third,
        other_client=other_client,
        owner=owner,
        manager=manager,
        staff=staff,
        readonly_staff=readonly,
        unassigned_staff=unassigned,
        contact_user=contact_user,
        outsider=outsider,
        contact=contact,
        other_contact=other_contact,
    )


@pytest.fixture
def celery_worker(transactional_db: None):  # type: ignore[no-untyped-def]
    """A real Celery worker (in a thread of this process) on the configured broker:
    the filesystem transport by default, Redis when CELERY_BROKER_URL says so."""
    from celery.contrib.testing.worker import start_worker

    from portal.celery import app

    app.conf.task_always_eager = False
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=30
        ) as worker:
            yield worker
    finally:
        app.conf.task_always_eager = True


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):  # type: ignore[no-untyped-def]
    """pytest-playwright drives the system Chromium (no browser download here)."""
    import os
    import shutil

    path = shutil.which("chromium") or (CHROMIUM if os.path.exists(CHROMIUM) else None)
    if path is None:
        if os.environ.get("FIREBREAK_REQUIRE_BROWSER"):
            pytest.fail("Chromium is not installed (apt-get install chromium)")
        pytest.skip("Chromium is not installed (apt-get install chromium); .ci/run installs it")
    return {
        **browser_type_launch_args,
        "executable_path": path,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }
