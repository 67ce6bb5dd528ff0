"""The war room's numbers: response-time metrics against the plan's targets, and the
assessment panel (volume and negative share against the client's usual, top sources and
authors by reach, unanswered negative mentions, median time to first response).

Real rows throughout: the incident is opened, acknowledged, answered and resolved
through the services; the milestones those services stamp with "now" are then moved to
known times, so every duration below is exact.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.incident_selectors import assessment, incident_metrics
from incidents.incident_services import incident_change_status, incident_open
from incidents.models import (
    Alert,
    AlertKind,
    Incident,
    MentionResponse,
    ResponseStatus,
    Statement,
)
from incidents.response_services import response_save
from incidents.statement_services import statement_approve, statement_draft, statement_publish
from tests.incidents.ui_factories import a_mention, a_source, an_alert
from tests.plans.factories import approved_plan

pytestmark = pytest.mark.django_db

# Severity 3 of the plan: acknowledge within 20 min, first statement within 1 h 30 min,
# resolve within a day; detection is left to the default (1 h).
LEVELS = [
    {
        "severity": 3,
        "criteria": "Press",
        "notify": "Team",
        "targets": {"acknowledge": 20, "hold": 90, "resolve": 1440},
    }
]


def at(moment):
    return moment.replace(microsecond=0)


def page(client, incident):
    return client.get(
        reverse(
            "incidents:detail",
            kwargs={"client": incident.client.public_id, "pk": incident.public_id},
        )
    ).content.decode()


def metric_rows(incident, now):
    return {
        m.label: (m.value_label, m.target_label, m.met) for m in incident_metrics(incident, now=now)
    }


@pytest.fixture
def crisis(cast):
    """A severity-3 incident escalated from an alert raised at T0, whose first mention
    was published 30 minutes earlier."""
    approved_plan(cast.client, cast.owner, escalation_levels=LEVELS)
    t0 = at(timezone.now()) - timedelta(hours=30)
    source = a_source(cast.client, name="Newswire")
    mentions = [
        a_mention(cast.client, source, text="Acme recall?", published_at=t0 - timedelta(minutes=m))
        for m in (30, 20, 10)
    ]
    alert = an_alert(cast.client, AlertKind.NEGATIVE_SURGE, opened_at=t0)
    alert.mentions.set(mentions)
    incident = incident_open(
        client=cast.client, by=cast.staff, title="Recall", severity=3, alert=alert
    )
    return incident, t0


def test_every_duration_is_measured_from_detection_against_the_plans_targets(cast, crisis):
    incident, t0 = crisis
    assert incident.detected_at == t0 and incident.first_mention_at == t0 - timedelta(minutes=30)
    incident_change_status(incident=incident, by=cast.staff, status="assessing", reason="On it")
    Incident.objects.filter(pk=incident.pk).update(acknowledged_at=t0 + timedelta(minutes=12))
    incident.refresh_from_db()

    rows = metric_rows(incident, now=t0 + timedelta(minutes=50))
    assert rows["Time to detect"] == ("30 min", "1 h", True)
    assert rows["Time to acknowledge"] == ("12 min", "20 min", True)
    # Nothing published yet, 50 minutes in: pending, not late yet (target 1 h 30 min).
    assert rows["Time to first statement"] == ("pending (50 min so far)", "1 h 30 min", None)
    assert rows["Time to resolution"] == ("pending (50 min so far)", "1 d", None)

    # Two hours in and still nothing public: already late, before it even happens.
    rows = metric_rows(incident, now=t0 + timedelta(hours=2))
    assert rows["Time to first statement"] == ("pending (2 h so far)", "1 h 30 min", False)

    statement = statement_draft(incident=incident, by=cast.staff, channel="x", body="We know.")
    statement_approve(statement=statement, by=cast.manager)
    statement_publish(statement=statement, by=cast.staff)
    Incident.objects.filter(pk=incident.pk).update(first_statement_at=t0 + timedelta(minutes=105))
    incident_change_status(incident=incident, by=cast.staff, status="resolved", reason="Done")
    Incident.objects.filter(pk=incident.pk).update(resolved_at=t0 + timedelta(hours=26))
    incident.refresh_from_db()

    rows = metric_rows(incident, now=t0 + timedelta(hours=30))
    assert rows["Time to first statement"] == ("1 h 45 min", "1 h 30 min", False)
    assert rows["Time to resolution"] == ("1 d 2 h", "1 d", False)
    assert rows["Time to acknowledge"] == ("12 min", "20 min", True)


def test_the_first_statement_is_read_from_the_statements_when_the_incident_lacks_it(cast, crisis):
    incident, t0 = crisis
    Statement.objects.create(
        incident=incident,
        channel="press",
        body="Out.",
        status="published",
        published_at=t0 + timedelta(minutes=25),
    )
    Statement.objects.create(
        incident=incident,
        channel="x",
        body="Later.",
        status="published",
        published_at=t0 + timedelta(minutes=70),
    )
    assert incident.first_statement_at is None
    rows = metric_rows(incident, now=t0 + timedelta(hours=3))
    assert rows["Time to first statement"] == ("25 min", "1 h 30 min", True)


def test_the_war_room_shows_the_metrics_and_verdicts(cast, client, crisis):
    incident, t0 = crisis
    Incident.objects.filter(pk=incident.pk).update(
        acknowledged_at=t0 + timedelta(minutes=45),
        first_statement_at=t0 + timedelta(minutes=80),
        resolved_at=t0 + timedelta(days=3, hours=2),
        status="resolved",
    )
    client.force_login(cast.staff)
    html = page(client, incident)
    assert "<strong>30 min</strong>" in html  # detect
    assert "target 1 h · met" in html
    assert "<strong>45 min</strong>" in html and "target 20 min · missed" in html
    assert "<strong>1 h 20 min</strong>" in html and "target 1 h 30 min · met" in html
    assert "<strong>3 d 2 h</strong>" in html and "target 1 d · missed" in html
    assert "Targets for severity 3: from plan revision 1, the defaults where it sets none" in html


def test_an_incident_without_a_plan_is_measured_against_the_defaults(cast):
    incident = incident_open(client=cast.client, by=cast.owner, title="x", severity=4)
    start = incident.detected_at
    rows = metric_rows(incident, now=start + timedelta(minutes=20))
    assert rows["Time to detect"] == ("—", "30 min", None)  # no alert: nothing to time
    assert rows["Time to acknowledge"] == ("pending (20 min so far)", "15 min", False)
    assert rows["Time to first statement"][1] == "1 h"


def test_the_war_room_says_where_its_targets_come_from_without_a_plan(cast, client):
    incident = incident_open(client=cast.client, by=cast.owner, title="x", severity=4)
    client.force_login(cast.staff)
    html = page(client, incident)
    assert "Targets for severity 4: the defaults, as no plan was in force when it opened" in html


# -- the assessment panel ---------------------------------------------------------------------


@pytest.fixture
def surge(cast):
    """An incident opened an hour ago from an alert whose window began two hours ago:
    six mentions since, against eight (two negative) in the four weeks before."""
    now = at(timezone.now())
    since = now - timedelta(hours=2)
    newswire = a_source(cast.client, name="Newswire")
    forum = a_source(cast.client, name="Forum")
    for day in range(1, 9):
        label = "negative" if day in (2, 5) else "neutral"
        a_mention(
            cast.client,
            forum,
            published_at=since - timedelta(days=day),
            sentiment_label=label,
            author="@old",
        )
    # Outside both windows: five weeks ago, and another client's surge right now.
    a_mention(cast.client, forum, published_at=since - timedelta(weeks=5))
    a_mention(cast.second_client, published_at=now - timedelta(minutes=5), author="@elsewhere")

    def during(source, minutes, author, reach, label):
        return a_mention(
            cast.client,
            source,
            published_at=since + timedelta(minutes=minutes),
            author=author,
            author_reach=reach,
            sentiment_label=label,
        )

    big1 = during(newswire, 5, "@bignews", 50_000, "negative")
    big2 = during(newswire, 15, "@bignews", 52_000, "negative")
    during(newswire, 25, "@reporter", 1_000, "neutral")
    anna = during(forum, 35, "@anna", 300, "negative")
    during(forum, 45, "@ben", 200, "positive")
    nameless = during(forum, 55, "", None, "negative")
    alert = Alert.objects.create(
        client=cast.client,
        kind=AlertKind.NEGATIVE_SURGE,
        explanation="Negative mentions quadrupled since 14:00.",
        window_start=since,
        window_end=now,
    )
    incident = incident_open(
        client=cast.client, by=cast.staff, title="Surge", severity=2, alert=alert
    )
    Incident.objects.filter(pk=incident.pk).update(opened_at=now - timedelta(hours=1))
    incident.refresh_from_db()
    incident.mentions.add(big1, big2, anna, nameless)
    return incident, now, {"big1": big1, "big2": big2, "anna": anna, "nameless": nameless}


def answer(cast, incident, mention, status, after_minutes):
    response = response_save(
        mention=mention, by=cast.staff, body="Sorry to hear it.", status=status, incident=incident
    )
    if after_minutes is not None:
        MentionResponse.objects.filter(pk=response.pk).update(
            sent_at=mention.published_at + timedelta(minutes=after_minutes)
        )


def test_the_assessment_compares_the_surge_with_the_clients_usual(cast, surge):
    incident, now, _mentions = surge
    a = assessment(incident, now=now)
    assert a.since == now - timedelta(hours=2) and a.until == now
    assert (a.volume, a.negative) == (6, 4)
    assert a.negative_share == pytest.approx(4 / 6)
    # Eight mentions in four weeks is 8 / 336 per two-hour window.
    assert a.usual_volume == pytest.approx(8 / 336)
    assert a.usual_negative_share == pytest.approx(0.25)
    assert a.volume_ratio == pytest.approx(6 / (8 / 336))
    assert a.explanation == "Negative mentions quadrupled since 14:00."


def test_top_sources_and_authors_are_ranked_by_reach(cast, surge):
    incident, now, _mentions = surge
    a = assessment(incident, now=now)
    assert [(r.name, r.reach, r.mentions) for r in a.top_sources] == [
        ("Newswire", 103_000, 3),
        ("Forum", 500, 3),
    ]
    assert [(r.name, r.reach, r.mentions) for r in a.top_authors] == [
        ("@bignews", 52_000, 2),
        ("@reporter", 1_000, 1),
        ("@anna", 300, 1),
        ("@ben", 200, 1),
    ]  # the nameless post has no author to rank


def test_unanswered_negatives_and_the_median_time_to_first_response(cast, surge):
    incident, now, m = surge
    a = assessment(incident, now=now)
    assert a.unanswered_negative == 4 and a.median_first_response is None
    answer(cast, incident, m["big1"], ResponseStatus.SENT, 20)
    answer(cast, incident, m["anna"], ResponseStatus.SENT, 40)
    answer(cast, incident, m["anna"], ResponseStatus.SENT, 90)  # a second reply: not the first
    answer(cast, incident, m["big2"], ResponseStatus.NO_RESPONSE, None)
    answer(cast, incident, m["nameless"], ResponseStatus.DRAFTED, None)  # not answered yet
    a = assessment(incident, now=now)
    assert a.unanswered_negative == 1
    assert a.median_first_response == timedelta(minutes=30)
    assert a.median_first_response_label == "30 min"


def test_the_assessment_panel_shows_what_a_user_reads(cast, client, surge):
    incident, _now, m = surge
    answer(cast, incident, m["big1"], ResponseStatus.SENT, 20)
    client.force_login(cast.staff)
    html = page(client, incident)
    assert "Negative mentions quadrupled since 14:00." in html
    assert "67%" in html and "(usually 25%)" in html
    assert 'Newswire <span class="muted small">reach 103,000 · 3 mentions</span>' in html
    assert '@bignews <span class="muted small">reach 52,000 · 2 mentions</span>' in html
    assert "@elsewhere" not in html
    assert "<dt>Unanswered negative mentions</dt><dd>3</dd>" in html
    assert "<dt>Median time to first response</dt><dd>20 min</dd>" in html


def test_a_closed_incident_is_assessed_up_to_its_closing(cast, surge):
    incident, now, _mentions = surge
    Incident.objects.filter(pk=incident.pk).update(closed_at=now - timedelta(minutes=80))
    incident.refresh_from_db()
    a = assessment(incident, now=now)
    assert a.until == now - timedelta(minutes=80)
    assert (a.volume, a.negative) == (4, 3)  # the posts of the first 40 minutes
