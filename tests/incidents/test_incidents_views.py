"""The war-room pages: list, opening, the incident page, live timeline and actions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents.incident_selectors import PAGE_ENTRIES
from incidents.incident_services import incident_change_status, timeline_add
from incidents.models import (
    AlertStatus,
    EntryKind,
    IncidentTask,
    Mention,
    TimelineEntry,
)
from tests.incidents.incident_factories import a_plan, an_alert_with_mentions, an_incident
from tests.incidents.ui_factories import a_mention

pytestmark = pytest.mark.django_db


def url(name, incident, **kw):
    return reverse(
        f"incidents:{name}",
        kwargs={"client": incident.client.public_id, "pk": incident.public_id, **kw},
    )


def test_escalating_an_alert_opens_the_war_room_with_the_plan_running(cast, client):
    a_plan(cast)
    alert = an_alert_with_mentions(cast)
    client.force_login(cast.staff)
    response = client.post(
        reverse(
            "incidents:open_from_alert",
            kwargs={"client": cast.client.public_id, "alert": alert.public_id},
        ),
        follow=True,
    )
    page = response.content.decode()
    assert "Alert escalated" in page
    assert "Convene the crisis team" in page  # tasks seeded
    assert "Max Manager" in page  # crisis team
    assert "1 statement" in page  # holding statement proposed
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ESCALATED


def test_opening_from_scratch_with_a_scenario_of_the_approved_plan(cast, client):
    revision = a_plan(cast)
    scenario = revision.scenarios.get()
    client.force_login(cast.staff)
    open_url = reverse("incidents:open", kwargs={"client": cast.client.public_id})
    assert "Product recall" in client.get(open_url).content.decode()
    response = client.post(
        open_url, {"title": "Rumour", "severity": "3", "scenario": str(scenario.public_id)}
    )
    assert response.status_code == 302
    incident = cast.client.incidents.get()
    assert incident.scenario == scenario and incident.severity == 3


def test_the_list_filters_and_marks_drills(cast, client):
    an_incident(cast, title="Real one")
    drill = an_incident(cast, title="Practice run", is_drill=True)
    incident_change_status(incident=drill, by=cast.owner, status="closed", reason="Done")
    client.force_login(cast.staff)
    list_url = reverse("incidents:list", kwargs={"client": cast.client.public_id})
    page = client.get(list_url).content.decode()
    assert "Real one" in page and "Practice run" in page and "Drill" in page
    page = client.get(list_url + "?status=open").content.decode()
    assert "Real one" in page and "Practice run" not in page


def test_adding_a_note_without_javascript_redirects_back(cast, client):
    incident = an_incident(cast)
    client.force_login(cast.staff)
    response = client.post(
        url("add_entry", incident),
        {"text": "Called the CEO", "kind": "note", "visibility": "internal"},
    )
    assert response.status_code == 302
    assert incident.timeline.filter(kind=EntryKind.NOTE, text="Called the CEO").exists()


def test_adding_a_note_with_htmx_leaves_the_form_and_refreshes_the_timeline(cast, client):
    incident = an_incident(cast)
    client.force_login(cast.staff)
    response = client.post(
        url("add_entry", incident),
        {"text": "Decided to recall", "kind": "decision", "visibility": "client"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 201 and response["HX-Trigger"] == "timeline-refresh"
    response = client.post(url("add_entry", incident), {"text": " "}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Write something first." in response.content.decode()


def test_an_empty_note_is_refused_with_a_message(cast, client):
    incident = an_incident(cast)
    client.force_login(cast.staff)
    response = client.post(url("add_entry", incident), {"text": ""}, follow=True)
    assert "Write something first." in response.content.decode()


def test_a_closed_incident_refuses_notes_with_a_clear_message(cast, client):
    incident = an_incident(cast)
    incident_change_status(incident=incident, by=cast.owner, status="closed", reason="Over")
    client.force_login(cast.staff)
    response = client.post(url("add_entry", incident), {"text": "Late"}, follow=True)
    assert "This incident is closed: reopen it to add to its timeline." in response.content.decode()


def test_the_timeline_poll_returns_only_newer_entries(cast, client):
    incident = an_incident(cast)
    first = timeline_add(incident=incident, by=cast.owner, text="One")
    client.force_login(cast.staff)
    poll = url("timeline", incident) + f"?after={first.public_id}"
    assert client.get(poll, HTTP_HX_REQUEST="true").status_code == 204
    timeline_add(incident=incident, by=cast.manager, text="Two <b>bold</b>")
    response = client.get(poll, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "Two &lt;b&gt;bold&lt;/b&gt;" in body and ">One<" not in body
    assert 'hx-swap-oob="true"' in body  # the poller moves on to the new last entry


def test_the_poll_follows_the_timelines_order_not_the_row_ids(cast, client):
    """Entries recorded after the fact (imported, backdated) have newer ids but older
    times: the poll after the latest entry must not bring them in again at the end."""
    incident = an_incident(cast)
    latest = incident.timeline.get()
    TimelineEntry.objects.create(
        incident=incident, text="Backdated", created_at=latest.created_at - timedelta(hours=1)
    )
    client.force_login(cast.staff)
    poll = url("timeline", incident) + f"?after={latest.public_id}"
    assert client.get(poll, HTTP_HX_REQUEST="true").status_code == 204
    bad = url("timeline", incident) + "?after=not-a-uuid"
    assert client.get(bad, HTTP_HX_REQUEST="true").status_code == 200  # from the start
    assert client.get(url("detail", incident), {"before": "nope"}).status_code == 200


def test_a_correction_references_the_original_and_no_edit_url_exists(cast, client):
    incident = an_incident(cast)
    entry = timeline_add(incident=incident, by=cast.owner, text="At 3pm")
    client.force_login(cast.staff)
    client.post(url("correct_entry", incident, entry=entry.public_id), {"text": "At 4pm"})
    fix = TimelineEntry.objects.get(kind=EntryKind.CORRECTION)
    assert fix.corrects == entry and TimelineEntry.objects.get(pk=entry.pk).text == "At 3pm"
    from tests.portal.test_isolation_matrix import PROJECT_PATTERNS

    names = [n for n, _r, _p in PROJECT_PATTERNS if n.startswith("incidents:")]
    assert not [n for n in names if "edit" in n or "delete" in n]


def test_status_change_without_a_reason_is_refused(cast, client):
    incident = an_incident(cast)
    client.force_login(cast.staff)
    response = client.post(url("change_status", incident), {"status": "assessing"}, follow=True)
    assert "a reason is recorded" in response.content.decode()
    incident.refresh_from_db()
    assert incident.status == "detected"


def test_task_done_and_stakeholder_log_from_the_page(cast, client):
    incident = an_incident(cast)
    task = IncidentTask.objects.create(incident=incident, title="Call the CEO")
    client.force_login(cast.staff)
    client.post(url("task_done", incident, task=task.public_id))
    task.refresh_from_db()
    assert task.done_by == cast.staff
    response = client.post(
        url("notify_stakeholder", incident),
        {"contact": str(cast.contact.public_id), "channel": "phone", "message": "Briefed her"},
        follow=True,
    )
    page = response.content.decode()
    assert "Jane Reporter" in page and "Briefed her" in page


def test_a_contact_of_another_agency_cannot_be_logged(cast, client):
    incident = an_incident(cast)
    client.force_login(cast.staff)
    response = client.post(
        url("notify_stakeholder", incident),
        {"contact": str(cast.other_contact.public_id), "channel": "phone", "message": "Hi"},
        follow=True,
    )
    assert "not one of this client&#x27;s stakeholders" in response.content.decode()
    assert incident.stakeholder_notifications.count() == 0


def test_read_only_staff_cannot_write_and_outsiders_see_nothing(cast, client):
    incident = an_incident(cast)
    client.force_login(cast.readonly_staff)
    assert client.get(url("detail", incident)).status_code == 200
    assert client.post(url("add_entry", incident), {"text": "x"}).status_code == 403
    client.force_login(cast.outsider)
    assert client.get(url("detail", incident)).status_code == 404
    assert client.post(url("add_entry", incident), {"text": "x"}).status_code == 404
    assert incident.timeline.filter(kind=EntryKind.NOTE).count() == 0


def fill(incident, cast, entries: int) -> None:
    now = timezone.now()
    TimelineEntry.objects.bulk_create(
        TimelineEntry(incident=incident, author=cast.staff, text=f"Entry {n}", created_at=now)
        for n in range(entries)
    )
    IncidentTask.objects.bulk_create(
        IncidentTask(incident=incident, title=f"Task {n}", assignee=cast.manager)
        for n in range(entries // 10)
    )
    source = a_mention(cast.client).source
    mentions = Mention.objects.bulk_create(
        Mention(
            client=cast.client,
            source=source,
            external_id=f"bulk-{incident.pk}-{n}",
            text="bad",
            author=f"author{n}",
            author_reach=n,
            published_at=now,
            sentiment_label="negative",
        )
        for n in range(entries)
    )
    incident.mentions.add(*mentions)


def page_queries(client, incident) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url("detail", incident))
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_the_incident_page_query_count_does_not_grow_with_the_crisis(cast, client):
    a_plan(cast)
    small = an_incident(cast, alert=an_alert_with_mentions(cast), title="Small")
    big = an_incident(cast, title="Big")
    fill(small, cast, 10)
    fill(big, cast, 1000)
    client.force_login(cast.staff)
    page_queries(client, small)  # warm caches (content types, sessions)
    small_count, _ = page_queries(client, small)
    big_count, page = page_queries(client, big)
    assert small_count == big_count
    assert "Load earlier entries" in page
    assert page.count('class="entry entry-') == PAGE_ENTRIES


def entry_texts(html: str) -> list[str]:
    import re

    return re.findall(r'<p class="entry-text">(Entry \d+)</p>', html)


def test_load_earlier_pages_back_through_the_timeline_with_htmx(cast, client):
    incident = an_incident(cast)
    start = timezone.now() - timedelta(hours=3)
    TimelineEntry.objects.bulk_create(
        TimelineEntry(
            incident=incident,
            author=cast.staff,
            text=f"Entry {n}",
            created_at=start + timedelta(seconds=n // 2),  # pairs share a time: ties by id
        )
        for n in range(120)
    )
    client.force_login(cast.staff)
    page = client.get(url("detail", incident)).content.decode()
    assert entry_texts(page) == [f"Entry {n}" for n in range(71, 120)]  # and the opening
    assert "121 entries; the latest 50 are shown." in page
    oldest = TimelineEntry.objects.get(incident=incident, text="Entry 71")
    assert f'hx-get="{url("timeline", incident)}?before={oldest.public_id}"' in page

    older = client.get(
        url("timeline", incident), {"before": str(oldest.public_id)}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert entry_texts(older) == [f"Entry {n}" for n in range(21, 71)]
    assert older.lstrip().startswith('<li class="timeline-earlier" id="timeline-earlier">')
    twenty = TimelineEntry.objects.get(incident=incident, text="Entry 21")
    oldest_page = client.get(
        url("timeline", incident), {"before": str(twenty.public_id)}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert entry_texts(oldest_page) == [f"Entry {n}" for n in range(21)]
    assert "timeline-earlier" not in oldest_page  # nothing earlier than the opening

    # Without JavaScript, the same link pages the whole war room.
    paged = client.get(url("detail", incident), {"before": str(oldest.public_id)})
    assert entry_texts(paged.content.decode())[0] == "Entry 21"
    assert "Back to the latest entries" in paged.content.decode()


def test_the_type_filter_counts_entries_by_type(cast, client):
    incident = an_incident(cast)
    for n in range(3):
        timeline_add(incident=incident, by=cast.staff, kind=EntryKind.DECISION, text=f"D{n}")
    timeline_add(incident=incident, by=cast.staff, text="A note")
    client.force_login(cast.staff)
    page = client.get(url("detail", incident)).content.decode()
    assert '<option value="decision">Decision (3)</option>' in page
    assert '<option value="note">Note (1)</option>' in page
    assert "Every type (5)" in page  # the opening entry too
    filtered = client.get(url("detail", incident), {"kind": "decision"}).content.decode()
    assert "3 entries of this type." in filtered
    assert "A note" not in filtered
