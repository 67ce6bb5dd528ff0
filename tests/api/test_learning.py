"""Post-mortems through the API: start one, write it, have its PDF made (a real render
by the report task), poll the report and download the PDF; action items."""

from __future__ import annotations

import subprocess

from incidents.incident_services import incident_change_status, incident_open
from incidents.models import ActionItem, PostMortem


def a_resolved_incident(cast, title="Contaminated batch"):  # type: ignore[no-untyped-def]
    incident = incident_open(client=cast.client, by=cast.owner, title=title, severity=2)
    incident_change_status(incident=incident, by=cast.owner, status="resolved", reason="Over")
    return incident


def test_a_postmortem_is_started_written_and_its_pdf_downloaded(
    cast, api, keys, django_capture_on_commit_callbacks, tmp_path
):
    incident = a_resolved_incident(cast)
    http = api(keys.client_rw)
    created = http.post(
        "/api/v1/postmortems/",
        {"incident": str(incident.public_id), "summary": "A bad batch reached shops."},
    )
    assert created.status_code == 201, created.content
    pm = created.json()
    assert pm["status"] == "draft" and pm["summary"] == "A bad batch reached shops."
    again = http.post("/api/v1/postmortems/", {"incident": str(incident.public_id)})
    assert "already has a post-mortem" in again.json()["error"]["message"]
    written = http.patch(f"/api/v1/postmortems/{pm['id']}/", {"lessons": "Recall sooner."})
    assert written.json()["lessons"] == "Recall sooner."

    with django_capture_on_commit_callbacks(execute=True):
        asked = http.post(f"/api/v1/postmortems/{pm['id']}/pdf/", {"variant": "internal"})
    assert asked.status_code == 202, asked.content
    report = http.get(f"/api/v1/reports/{asked.json()['id']}/").json()
    assert report["status"] == "done", report
    assert report["pages"] >= 1
    download = http.get(report["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    pdf = tmp_path / "pm.pdf"
    pdf.write_bytes(b"".join(download.streaming_content))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True).stdout
    assert b"Contaminated batch" in text
    assert b"Recall sooner." in text


def test_a_postmortem_of_an_open_incident_is_refused(cast, api, keys):
    incident = incident_open(client=cast.client, by=cast.owner, title="Live", severity=2)
    response = api(keys.agency_rw).post(
        "/api/v1/postmortems/", {"incident": str(incident.public_id)}
    )
    assert response.status_code == 400
    assert "once it is resolved" in response.json()["error"]["message"]
    assert not PostMortem.objects.exists()


def test_a_report_without_a_pdf_yet_says_to_poll(cast, api, keys):
    from incidents.models import Report, ReportKind
    from incidents.postmortems import postmortem_create

    pm = postmortem_create(incident=a_resolved_incident(cast), by=cast.owner)
    report = Report.objects.create(client=cast.client, kind=ReportKind.POSTMORTEM, postmortem=pm)
    response = api(keys.agency_ro).get(f"/api/v1/reports/{report.public_id}/download/")
    assert response.status_code == 404
    assert "poll it until its status is done" in response.json()["error"]["message"]


def test_action_items_create_filter_and_complete(cast, api, keys):
    from incidents.postmortems import postmortem_create

    pm = postmortem_create(incident=a_resolved_incident(cast), by=cast.owner)
    http = api(keys.agency_rw)
    created = http.post(
        "/api/v1/action-items/",
        {
            "postmortem": str(pm.public_id),
            "title": "Train the spokesperson",
            "owner_role": "Head of comms",
            "due_date": "2026-12-01",
        },
    )
    assert created.status_code == 201, created.content
    item = created.json()
    assert item["status"] == "open" and item["client"] == str(cast.client.public_id)
    listed = http.get("/api/v1/action-items/?status=open&due_before=2027-01-01").json()["results"]
    assert [i["id"] for i in listed] == [item["id"]]
    done = http.patch(f"/api/v1/action-items/{item['id']}/", {"status": "done"})
    assert done.json()["status"] == "done" and done.json()["completed_at"]
    assert ActionItem.objects.get().updated_by == cast.owner
    empty = http.patch(f"/api/v1/action-items/{item['id']}/", {"title": "  "})
    assert empty.status_code == 400
    other = api(keys.second_client_rw).post(
        "/api/v1/action-items/", {"postmortem": str(pm.public_id), "title": "Sneaky"}
    )
    assert other.status_code == 400
    assert "does not exist in your agency" in other.json()["error"]["fields"]["postmortem"][0]


def test_a_report_whose_task_was_lost_reads_as_failed_as_on_the_pages(cast, api, keys):
    from incidents.reports import STALLED
    from tests.incidents.report_helpers import a_pending_report

    # 30 minutes is the default limit
    lost = a_pending_report(cast, "Running lost", status="running", requested=40, started=31)
    queued_lost = a_pending_report(cast, "Queued lost", status="queued", requested=31, started=None)
    running = a_pending_report(cast, "Running now", status="running", requested=40, started=5)
    queued = a_pending_report(cast, "Queued now", status="queued", requested=29, started=None)
    http = api(keys.agency_ro)

    shown = http.get(f"/api/v1/reports/{lost.public_id}/").json()
    assert (shown["status"], shown["error"], shown["progress"]) == ("failed", STALLED, 0)
    assert http.get(f"/api/v1/reports/{queued_lost.public_id}/").json()["status"] == "failed"
    shown = http.get(f"/api/v1/reports/{running.public_id}/").json()
    assert (shown["status"], shown["progress"]) == ("running", 40)

    def listed(status: str) -> set[str]:
        rows = http.get("/api/v1/reports/", {"status": status}).json()["results"]
        return {row["id"] for row in rows}

    assert listed("failed") == {str(lost.public_id), str(queued_lost.public_id)}
    assert listed("running") == {str(running.public_id)}
    assert listed("queued") == {str(queued.public_id)}
    every = {row["id"]: row["status"] for row in http.get("/api/v1/reports/").json()["results"]}
    assert every[str(lost.public_id)] == every[str(queued_lost.public_id)] == "failed"

    download = http.get(f"/api/v1/reports/{lost.public_id}/download/")
    assert download.status_code == 404
    assert STALLED in download.json()["error"]["message"]
