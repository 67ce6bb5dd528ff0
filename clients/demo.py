"""Demo data: an agency with three clients and a person of each role, plus a second
agency. Idempotent: running it again changes nothing but resetting the demo passwords."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from clients.models import Agency, Client, Contact, ContactKind, Membership, PortalAccess, Role
from clients.services import assign_staff
from portal.models import User

DEMO_PASSWORD = "firebreak-demo"  # noqa: S105 — printed for the quick start, demo only


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str


DEMO_PEOPLE = [
    ("owner@northwind.example", "Olivia Owner", "Owner of Northwind Communications"),
    ("manager@northwind.example", "Max Manager", "Manager at Northwind"),
    ("staff@northwind.example", "Sam Staff", "Staff assigned to Acme Foods"),
    ("unassigned@northwind.example", "Uma Unassigned", "Staff with no client yet"),
    ("contact@acme.example", "Carla Contact", "Client contact of Acme Foods (portal)"),
    ("owner@rival.example", "Oscar Other", "Owner of the second agency, Rival PR"),
]

DEMO_CONTACTS = [
    (
        "Jane Park",
        ContactKind.MEDIA,
        "Daily Planet",
        "Consumer affairs reporter",
        "jane.park@planet.example",
        250_000,
        2,
    ),
    (
        "Leo Martins",
        ContactKind.INFLUENCER,
        "@leoeats",
        "Food creator",
        "leo@leoeats.example",
        1_200_000,
        2,
    ),
    (
        "Dr Amara Singh",
        ContactKind.REGULATOR,
        "Food Standards Agency",
        "Incident officer",
        "a.singh@fsa.example",
        None,
        3,
    ),
    (
        "Tom Becker",
        ContactKind.INTERNAL,
        "Acme Foods",
        "Head of quality",
        "tom.becker@acme.example",
        None,
        1,
    ),
    (
        "Priya Shah",
        ContactKind.PARTNER,
        "FreshMart",
        "Category manager",
        "priya@freshmart.example",
        None,
        3,
    ),
]


@transaction.atomic
def load_demo() -> list[DemoLogin]:
    northwind, _ = Agency.objects.get_or_create(
        name="Northwind Communications", defaults={"time_zone": "Europe/London"}
    )
    rival, _ = Agency.objects.get_or_create(
        name="Rival PR", defaults={"time_zone": "America/New_York"}
    )
    acme, _ = Client.objects.get_or_create(
        agency=northwind, name="Acme Foods", defaults={"industry": "Packaged food"}
    )
    Client.objects.get_or_create(
        agency=northwind, name="Blue Air", defaults={"industry": "Airline"}
    )
    Client.objects.get_or_create(
        agency=northwind, name="Cobalt Bank", defaults={"industry": "Retail banking"}
    )
    Client.objects.get_or_create(
        agency=rival, name="Globex Energy", defaults={"industry": "Energy"}
    )

    users: dict[str, User] = {}
    for email, name, _ in DEMO_PEOPLE:
        user, _created = User.objects.get_or_create(email=email, defaults={"full_name": name})
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        users[email] = user

    roles: dict[str, tuple[Agency, str]] = {
        "owner@northwind.example": (northwind, Role.OWNER),
        "manager@northwind.example": (northwind, Role.MANAGER),
        "staff@northwind.example": (northwind, Role.STAFF),
        "unassigned@northwind.example": (northwind, Role.STAFF),
        "owner@rival.example": (rival, Role.OWNER),
    }
    for email, (agency, role) in roles.items():
        Membership.objects.get_or_create(agency=agency, user=users[email], defaults={"role": role})
    # The owner of Northwind also belongs to Rival PR as staff, to show agency switching.
    Membership.objects.get_or_create(
        agency=rival, user=users["owner@northwind.example"], defaults={"role": Role.STAFF}
    )
    assign_staff(client=acme, user=users["staff@northwind.example"], write=True)
    PortalAccess.objects.get_or_create(
        client=acme,
        user=users["contact@acme.example"],
        defaults={"granted_by": users["owner@northwind.example"]},
    )
    for name, kind, org, role, email, reach, severity in DEMO_CONTACTS:
        Contact.objects.get_or_create(
            client=acme,
            email=email,
            defaults={
                "name": name,
                "kind": kind,
                "organisation": org,
                "role": role,
                "reach": reach,
                "notify_from_severity": severity,
            },
        )
    from plans.demo import load_plan_demo

    load_plan_demo(client=acme, by=users["owner@northwind.example"])
    from incidents.demo import load_monitoring_demo

    load_monitoring_demo(client=acme)
    from incidents.postmortem_demo import load_postmortem_demo

    load_postmortem_demo(client=acme, by=users["owner@northwind.example"])
    return [DemoLogin(email=email, role=label) for email, _, label in DEMO_PEOPLE]
