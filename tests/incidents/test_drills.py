"""Drill mode: a scenario replayed as a stream of synthetic mentions into a drill
incident that never reaches anybody real, with the team's timings for the exercise."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from incidents.alerts import client_buckets
from incidents.drill_tasks import replay_drill
from incidents.drills import DRILL_SIZE, DRILL_SOURCE_NAME, drill_start
from incidents.incident_services import incident_change_severity, incident_change_status
from incidents.models import Incident, Mention, StakeholderNotification
from incidents.response_services import response_save
from incidents.statement_services import statement_approve, statement_draft, statement_publish
from plans.models import ExerciseStatus, Scenario
from portal.scoping import Scope
from tests.incidents.incident_factories import a_plan

pytestmark = pytest.mark.django_db


def start(cast: Any, django_capture_on_commit_callbacks: Any, **kwargs: Any) -> Incident:
    revision = a_plan(cast)
    scenario = Scenario.objects.get(revision=revision)
    with django_capture_on_commit_callbacks(execute=True):
        return drill_start(client=cast.client, by=cast.owner, scenario=scenario, **kwargs)


def test_a_drill_replays_the_scripted_mentions_into_a_drill_incident(
    cast, django_capture_on_commit_callbacks
):
    incident = start(cast, django_capture_on_commit_callbacks)
    assert incident.is_drill
    assert incident.tasks.count() == 3  # the plan ran as for a real incident
    mentions = Mention.objects.filter(client=cast.client, source__name=DRILL_SOURCE_NAME)
    assert mentions.count() == DRILL_SIZE
    assert incident.mentions.count() == DRILL_SIZE
    texts = list(mentions.values_list("text", flat=True))
    assert all(t.startswith("[Drill] ") for t in texts)
    assert any("recall" in t for t in texts) and any("contaminated" in t for t in texts)
    assert mentions.filter(sentiment_label="negative").exists()  # scored by real ingestion
    times = sorted(mentions.values_list("published_at", flat=True))
    assert times[0] == incident.opened_at
    assert timedelta(minutes=4) <= times[-1] - times[0] <= timedelta(minutes=10)


def test_replaying_again_stores_no_mention_twice(cast, django_capture_on_commit_callbacks):
    incident = start(cast, django_capture_on_commit_callbacks)
    before = set(Mention.objects.filter(client=cast.client).values_list("external_id", flat=True))
    replay_drill(incident.pk)
    replay_drill(incident.pk, 2)
    after = set(Mention.objects.filter(client=cast.client).values_list("external_id", flat=True))
    assert after == before and len(after) == DRILL_SIZE
    assert incident.mentions.count() == DRILL_SIZE


def test_a_drill_notifies_no_stakeholder(cast, django_capture_on_commit_callbacks):
    cast.contact.notify_from_severity = 1
    cast.contact.save()
    incident = start(cast, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        incident_change_severity(incident=incident, by=cast.owner, severity=4, reason="Drill")
    assert not StakeholderNotification.objects.exists()
    assert mail.outbox == []


def test_drill_mentions_never_feed_the_alert_detector(cast, django_capture_on_commit_callbacks):
    start(cast, django_capture_on_commit_callbacks)
    now = timezone.now()
    buckets = list(
        client_buckets(
            client=cast.client, since=now - timedelta(hours=1), until=now + timedelta(hours=1)
        )
    )
    assert buckets == []


def test_client_contacts_cannot_see_a_drill(cast, django_capture_on_commit_callbacks):
    incident = start(cast, django_capture_on_commit_callbacks)
    portal = Scope.for_portal(cast.contact_user)
    assert not Incident.objects.within(portal).filter(pk=incident.pk).exists()
    real = Incident.objects.create(client=cast.client, title="Real", opened_by=cast.owner)
    assert Incident.objects.within(portal).filter(pk=real.pk).exists()


def test_the_exercise_record_gets_the_teams_timings(
    cast, django_capture_on_commit_callbacks, client
):
    incident = start(cast, django_capture_on_commit_callbacks)
    statement = statement_draft(incident=incident, by=cast.staff, channel="x", body="We know.")
    statement_approve(statement=statement, by=cast.manager)
    statement_publish(statement=statement, by=cast.staff)
    mention = incident.mentions.first()
    response_save(
        mention=mention, by=cast.staff, body="Hi, sorry", status="sent", incident=incident
    )
    incident_change_status(incident=incident, by=cast.owner, status="resolved", reason="Drill over")

    client.force_login(cast.manager)
    response = client.post(
        reverse(
            "drills:timings", kwargs={"client": cast.client.public_id, "pk": incident.public_id}
        )
    )
    assert response.status_code == 302
    exercise = incident.exercise
    exercise.refresh_from_db()
    assert exercise.status == ExerciseStatus.COMPLETED
    assert "Time to first statement: 0 min" in exercise.outcome
    assert "Time to first reply: 0 min" in exercise.outcome
    assert "Mentions answered: 1 of 20" in exercise.outcome


def test_a_drill_is_started_from_its_page(cast, client):
    revision = a_plan(cast)
    scenario = Scenario.objects.get(revision=revision)
    client.force_login(cast.staff)
    url = reverse("drills:start", kwargs={"client": cast.client.public_id})
    assert "Product recall" in client.get(url).text
    response = client.post(url, {"scenario": str(scenario.public_id)})
    incident = Incident.objects.get(is_drill=True)
    assert response["Location"].endswith(f"/incidents/{incident.public_id}/")
    assert incident.exercise is not None
    assert "Choose a scenario" in client.post(url, {}, follow=True).text
