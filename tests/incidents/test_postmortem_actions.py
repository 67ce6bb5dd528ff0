"""Action items: owners from the client's team, a new draft of the crisis plan opened
from an item (or the open one linked, never a second), the link shown both ways, and
the daily overdue reminder sent once a day (locmem email, real rows)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from incidents.models import ActionItem, ActionItemStatus, Incident, IncidentStatus
from incidents.postmortem_actions import (
    action_item_complete,
    action_item_create,
    action_item_open_revision,
    action_item_update,
)
from incidents.postmortem_tasks import send_action_item_reminders
from incidents.postmortems import PostMortemError, postmortem_create
from plans.models import PlanRevision, RevisionStatus
from plans.services import plan_revision_approve, plan_revision_start, plan_revision_submit
from tests.incidents.incident_factories import an_incident
from tests.plans.factories import approved_plan
from tests.waiting import wait_for

pytestmark = pytest.mark.django_db


def a_postmortem(cast):
    incident = an_incident(cast)
    Incident.objects.filter(pk=incident.pk).update(
        status=IncidentStatus.RESOLVED, resolved_at=timezone.now()
    )
    incident.status = IncidentStatus.RESOLVED
    return postmortem_create(incident=incident, by=cast.owner)


def an_item(cast, pm=None, **fields):
    values = {"title": "Add a product-safety scenario", "owner": cast.staff}
    values.update(fields)
    return action_item_create(postmortem=pm or a_postmortem(cast), by=cast.owner, **values)


# -- the plan loop --------------------------------------------------------------------------


def test_an_action_item_opens_a_new_draft_of_the_approved_plan(cast, client):
    plan, approved = approved_plan(cast.client, cast.owner)
    item = an_item(cast)
    link = action_item_open_revision(item=item, by=cast.manager)
    assert link.created
    draft = link.revision
    assert (draft.plan_id, draft.status, draft.based_on_id) == (
        plan.pk,
        RevisionStatus.DRAFT,
        approved.pk,
    )
    assert draft.number == approved.number + 1
    assert "Add a product-safety scenario" in draft.change_summary
    assert draft.scenarios.filter(title="Product recall").exists()  # copied from approved
    item.refresh_from_db()
    assert item.plan_revision == draft
    assert item.status == ActionItemStatus.IN_PROGRESS
    # The link back: the revision page names the item and links to its post-mortem.
    client.force_login(cast.staff)
    page = client.get(
        reverse("plans:revision", kwargs={"client": cast.client.public_id, "pk": draft.public_id})
    )
    assert page.status_code == 200
    assert b"Opened from post-mortems" in page.content
    assert b"Add a product-safety scenario" in page.content
    pm_url = reverse(
        "postmortems:detail",
        kwargs={"client": cast.client.public_id, "incident": item.postmortem.incident.public_id},
    )
    assert pm_url.encode() in page.content


def test_approving_the_revision_completes_the_items_that_opened_it(cast):
    approved_plan(cast.client, cast.owner)
    pm = a_postmortem(cast)
    item = an_item(cast, pm)
    other = an_item(cast, pm, title="Brief the night shift")  # not linked to the plan
    dropped = an_item(cast, pm, title="Rewrite the FAQ")
    draft = action_item_open_revision(item=item, by=cast.manager).revision
    action_item_open_revision(item=dropped, by=cast.manager)
    action_item_update(item=dropped, by=cast.manager, status=ActionItemStatus.DROPPED)
    plan_revision_submit(revision=draft, by=cast.manager)
    plan_revision_approve(revision=draft, by=cast.owner)
    item.refresh_from_db()
    other.refresh_from_db()
    dropped.refresh_from_db()
    assert item.status == ActionItemStatus.DONE
    assert item.completed_at is not None and item.updated_by == cast.owner
    assert other.status == ActionItemStatus.OPEN
    assert dropped.status == ActionItemStatus.DROPPED


def test_with_a_draft_already_open_the_item_is_linked_to_it(cast):
    plan, _approved = approved_plan(cast.client, cast.owner)
    open_draft = plan_revision_start(plan=plan, by=cast.manager)
    pm = a_postmortem(cast)
    first = an_item(cast, pm)
    second = an_item(cast, pm, title="Name a deputy spokesperson")
    link = action_item_open_revision(item=first, by=cast.owner)
    assert not link.created and link.revision == open_draft
    assert "already a draft (started by Max Manager)" in link.message
    assert "linked to it instead of starting another" in link.message
    assert action_item_open_revision(item=second, by=cast.owner).revision == open_draft
    assert PlanRevision.objects.filter(plan=plan).count() == 2  # no third revision


def test_a_revision_in_review_is_linked_and_said_so(cast):
    plan, _approved = approved_plan(cast.client, cast.owner)
    in_review = plan_revision_submit(
        revision=plan_revision_start(plan=plan, by=cast.owner), by=cast.owner
    )
    link = action_item_open_revision(item=an_item(cast), by=cast.owner)
    assert link.revision == in_review
    assert "already in review" in link.message


def test_a_client_without_a_plan_gets_its_first_draft(cast):
    link = action_item_open_revision(item=an_item(cast), by=cast.owner)
    assert link.created and link.revision.number == 1 and link.revision.based_on is None


def test_an_item_opens_a_revision_once(cast):
    approved_plan(cast.client, cast.owner)
    item = an_item(cast)
    action_item_open_revision(item=item, by=cast.owner)
    with pytest.raises(PostMortemError, match="already linked to revision 2"):
        action_item_open_revision(item=item, by=cast.owner)


def test_a_done_item_does_not_open_a_revision(cast):
    item = action_item_complete(item=an_item(cast), by=cast.owner)
    with pytest.raises(PostMortemError, match="is done: reopen it first"):
        action_item_open_revision(item=item, by=cast.owner)


# -- owners and statuses ---------------------------------------------------------------------


def test_the_owner_must_work_on_the_client(cast):
    pm = a_postmortem(cast)
    with pytest.raises(PostMortemError, match="does not work on Acme Foods"):
        an_item(cast, pm, owner=cast.unassigned_staff)
    with pytest.raises(PostMortemError, match="needs a title"):
        an_item(cast, pm, title="   ")
    by_role = an_item(cast, pm, owner=None, owner_role="Client legal team")
    assert by_role.owner is None and by_role.owner_role == "Client legal team"


def test_done_stamps_the_time_and_reopening_clears_it(cast):
    item = action_item_complete(item=an_item(cast), by=cast.staff)
    assert item.status == ActionItemStatus.DONE and item.completed_at is not None
    with pytest.raises(PostMortemError, match="already done"):
        action_item_complete(item=item, by=cast.staff)
    item = action_item_update(item=item, by=cast.staff, status=ActionItemStatus.OPEN)
    assert item.completed_at is None and item.updated_by == cast.staff


# -- reminders ------------------------------------------------------------------------------


def overdue(cast, days=2, **fields):
    item = an_item(cast, **fields)
    ActionItem.objects.filter(pk=item.pk).update(
        due_date=timezone.localdate() - timedelta(days=days)
    )
    return item


def test_an_overdue_item_emails_its_owner_once_a_day(cast, django_capture_on_commit_callbacks):
    item = overdue(cast)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_action_item_reminders() == 1
        assert send_action_item_reminders() == 0  # the same day again: nothing
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["staff@northwind.test"]
    assert message.subject == "Action item overdue: Add a product-safety scenario (Acme Foods)"
    assert "2 days overdue" in message.body
    assert (
        reverse(
            "postmortems:detail",
            kwargs={
                "client": cast.client.public_id,
                "incident": item.postmortem.incident.public_id,
            },
        )
        in message.body
    )


def test_an_owner_who_left_the_agency_is_not_written_to(cast, django_capture_on_commit_callbacks):
    from clients.models import Membership

    overdue(cast)
    Membership.objects.filter(agency=cast.agency, user=cast.staff).delete()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_action_item_reminders() == 1
    assert len(mail.outbox) == 1
    assert "staff@northwind.test" not in mail.outbox[0].to


def test_the_next_day_it_reminds_again(cast, django_capture_on_commit_callbacks):
    item = overdue(cast)
    ActionItem.objects.filter(pk=item.pk).update(
        last_reminder_on=timezone.localdate() - timedelta(days=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert send_action_item_reminders() == 1
    assert len(mail.outbox) == 1


def test_items_not_due_done_or_dropped_send_nothing(cast, django_capture_on_commit_callbacks):
    pm = a_postmortem(cast)
    an_item(cast, pm, due_date=timezone.localdate())  # due today: not overdue yet
    done = overdue(cast)
    action_item_complete(item=done, by=cast.staff)
    dropped = overdue(cast)
    action_item_update(item=dropped, by=cast.staff, status=ActionItemStatus.DROPPED)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_action_item_reminders() == 0
    assert mail.outbox == []


def test_an_item_owned_by_a_role_reminds_the_postmortem_author(
    cast, django_capture_on_commit_callbacks
):
    overdue(cast, owner=None, owner_role="Client legal team")
    with django_capture_on_commit_callbacks(execute=True):
        send_action_item_reminders()
    assert [m.to for m in mail.outbox] == [["owner@northwind.test"]]
    assert "owner: Client legal team" in mail.outbox[0].body


def test_a_new_due_date_starts_a_new_reminder_cycle(cast, django_capture_on_commit_callbacks):
    item = overdue(cast)
    with django_capture_on_commit_callbacks(execute=True):
        send_action_item_reminders()
    item.refresh_from_db()
    assert item.last_reminder_on == timezone.localdate()
    item = action_item_update(
        item=item, by=cast.staff, due_date=timezone.localdate() - timedelta(days=1)
    )
    assert item.last_reminder_on is None
    with django_capture_on_commit_callbacks(execute=True):
        assert send_action_item_reminders() == 1
    assert len(mail.outbox) == 2


def test_the_reminder_task_is_scheduled_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["postmortem-action-item-reminders"]
    assert entry["task"] == "incidents.postmortem_tasks.send_action_item_reminders"
    assert entry["schedule"].hour == {7}


@pytest.mark.worker
def test_beat_s_task_runs_on_a_real_worker_and_emails_once_a_day(celery_worker, cast):
    """Queued by name, as beat does, three times on one day: each overdue item is
    emailed once. (The worker takes tasks in order, so once the last run's email for a
    later item has arrived, the second run has been processed too.)"""
    import time

    from portal.celery import app

    def wait_for_emails(n):
        wait_for(lambda: len(mail.outbox) >= n)

    task = "incidents.postmortem_tasks.send_action_item_reminders"
    item = overdue(cast)
    app.send_task(task)
    wait_for_emails(1)
    app.send_task(task)  # the same day again: nothing for the first item
    overdue(cast, title="Train a second spokesperson")
    app.send_task(task)
    wait_for_emails(2)
    time.sleep(0.5)  # a duplicate, were there one, would have arrived by now
    assert sorted(m.subject for m in mail.outbox) == [
        "Action item overdue: Add a product-safety scenario (Acme Foods)",
        "Action item overdue: Train a second spokesperson (Acme Foods)",
    ]
    item.refresh_from_db()
    assert item.last_reminder_on == timezone.localdate()
