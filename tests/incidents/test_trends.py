"""Trends across incidents, per client and per agency: incidents by severity month by
month (in the agency's time zone), median response times from the war room's own
metrics against the plans' targets, open action items; scoping and a fixed query count.
Real rows throughout."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents.models import ActionItem, Incident, PostMortem, Statement
from incidents.trends import month_starts, trends

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")


def an_incident(client, opened_at, severity, **fields):
    fields.setdefault("detected_at", opened_at)
    return Incident.objects.create(
        client=client,
        title=f"Incident {opened_at:%d %b}",
        severity=severity,
        opened_at=opened_at,
        **fields,
    )


@pytest.fixture
def history(cast):
    """Three real incidents of Acme in the last six months, a drill, an older one and
    one of the second client."""
    april = datetime(2026, 4, 10, 9, 0, tzinfo=UTC)
    a = an_incident(
        cast.client,
        april,
        2,
        first_mention_at=april - timedelta(minutes=90),
        acknowledged_at=april + timedelta(minutes=30),
        first_statement_at=april + timedelta(hours=3),
        resolved_at=april + timedelta(days=2),
    )
    # 23:30 UTC on 31 May is 00:30 on 1 June in London: a June incident.
    june_first = datetime(2026, 5, 31, 23, 30, tzinfo=UTC)
    b = an_incident(cast.client, june_first, 3, acknowledged_at=june_first + timedelta(minutes=45))
    Statement.objects.create(
        incident=b,
        channel="x",
        body="Out.",
        status="published",
        published_at=june_first + timedelta(hours=1),
    )
    june = datetime(2026, 6, 10, 8, 0, tzinfo=UTC)
    c = an_incident(
        cast.client,
        june,
        4,
        acknowledged_at=june + timedelta(minutes=5),
        resolved_at=june + timedelta(hours=20),
    )
    an_incident(cast.client, june, 4, is_drill=True)
    an_incident(cast.client, datetime(2025, 12, 1, tzinfo=UTC), 1)
    an_incident(cast.second_client, june, 1, acknowledged_at=june + timedelta(minutes=10))
    return a, b, c


def by_label(result):
    return {m.label: m for m in result.milestones}


def test_month_starts_are_local_months_oldest_first():
    starts = month_starts(3, now=datetime(2026, 1, 10, tzinfo=UTC), tz=LONDON)
    assert [s.strftime("%Y-%m-%d") for s in starts] == ["2025-11-01", "2025-12-01", "2026-01-01"]
    assert all(s.tzinfo == LONDON for s in starts)


def test_incidents_by_severity_per_local_month_without_drills(cast, history):
    result = trends(Incident.objects.filter(client=cast.client), months=6, tz=LONDON, now=NOW)
    assert [f"{m.start:%b}" for m in result.months] == ["Jan", "Feb", "Mar", "Apr", "May", "Jun"]
    assert [m.by_severity for m in result.months] == [
        (0, 0, 0, 0),
        (0, 0, 0, 0),
        (0, 0, 0, 0),
        (0, 1, 0, 0),
        (0, 0, 0, 0),
        (0, 0, 1, 1),  # the drill is not counted
    ]
    assert result.total == 3 and result.open_now == 1
    assert result.by_severity == {1: 0, 2: 1, 3: 1, 4: 1}


def test_median_response_times_and_targets_met(cast, history):
    result = trends(Incident.objects.filter(client=cast.client), months=6, tz=LONDON, now=NOW)
    m = by_label(result)
    assert (m["Time to detect"].median_label, m["Time to detect"].measured) == ("1 h 30 min", 1)
    ack = m["Time to acknowledge"]
    assert (ack.median, ack.met, ack.judged) == (timedelta(minutes=30), 2, 3)  # 45 > 30 min
    held = m["Time to first statement"]
    # April 3 h (target 4 h), June 1 h from the statements (target 2 h), and one never
    # held, already late: judged and missed.
    assert (held.median, held.measured, held.met, held.judged) == (timedelta(hours=2), 2, 2, 3)
    resolved = m["Time to resolution"]
    assert resolved.median_label == "1 d 10 h"
    assert (resolved.met, resolved.judged) == (2, 3)
    assert result.months[-1].medians["Time to acknowledge"] == timedelta(minutes=25)
    assert result.months[0].medians["Time to acknowledge"] is None


def test_the_metrics_of_many_incidents_cost_one_query(cast, history):
    with CaptureQueriesContext(connection) as ctx:
        trends(Incident.objects.all(), months=24, tz=LONDON, now=NOW, per_client=True)
    assert len(ctx.captured_queries) == 1


def test_the_agency_view_breaks_the_trends_down_by_client(cast, history):
    result = trends(Incident.objects.all(), months=6, tz=LONDON, now=NOW, per_client=True)
    assert [(r.name, r.incidents, r.open) for r in result.clients] == [
        ("Acme Foods", 3, 1),
        (cast.second_client.name, 1, 1),
    ]
    assert result.clients[0].median_first_statement_label == "2 h"


# -- the pages ---------------------------------------------------------------------------------


def action_items(cast):
    """Open, overdue and done action items of Acme, one of a drill, one of the second
    client."""
    now = timezone.now()
    recent = an_incident(cast.client, now - timedelta(days=3), 3, resolved_at=now)
    pm = PostMortem.objects.create(incident=recent, author=cast.owner)
    ActionItem.objects.create(
        postmortem=pm,
        title="Rewrite the recall template",
        owner=cast.staff,
        due_date=date.today() - timedelta(days=2),
    )
    ActionItem.objects.create(
        postmortem=pm, title="Brief the call centre", owner_role="Customer service"
    )
    ActionItem.objects.create(postmortem=pm, title="Already done", status="done")
    drill = an_incident(cast.client, now - timedelta(days=2), 2, is_drill=True)
    ActionItem.objects.create(
        postmortem=PostMortem.objects.create(incident=drill), title="Drill lesson"
    )
    other = an_incident(cast.second_client, now - timedelta(days=1), 1)
    ActionItem.objects.create(
        postmortem=PostMortem.objects.create(incident=other), title="Second client's action"
    )


def client_page(http, cast, **params):
    url = reverse("incidents:trends", kwargs={"client": cast.client.public_id})
    return http.get(url, params).content.decode()


def test_the_client_page_shows_figures_charts_and_open_action_items(cast, client):
    action_items(cast)
    client.force_login(cast.staff)
    page = client_page(client, cast)
    assert "<strong>1</strong><span>incident opened</span>" in page  # the drill is left out
    assert "<strong>1</strong><span>at severity 3</span>" in page
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" class="bars"') == 2
    assert 'data-series="Severity 3"' in page and 'data-value="1"' in page
    assert "Rewrite the recall template" in page and "overdue" in page
    assert "Brief the call centre" in page and "Customer service" in page
    assert "Already done" not in page
    assert "Drill lesson" not in page
    assert "Second client&#x27;s action" not in page and "Second client's action" not in page
    assert "<strong>2</strong><span>open action items</span>" in page


def test_the_period_is_chosen_from_the_list_only(cast, client):
    client.force_login(cast.staff)
    assert 'value="24" selected' in client_page(client, cast, months="24")
    assert 'value="12" selected' in client_page(client, cast, months="999")
    assert 'value="12" selected' in client_page(client, cast, months="x")


def test_an_empty_period_says_so(cast, client):
    client.force_login(cast.staff)
    page = client_page(client, cast)
    assert "No incident opened in this period." in page
    assert "No open action item" in page


def agency_page(http, **params):
    return http.get(reverse("trends:agency"), params).content.decode()


def test_the_agency_page_shows_only_the_clients_a_member_may_see(cast, client):
    action_items(cast)
    client.force_login(cast.owner)
    page = agency_page(client)
    assert "Second client&#x27;s action" in page
    assert "<strong>2</strong><span>incidents opened</span>" in page
    assert "Acme Foods" in page and cast.second_client.name in page

    client.force_login(cast.staff)  # assigned to Acme only
    page = agency_page(client)
    assert "Rewrite the recall template" in page
    assert "Second client" not in page and cast.second_client.name not in page
    assert "<strong>1</strong><span>incident opened</span>" in page

    client.force_login(cast.unassigned_staff)
    page = agency_page(client)
    assert "Rewrite the recall template" not in page and "Acme Foods" not in page

    client.force_login(cast.outsider)  # the owner of another agency
    page = agency_page(client)
    assert "Rewrite the recall template" not in page and "Acme Foods" not in page


def test_the_agency_page_costs_the_same_queries_for_2_or_12_incidents(cast, client):
    client.force_login(cast.owner)
    now = timezone.now()
    for n in range(2):
        an_incident(cast.client, now - timedelta(days=n + 1), 2, acknowledged_at=now)
    agency_page(client)  # warm caches
    with CaptureQueriesContext(connection) as small:
        agency_page(client)
    for n in range(10):
        an_incident(cast.second_client, now - timedelta(days=n + 1), 3)
    with CaptureQueriesContext(connection) as big:
        page = agency_page(client)
    assert len(small.captured_queries) == len(big.captured_queries)
    assert "<strong>12</strong><span>incidents opened</span>" in page
