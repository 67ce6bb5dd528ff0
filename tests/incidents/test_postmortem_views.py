"""The post-mortem pages as a user meets them: starting one (refused while the incident is
open), the figures and charts, editing and finalising, action items added, edited and
done with htmx, a plan revision opened from an item, and who may see what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import ActionItem, ActionItemStatus, Incident, IncidentStatus, PostMortem
from incidents.postmortem_actions import (
    action_item_create,
    action_item_open_revision,
    action_item_update,
)
from incidents.postmortems import postmortem_create, postmortem_finalise, postmortem_update
from portal.scoping import Scope
from tests.incidents.incident_factories import an_incident
from tests.plans.factories import approved_plan

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def resolve(incident):
    Incident.objects.filter(pk=incident.pk).update(
        status=IncidentStatus.RESOLVED, resolved_at=timezone.now()
    )
    incident.refresh_from_db()
    return incident


def url(name, incident, **kwargs):
    return reverse(
        f"postmortems:{name}",
        kwargs={"client": incident.client.public_id, "incident": incident.public_id, **kwargs},
    )


@pytest.fixture
def pm(cast):
    incident = resolve(an_incident(cast, title="Yoghurt recall"))
    return postmortem_create(incident=incident, by=cast.owner)


def test_an_open_incident_cannot_have_a_postmortem_yet(cast, client):
    incident = an_incident(cast)
    client.force_login(cast.staff)
    page = client.get(url("detail", incident))
    assert page.status_code == 200
    assert b"This incident is still detected" in page.content
    assert b"Start the post-mortem" not in page.content
    response = client.post(url("start", incident), follow=True)
    assert "once it is resolved" in response.content.decode()
    assert not PostMortem.objects.filter(incident=incident).exists()


def test_starting_and_reading_the_postmortem_of_a_resolved_incident(cast, client):
    incident = resolve(an_incident(cast))
    client.force_login(cast.staff)
    war_room = client.get(
        reverse(
            "incidents:detail", kwargs={"client": cast.client.public_id, "pk": incident.public_id}
        )
    )
    assert url("detail", incident).encode() in war_room.content
    assert b"Start the post-mortem" in client.get(url("detail", incident)).content
    page = client.post(url("start", incident), follow=True)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Post-mortem started" in html
    assert 'id="pm-times"' in html and "Time to resolution" in html
    assert 'class="pm-windows"' in html and 'class="timeseries"' in html
    assert "No action item yet" in html
    assert "Started" in html and "by Sam Staff" in html
    assert PostMortem.objects.get(incident=incident).author == cast.staff


def test_editing_and_finalising(cast, client, pm):
    client.force_login(cast.staff)
    edit = client.get(url("edit", pm.incident))
    assert edit.status_code == 200 and b"Lessons learned" in edit.content
    refused = client.post(url("finalise", pm.incident), follow=True)
    assert (
        "Write the executive summary and the lessons learned before marking"
        in refused.content.decode()
    )
    response = client.post(
        url("edit", pm.incident),
        {"summary": "A rumour of a recall.", "lessons": "<b>Answer</b> within the hour."},
    )
    assert response.status_code == 302
    page = client.post(url("finalise", pm.incident), {"share": "1"}, follow=True).content.decode()
    assert "marked final and shared" in page
    assert "&lt;b&gt;Answer&lt;/b&gt; within the hour." in page  # text never becomes markup
    assert "final since" in page
    edit = client.get(url("edit", pm.incident))
    assert b"This post-mortem is final" in edit.content


def test_adding_an_action_item_with_htmx(cast, client, pm):
    client.force_login(cast.staff)
    due = (timezone.localdate() + timedelta(days=7)).isoformat()
    section = client.post(
        url("action_create", pm.incident),
        {
            "new-item-title": "Add a product-safety scenario",
            "new-item-owner": str(cast.staff.public_id),
            "new-item-due_date": due,
        },
        **HTMX,
    )
    assert section.status_code == 200
    html = section.content.decode()
    assert html.lstrip().startswith('<section class="card" id="action-items"')
    assert "Action item “Add a product-safety scenario” added." in html
    assert "Sam Staff" in html and "Open a plan revision" in html
    # ... with an empty form again, the cursor in its first field
    assert 'name="new-item-title" maxlength="300" autofocus' in html
    item = ActionItem.objects.get(postmortem=pm)
    assert (item.created_by, item.owner, str(item.due_date)) == (cast.staff, cast.staff, due)


def test_an_action_item_needs_an_owner_and_a_future_date(cast, client, pm):
    client.force_login(cast.staff)
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    html = client.post(
        url("action_create", pm.incident),
        {"new-item-title": "Something", "new-item-due_date": yesterday},
        **HTMX,
    ).content.decode()
    assert "Name an owner: choose a person, or write a role" in html
    assert "Choose a due date from today on." in html
    stranger = client.post(
        url("action_create", pm.incident),
        {"new-item-title": "Something", "new-item-owner": str(cast.outsider.public_id)},
        **HTMX,
    ).content.decode()
    assert "That person does not work on this client" in stranger
    assert not ActionItem.objects.exists()


def test_editing_an_item_in_place_and_marking_it_done(cast, client, pm):
    item = action_item_create(
        postmortem=pm, by=cast.owner, title="Brief <i>legal</i>", owner_role="Legal"
    )
    client.force_login(cast.staff)
    row_url = url("action_row", pm.incident, pk=item.public_id)
    form_row = client.get(row_url, **HTMX).content.decode()
    assert "keyup[key=='Escape']" in form_row
    assert f'form="item-form-{item.public_id}"' in form_row
    cancelled = client.get(row_url + "?cancel=1", **HTMX).content.decode()
    assert "Brief &lt;i&gt;legal&lt;/i&gt;" in cancelled
    prefix = f"item-{item.public_id}"
    saved = client.post(
        row_url,
        {
            f"{prefix}-title": "Brief legal before statements",
            f"{prefix}-owner_role": "Legal",
            f"{prefix}-status": ActionItemStatus.IN_PROGRESS,
        },
        **HTMX,
    ).content.decode()
    assert saved.lstrip().startswith(f'<tr id="action-item-{item.public_id}"')
    assert "Brief legal before statements" in saved and "In progress" in saved
    done = client.post(url("action_done", pm.incident, pk=item.public_id), **HTMX)
    assert "Done" in done.content.decode()
    item.refresh_from_db()
    assert item.status == ActionItemStatus.DONE and item.updated_by == cast.staff


def test_opening_a_plan_revision_from_the_page(cast, client, pm):
    approved_plan(cast.client, cast.owner)
    item = action_item_create(postmortem=pm, by=cast.owner, title="New scenario", owner=cast.staff)
    client.force_login(cast.staff)
    response = client.post(url("action_plan", pm.incident, pk=item.public_id))
    item.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "plans:revision",
        kwargs={"client": cast.client.public_id, "pk": item.plan_revision.public_id},
    )
    page = client.get(url("detail", pm.incident)).content.decode()
    assert f"Revision {item.plan_revision.number}" in page


def test_the_client_list_shows_postmortems_and_incidents_waiting(cast, client, pm):
    waiting = resolve(an_incident(cast, title="Delivery delays"))
    overdue = action_item_create(postmortem=pm, by=cast.owner, title="x", owner=cast.staff)
    ActionItem.objects.filter(pk=overdue.pk).update(
        due_date=timezone.localdate() - timedelta(days=1)
    )
    client.force_login(cast.readonly_staff)
    html = client.get(
        reverse("postmortems:list", kwargs={"client": cast.client.public_id})
    ).content.decode()
    assert "Yoghurt recall" in html and "1 overdue" in html
    assert "Waiting for a post-mortem" in html and waiting.title in html


def test_empty_list(cast, client):
    client.force_login(cast.staff)
    html = client.get(
        reverse("postmortems:list", kwargs={"client": cast.client.public_id})
    ).content.decode()
    assert "No post-mortem yet" in html


# -- isolation -------------------------------------------------------------------------------


def test_another_agency_gets_404_and_a_reader_cannot_write(cast, client, pm):
    client.force_login(cast.outsider)
    assert client.get(url("detail", pm.incident)).status_code == 404
    client.force_login(cast.readonly_staff)
    assert client.get(url("detail", pm.incident)).status_code == 200
    assert client.post(url("action_create", pm.incident), {}).status_code == 403
    assert client.get(url("edit", pm.incident)).status_code == 403


def test_an_item_of_another_incident_is_not_found_here(cast, client, pm):
    other = postmortem_create(incident=resolve(an_incident(cast, title="Other")), by=cast.owner)
    item = action_item_create(postmortem=other, by=cast.owner, title="Elsewhere", owner_role="PR")
    client.force_login(cast.staff)
    assert client.post(url("action_done", pm.incident, pk=item.public_id)).status_code == 404


def test_client_contacts_see_only_final_shared_postmortems(cast, pm):
    portal = Scope.for_portal(cast.contact_user)
    item = action_item_create(postmortem=pm, by=cast.owner, title="Plan", owner_role="PR")
    assert not PostMortem.objects.within(portal).exists()
    postmortem_update(postmortem=pm, by=cast.owner, summary="S", lessons="L")
    pm = postmortem_finalise(postmortem=pm, by=cast.owner, share=False)
    assert not PostMortem.objects.within(portal).exists()  # final, not shared
    PostMortem.objects.filter(pk=pm.pk).update(shared_with_client=True)
    assert list(PostMortem.objects.within(portal)) == [pm]
    assert list(ActionItem.objects.within(portal)) == [item]
    Incident.objects.filter(pk=pm.incident_id).update(is_drill=True)
    assert not PostMortem.objects.within(portal).exists()  # drills never


def test_the_member_pages_are_not_for_client_contacts(cast, client, pm):
    client.force_login(cast.contact_user)
    assert client.get(url("detail", pm.incident)).status_code == 403


def test_a_reopened_incident_keeps_its_postmortem_and_says_so(cast, client, pm):
    Incident.objects.filter(pk=pm.incident_id).update(
        status=IncidentStatus.RESPONDING, resolved_at=None
    )
    client.force_login(cast.staff)
    html = client.get(url("detail", pm.incident)).content.decode()
    assert "The incident was reopened and is responding again" in html
    assert "Time to resolution" in html


def test_the_page_takes_as_many_queries_with_twenty_action_items_as_with_one(cast, client, pm):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url("detail", pm.incident)).status_code == 200
        return len(captured)

    client.force_login(cast.staff)
    action_item_create(postmortem=pm, by=cast.owner, title="First", owner=cast.staff)
    one = count()
    approved_plan(cast.client, cast.owner)
    for n in range(19):
        item = action_item_create(
            postmortem=pm, by=cast.staff, title=f"Item {n}", owner=cast.manager
        )
        action_item_update(item=item, by=cast.owner, details="More")
    action_item_open_revision(item=item, by=cast.owner)
    assert count() <= one  # owners, creators and the linked revision come in the same query
