"""The demo's past incident and its post-mortem: loaded once, with figures worth showing,
and without emailing anybody."""

from __future__ import annotations

from django.core import mail
from django.core.management import call_command

from incidents.models import ActionItem, Incident, PostMortem
from incidents.postmortem_demo import TITLE
from incidents.postmortems import postmortem_metrics


def test_the_demo_has_a_shared_postmortem_with_figures(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo_data")
        call_command("demo_data")  # idempotent
    incident = Incident.objects.select_related("client__agency", "alert").get(title=TITLE)
    pm = PostMortem.objects.get(incident=incident)
    assert pm.is_final and pm.shared_with_client
    assert ActionItem.objects.filter(postmortem=pm).count() == 3
    assert [i.title for i in ActionItem.objects.filter(postmortem=pm) if i.is_overdue()] == [
        "Brief the packing-line supervisors on escalation"
    ]
    m = postmortem_metrics(incident)
    assert m.during.volume >= 30 and m.during.negative > m.before.negative
    assert m.responses.replied > 0 and m.responses.unanswered > 0
    assert m.statements_published == 2
    assert m.tasks_late and m.tasks_not_done
    assert all(metric.value is not None for metric in m.times)
    # A past incident: loading it informs nobody.
    assert not [e for e in mail.outbox if TITLE in e.body or TITLE in e.subject]
