from __future__ import annotations

from django.core.management import call_command

from clients.models import Agency, Client, Contact, Membership, PortalAccess
from portal.models import User


def test_demo_data_is_idempotent_and_prints_logins(db, capsys):
    call_command("demo_data")
    first = capsys.readouterr().out
    counts = [m.objects.count() for m in (Agency, Client, User, Membership, PortalAccess, Contact)]
    call_command("demo_data")
    assert [
        m.objects.count() for m in (Agency, Client, User, Membership, PortalAccess, Contact)
    ] == counts
    assert "owner@northwind.example" in first and "contact@acme.example" in first
    assert Client.objects.filter(agency__name="Northwind Communications").count() == 3


def test_demo_client_has_an_approved_plan_risks_and_a_drill(db):
    from plans.models import Exercise, PlanRevision, Risk

    call_command("demo_data")
    call_command("demo_data")
    acme = Client.objects.get(name="Acme Foods")
    approved = PlanRevision.objects.get(plan__client=acme, status="approved")
    assert approved.scenarios.get().steps.count() == 4
    assert Risk.objects.filter(client=acme).count() == 5
    assert Exercise.objects.filter(client=acme).count() == 1


def test_demo_logins_work(db, client):
    call_command("demo_data")
    response = client.post(
        "/accounts/login/", {"username": "staff@northwind.example", "password": "firebreak-demo"}
    )
    assert response.status_code == 302
    page = client.get("/")
    assert "Acme Foods" in page.content.decode()
    assert "Blue Air" not in page.content.decode()  # staff see only their assigned client


def test_demo_client_opens_on_a_detected_negative_surge(db):
    from incidents.models import Alert, Mention

    call_command("demo_data")
    mentions = Mention.objects.count()
    call_command("demo_data")
    assert Mention.objects.count() == mentions > 500
    surge = Alert.objects.get(client__name="Acme Foods", kind="negative_surge", status="open")
    assert "Negative mentions" in surge.explanation and "the usual" in surge.explanation


def test_demo_war_room_shows_the_crisis_team_by_name(db):
    """The demo plan names the demo users, so its incident's roles hold real accounts and
    the approval chain (Crisis lead, Legal, Spokesperson) names who approves."""
    from incidents.models import Incident, IncidentRole
    from incidents.statement_services import approval_rule

    call_command("demo_data")
    incident = Incident.objects.filter(client__name="Acme Foods").earliest("opened_at")
    held = {
        r.role: r.person.email if r.person else None
        for r in IncidentRole.objects.filter(incident=incident)
    }
    assert held["Crisis lead"] == "manager@northwind.example"
    assert held["Spokesperson"] == "owner@northwind.example"
    assert held["Social media"] == "staff@northwind.example"
    assert held["Legal"] is None  # the client's counsel, who has no account
    rule = approval_rule(incident)
    assert {u.email for u in rule.approvers} == {
        "manager@northwind.example",
        "owner@northwind.example",
    }
    assert rule.roles == ["Crisis lead", "Spokesperson", "Legal"]
