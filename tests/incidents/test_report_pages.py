"""The pages around stored PDF reports (no PDF is rendered here): the lists a page at a
time, a report whose task was lost shown as stalled and marked failed, the admin, and
the audit record of every download."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from incidents.models import Report
from incidents.reports import STALLED, reports_fail_stalled
from portal.models import User
from tests.incidents.report_helpers import a_final_postmortem, a_pending_report, a_stored_report


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
    # the page links swap only the table: htmx gets what goes inside #report-table (the
    # page has one), not the whole page nor a second table nested in the first
    assert second.count('id="report-table"') == 1 and 'hx-target="#report-table"' in second
    partial = client.get(url + "?page=2", HTTP_HX_REQUEST="true").content.decode()
    assert 'id="report-table"' not in partial and "<html" not in partial
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
    # the page links swap only the table, as on the agency's list: htmx gets what goes
    # inside #report-table, not the whole portal page
    assert second.count('id="report-table"') == 1 and 'hx-target="#report-table"' in second
    partial = client.get(url + "?page=2", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and 'id="report-table"' not in partial
    assert partial.count("Download PDF") == 2 and "Page 2 of 2 · 27 in all" in partial


# -- a report whose task was lost -------------------------------------------------------------


@pytest.fixture
def pending(cast):
    """Two stalled reports (30 minutes is the default limit) and three that are not."""
    return {
        "running_lost": a_pending_report(
            cast, "Running lost", status="running", requested=40, started=31
        ),
        "queued_lost": a_pending_report(
            cast, "Queued lost", status="queued", requested=31, started=None
        ),
        "running_now": a_pending_report(
            cast, "Running now", status="running", requested=40, started=5
        ),
        "queued_now": a_pending_report(
            cast, "Queued now", status="queued", requested=29, started=None
        ),
        "done": a_stored_report(cast, postmortem=a_final_postmortem(cast, title="Done long ago")),
    }


def test_beat_marks_failed_the_reports_pending_longer_than_the_setting(cast, pending, settings):
    from portal.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["reports-fail-stalled"]
    app.loader.import_default_modules()
    assert app.tasks[entry["task"]]() == 2
    for name, report in pending.items():
        report.refresh_from_db()
        if name.endswith("_lost"):
            assert report.status == "failed", name
            assert report.error == STALLED and report.finished_at is not None
        else:
            assert report.status != "failed", name
    assert reports_fail_stalled() == 0  # nothing left to mark


def test_the_limit_is_a_setting(cast, pending, settings):
    settings.REPORT_STALE_AFTER_MINUTES = 45
    assert reports_fail_stalled() == 0
    settings.REPORT_STALE_AFTER_MINUTES = 20
    assert reports_fail_stalled(now=timezone.now()) == 3  # 29 minutes in the queue too


def test_a_lost_report_is_shown_stalled_with_generate_again(
    cast, client, pending, django_capture_on_commit_callbacks
):
    client.force_login(cast.staff)
    lost = pending["running_lost"]
    detail = reverse(
        "reports:detail", kwargs={"client": cast.client.public_id, "pk": lost.public_id}
    )
    body = client.get(detail).content.decode()
    assert "Stalled" in body and "the job making it was lost" in body
    assert "Generating the PDF" not in body and 'hx-trigger="every 1s"' not in body
    regenerate = reverse(
        "reports:regenerate", kwargs={"client": cast.client.public_id, "pk": lost.public_id}
    )
    assert f'action="{regenerate}"' in body

    running = pending["running_now"]
    body = client.get(
        reverse("reports:detail", kwargs={"client": cast.client.public_id, "pk": running.public_id})
    ).content.decode()
    assert "Generating the PDF" in body and 'hx-trigger="every 1s"' in body
    assert "Stalled" not in body

    listing = client.get(reverse("reports:list", kwargs={"client": cast.client.public_id}))
    rows = {
        title: row
        for row in listing.content.decode().split("<tr>")
        for title in ("Running lost", "Queued lost", "Running now", "Queued now")
        if f"Post-mortem: {title}<" in row
    }
    assert "Stalled" in rows["Running lost"] and "Stalled" in rows["Queued lost"]
    assert "Being generated (40%)" in rows["Running now"] and "Queued (0%)" in rows["Queued now"]

    with django_capture_on_commit_callbacks() as queued:
        response = client.post(regenerate, {"paper_size": "a4"})
    assert response.status_code == 302 and len(queued) == 1
    lost.refresh_from_db()
    assert lost.status == "queued" and lost.started_at is None
    body = client.get(detail).content.decode()
    assert "Stalled" not in body and "Waiting for a worker" in body


def test_read_only_staff_sees_a_stalled_report_without_the_button(cast, client, pending):
    client.force_login(cast.readonly_staff)
    lost = pending["queued_lost"]
    body = client.get(
        reverse("reports:detail", kwargs={"client": cast.client.public_id, "pk": lost.public_id})
    ).content.decode()
    assert "Stalled" in body and "Generate again</button>" not in body


def test_a_limit_shorter_than_a_pdf_can_take_stops_the_start():
    from tests.portal.test_settings import manage

    result = manage("check", DEBUG="1", REPORT_STALE_AFTER_MINUTES="5")
    assert result.returncode != 0
    assert "REPORT_STALE_AFTER_MINUTES=5 is too short" in result.stderr


# -- the admin and the audit of downloads ------------------------------------------------------


def downloads_of(report) -> list[LogEntry]:
    return list(
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Report), object_id=str(report.pk)
        ).select_related("user")
    )


def test_every_download_is_recorded_with_who_and_where(cast, client):
    report = a_stored_report(cast)
    internal = a_stored_report(cast, variant="internal", postmortem=report.postmortem)
    staff_url = reverse(
        "reports:download", kwargs={"client": cast.client.public_id, "pk": report.public_id}
    )
    portal_url = reverse(
        "reportsportal:download", kwargs={"client": cast.client.public_id, "pk": report.public_id}
    )
    client.force_login(cast.staff)
    before = timezone.now()
    assert client.get(staff_url).status_code == 200
    client.force_login(cast.contact_user)
    assert client.get(portal_url).status_code == 200
    internal_url = reverse(
        "reportsportal:download", kwargs={"client": cast.client.public_id, "pk": internal.public_id}
    )
    assert client.get(internal_url).status_code == 404  # refused: nothing to record
    client.force_login(cast.outsider)
    assert client.get(staff_url).status_code == 404

    entries = sorted(downloads_of(report), key=lambda e: e.action_time)
    assert [(e.user, e.change_message) for e in entries] == [
        (cast.staff, "Downloaded the PDF (client version, generation 0) from the agency pages."),
        (
            cast.contact_user,
            "Downloaded the PDF (client version, generation 0) from the client portal.",
        ),
    ]
    assert all(e.action_time >= before for e in entries)
    assert entries[0].object_repr.endswith("-client.pdf")
    assert downloads_of(internal) == []


def test_the_admin_lists_reports_read_only_and_shows_their_downloads(cast, client):
    report = a_stored_report(cast)
    client.force_login(cast.staff)
    client.get(
        reverse(
            "reports:download", kwargs={"client": cast.client.public_id, "pk": report.public_id}
        )
    )
    operator = User.objects.create_superuser("ops@firebreak.test", full_name="Olga Operator")
    client.force_login(operator)
    listing = client.get(reverse("admin:incidents_report_changelist")).content.decode()
    assert "Post-mortem PDF (client version)" in listing
    page = client.get(reverse("admin:incidents_report_change", args=[report.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert 'name="_save"' not in body  # view only
    assert report.file.name in body and f'href="{report.file.url}"' not in body
    assert client.get(reverse("admin:incidents_report_add")).status_code == 403
    history = client.get(reverse("admin:incidents_report_history", args=[report.pk]))
    text = history.content.decode()
    assert "Downloaded the PDF (client version, generation 0) from the agency pages." in text
    assert "Sam Staff" in text


def test_a_download_through_the_api_is_recorded_with_the_key(cast):
    from rest_framework.test import APIClient

    from tests.api.conftest import make_key

    report = a_stored_report(cast)
    http = APIClient()
    token = make_key(agency=cast.agency, by=cast.manager, read_only=True, name="Brandwatch")
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    download = f"/api/v1/reports/{report.public_id}/download/"
    assert http.head(download).status_code == 200
    assert downloads_of(report) == []  # a HEAD downloads nothing
    assert http.get(download).status_code == 200
    (entry,) = downloads_of(report)
    prefix = token.split("_")[1]
    assert entry.user == cast.manager
    assert entry.change_message == (
        "Downloaded the PDF (client version, generation 0) from the REST API with the key "
        f"'Brandwatch' ({prefix}...)."
    )


def test_the_postmortem_page_shows_a_lost_report_stalled_as_the_report_pages_do(cast, client):
    pm = a_final_postmortem(cast, title="Yoghurt recall")
    a_pending_report(
        cast, "", status="running", requested=40, started=31, postmortem=pm, variant="client"
    )
    a_pending_report(
        cast, "", status="running", requested=40, started=5, postmortem=pm, variant="internal"
    )
    client.force_login(cast.staff)
    page = client.get(
        reverse(
            "postmortems:detail",
            kwargs={"client": cast.client.public_id, "incident": pm.incident.public_id},
        )
    ).content.decode()
    panel = page.split('id="postmortem-pdf"')[1].split("</section>")[0]
    rows = {row.split("</a>")[0].rsplit(">", 1)[-1]: row for row in panel.split("<li>")[1:]}
    assert "Stalled" in rows["Client version"] and STALLED in rows["Client version"]
    assert "Being generated (40%)" not in rows["Client version"]
    assert "Being generated (40%)" in rows["Internal version"]
    assert "Stalled" not in rows["Internal version"]
