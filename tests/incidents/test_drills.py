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
    assert "Time to first statement: under 1 min" in exercise.outcome
    assert "Time to first reply: under 1 min" in exercise.outcome
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


# -- drill mentions stay out of the client's real figures ------------------------------------


def monitoring(name: str, cast: Any, **kwargs: Any) -> str:
    return reverse(f"monitoring:{name}", kwargs={"client": cast.client.public_id, **kwargs})


def a_real_mention(cast: Any) -> Mention:
    from tests.incidents.ui_factories import a_mention, a_source, a_term

    term = a_term(cast.client, "recall")
    return a_mention(
        cast.client,
        a_source(cast.client, name="Newswire"),
        text="Acme recall in the news",
        author="@real_reporter",
        author_reach=900,
        sentiment_label="negative",
        published_at=timezone.now() - timedelta(minutes=20),
        terms=(term,),
    )


def test_the_inbox_lists_no_drill_mention(cast, client, django_capture_on_commit_callbacks):
    real = a_real_mention(cast)
    start(cast, django_capture_on_commit_callbacks)
    client.force_login(cast.staff)
    page = client.get(monitoring("inbox", cast)).content.decode()
    assert "Acme recall in the news" in page
    assert "[Drill]" not in page
    assert "All <strong>1</strong>" in page  # the counts leave drills out too
    new = client.get(
        monitoring("inbox_new_count", cast),
        {"since": (real.fetched_at - timedelta(hours=1)).isoformat()},
    ).content.decode()
    assert "1 new mention — show" in new


def test_the_monitoring_overview_counts_no_drill_mention(
    cast, client, django_capture_on_commit_callbacks
):
    real = a_real_mention(cast)
    incident = start(cast, django_capture_on_commit_callbacks)
    # The replay matched the watch term "recall" too, as real ingestion does.
    assert incident.mentions.filter(matched_terms__term="recall").exists()
    client.force_login(cast.staff)
    page = client.get(monitoring("overview", cast), {"range": "24h"}).content.decode()
    assert "<li><strong>1</strong><span>mentions, last 24 hours</span></li>" in page
    assert "<li><strong>1</strong><span>negative</span></li>" in page
    assert "@real_reporter" in page and "@newsdesk_live" not in page
    assert f'{real.matched_terms.get().term}</a></td><td>Brand</td><td class="num">1</td>' in page


def test_a_drill_mention_still_opens_and_triages_from_its_drill(
    cast, client, django_capture_on_commit_callbacks
):
    incident = start(cast, django_capture_on_commit_callbacks)
    mention = incident.mentions.first()
    assert mention is not None
    client.force_login(cast.staff)
    assert client.get(monitoring("mention", cast, pk=mention.public_id)).status_code == 200
    client.post(
        monitoring("mention", cast, pk=mention.public_id),
        {"triage": "ignored", "assignee": "none"},
    )
    mention.refresh_from_db()
    assert mention.triage == "ignored"


def test_drill_mentions_count_in_the_drills_assessment_only(
    cast, django_capture_on_commit_callbacks
):
    from incidents.incident_selectors import assessment
    from tests.incidents.incident_factories import an_incident

    a_real_mention(cast)
    drill = start(cast, django_capture_on_commit_callbacks)
    real = an_incident(cast, title="A real one")
    Incident.objects.filter(pk=real.pk).update(opened_at=drill.opened_at - timedelta(hours=1))
    real.refresh_from_db()
    later = drill.opened_at + timedelta(hours=1)
    assert assessment(real, now=later).volume == 1  # the real mention only
    assert [r.name for r in assessment(real, now=later).top_sources] == ["Newswire"]
    mine = assessment(drill, now=later)
    assert mine.volume == DRILL_SIZE
    # A week on, the drill's burst is not part of anybody's usual.
    week_on = drill.opened_at + timedelta(days=7)
    Incident.objects.filter(pk=real.pk).update(opened_at=week_on)
    real.refresh_from_db()
    assert assessment(real, now=week_on + timedelta(hours=1)).usual_volume == pytest.approx(
        1 / (4 * 7 * 24)
    )


def test_a_real_incidents_postmortem_counts_no_drill_mention(
    cast, django_capture_on_commit_callbacks
):
    from incidents.postmortems import postmortem_metrics
    from tests.incidents.incident_factories import an_incident

    a_real_mention(cast)
    drill = start(cast, django_capture_on_commit_callbacks)
    real = an_incident(cast, title="A real one")
    Incident.objects.filter(pk=real.pk).update(
        opened_at=drill.opened_at - timedelta(hours=1),
        status="resolved",
        resolved_at=drill.opened_at + timedelta(hours=2),
    )
    real.refresh_from_db()
    later = drill.opened_at + timedelta(days=1)
    figures = postmortem_metrics(real, now=later)
    assert sum(w.volume for w in figures.windows) == 1  # the real mention only
    drill_figures = postmortem_metrics(drill, now=later)
    assert sum(w.volume for w in drill_figures.windows) >= DRILL_SIZE


def test_the_drill_source_name_is_reserved(cast, client):
    client.force_login(cast.owner)
    response = client.post(
        monitoring("source_create", cast),
        {"name": "drill REPLAY", "kind": "push", "url": "", "interval_minutes": 10},
    )
    assert "is kept for the mentions drills replay" in response.content.decode()
