"""The pages around stored PDF reports (no PDF is rendered here): the lists a page at a
time, a report whose task was lost shown as stalled and marked failed, the admin, and
the audit record of every download."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from incidents.models import Report
from tests.incidents.report_helpers import a_final_postmortem, a_stored_report


def reports_made(cast, count: int, *, variant: str = "client") -> list:
    """`count` finished reports, each of its own post-mortem "Incident <n>"; n=1 is the
    most recent request."""
    now = timezone.now()
    made = []
    for n in range(1, count + 1):
        report = a_stored_report(
            cast, variant=variant, postmortem=a_final_postmortem(cast, title=f"Incident {n}.")
        )
        Report.objects.filter(pk=report.pk).update(requested_at=now - timedelta(minutes=n))
        made.append(report)
    return made


def test_the_reports_list_pages_past_twenty_five(cast, client):
    reports_made(cast, 30)
    client.force_login(cast.staff)
    url = reverse("reports:list", kwargs={"client": cast.client.public_id})
    first = client.get(url).content.decode()
    assert first.count("Post-mortem: Incident ") == 25
    assert "Post-mortem: Incident 1.<" in first and "Post-mortem: Incident 25.<" in first
    assert "Post-mortem: Incident 26.<" not in first
    assert "Page 1 of 2 · 30 in all" in first and 'href="?page=2"' in first
    second = client.get(url + "?page=2").content.decode()
    assert second.count("Post-mortem: Incident ") == 5
    assert "Post-mortem: Incident 26.<" in second and "Post-mortem: Incident 30.<" in second
    # the page links swap only the table
    partial = client.get(url + "?page=2", HTTP_HX_REQUEST="true").content.decode()
    assert 'id="report-table"' in partial and "<html" not in partial
    assert "Post-mortem: Incident 30.<" in partial and "Crisis plan" not in partial


def test_the_portal_reports_list_pages_past_twenty_five(cast, client):
    reports_made(cast, 27)
    reports_made(cast, 2, variant="internal")  # never in the portal, nor counted
    client.force_login(cast.contact_user)
    url = reverse("reportsportal:list", kwargs={"client": cast.client.public_id})
    first = client.get(url).content.decode()
    assert first.count("Download PDF") == 25
    assert "Page 1 of 2 · 27 in all" in first and 'href="?page=2"' in first
    second = client.get(url + "?page=2").content.decode()
    assert second.count("Download PDF") == 2
    assert "Incident 26." in second and "Incident 27." in second
    assert "Incident 25." not in second
