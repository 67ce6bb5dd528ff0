"""The daily review reminder: due and overdue plans, once a day, to owner and managers."""

from __future__ import annotations

from datetime import timedelta

from django.core import mail
from django.utils import timezone

from plans.models import CrisisPlan
from plans.tasks import send_plan_review_reminders


def overdue_plan(cast, days=3):
    return CrisisPlan.objects.create(
        client=cast.client,
        owner=cast.staff,
        next_review_date=timezone.localdate() - timedelta(days=days),
    )


def test_an_overdue_plan_emails_its_owner_and_the_agency_managers(
    cast, django_capture_on_commit_callbacks
):
    overdue_plan(cast)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_plan_review_reminders() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert set(message.to) == {
        "staff@northwind.test",
        "owner@northwind.test",
        "manager@northwind.test",
    }
    assert "Acme Foods" in message.subject
    assert "overdue" in message.subject
    assert f"/clients/{cast.client.public_id}/plan/" in message.body


def test_running_the_task_twice_on_one_day_sends_one_email(
    cast, django_capture_on_commit_callbacks
):
    overdue_plan(cast)
    with django_capture_on_commit_callbacks(execute=True):
        send_plan_review_reminders()
        send_plan_review_reminders()
    assert len(mail.outbox) == 1


def test_the_next_day_it_reminds_again(cast, django_capture_on_commit_callbacks):
    plan = overdue_plan(cast)
    CrisisPlan.objects.filter(pk=plan.pk).update(
        last_review_reminder_on=timezone.localdate() - timedelta(days=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        send_plan_review_reminders()
    assert len(mail.outbox) == 1


def test_a_plan_not_yet_due_sends_nothing(cast, django_capture_on_commit_callbacks):
    CrisisPlan.objects.create(
        client=cast.client, next_review_date=timezone.localdate() + timedelta(days=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert send_plan_review_reminders() == 0
    assert mail.outbox == []


def test_the_task_is_scheduled_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["plan-review-reminders"]
    assert entry["task"] == "plans.tasks.send_plan_review_reminders"
