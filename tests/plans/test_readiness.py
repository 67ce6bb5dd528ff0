"""Preparedness on the dashboard and the client overview: overdue plan reviews, the last
drill and clients with no drill in six months."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from plans.models import CrisisPlan
from plans.services import exercise_save
from tests.plans.factories import approved_plan


def test_the_dashboard_lists_plans_overdue_for_review(cast, client):
    plan, _ = approved_plan(cast.client, cast.owner)
    CrisisPlan.objects.filter(pk=plan.pk).update(
        next_review_date=timezone.localdate() - timedelta(days=2)
    )
    client.force_login(cast.manager)
    page = client.get(reverse("portal:dashboard")).content.decode()
    assert "Crisis plans overdue for review" in page
    assert "review overdue" in page


def test_the_dashboard_flags_clients_without_a_drill_in_six_months(cast, client):
    exercise_save(
        client=cast.client,
        by=cast.owner,
        title="Recall drill",
        scheduled_at=timezone.now() - timedelta(days=30),
        status="completed",
    )
    exercise_save(
        client=cast.second_client,
        by=cast.owner,
        title="Old drill",
        scheduled_at=timezone.now() - timedelta(days=200),
        status="completed",
    )
    client.force_login(cast.owner)
    page = client.get(reverse("portal:dashboard")).content.decode()
    acme = page[page.index("Acme Foods") : page.index("Blue Air")]
    blue = page[page.index("Blue Air") : page.index("Cobalt Bank")]
    assert "Last drill" in acme and "no drill in 6 months" not in acme
    assert "no drill in 6 months" in blue
    assert "No drill yet" in page[page.index("Cobalt Bank") :]


def test_a_planned_drill_does_not_count_as_held(cast, client):
    exercise_save(
        client=cast.client,
        by=cast.owner,
        title="Next month",
        scheduled_at=timezone.now() + timedelta(days=30),
    )
    client.force_login(cast.owner)
    page = client.get(reverse("plans:drills", kwargs={"client": cast.client.public_id}))
    assert "no drill in 6 months" in page.content.decode()


def test_the_client_overview_links_to_plan_risks_and_drills(cast, client):
    approved_plan(cast.client, cast.owner)
    client.force_login(cast.staff)
    page = client.get(
        reverse("clients:overview", kwargs={"client": cast.client.public_id})
    ).content.decode()
    for name in ("plan", "risks", "drills"):
        assert reverse(f"plans:{name}", kwargs={"client": cast.client.public_id}) in page
    assert "Plan revision 1" in page
