"""Stored PDF reports: the post-mortem and the crisis plan as PDFs, read back with
pdftotext; the client and internal versions; regeneration; idempotent retries; errors
in plain words; the scoped downloads; a 1,000-entry timeline; a real Celery worker."""

from __future__ import annotations

import io
import re
import subprocess
import tempfile
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from clients.models import Membership
from incidents.models import (
    EntryKind,
    Report,
    ReportStatus,
    Statement,
    StatementStatus,
    TimelineEntry,
    Visibility,
)
from incidents.reports import (
    STALLED,
    ReportError,
    report_generate,
    report_request_plan,
    report_request_postmortem,
    reports_fail_stalled,
)
from tests.incidents.report_helpers import (
    a_final_postmortem,
    a_stored_report,
    flat,
    needs_poppler,
    pdf_pages,
    pdf_text,
)
from tests.plans.factories import approved_plan
from tests.waiting import wait_for

pytestmark = needs_poppler


def entry(incident, text, *, visibility=Visibility.INTERNAL, minutes=0, **fields):
    return TimelineEntry.objects.create(
        incident=incident,
        text=text,
        visibility=visibility,
        created_at=incident.opened_at + timedelta(minutes=minutes),
        **fields,
    )


def pm_pdf(capture, postmortem, variant, *, paper_size="a4", by=None) -> Report:
    """The post-mortem's PDF, requested and generated (the task runs on commit)."""
    by = by or postmortem.author
    return make(
        report_request_postmortem,
        capture,
        postmortem=postmortem,
        variant=variant,
        paper_size=paper_size,
        by=by,
    )


def make(report_request, capture, **kwargs) -> Report:
    with capture(execute=True):
        report = report_request(**kwargs)
    report.refresh_from_db()
    return report


@pytest.fixture
def postmortem(cast):
    pm = a_final_postmortem(
        cast,
        title="Yoghurt recall",
        impact="Two days of negative coverage in trade press.",
        went_well="The holding statement was out in 40 minutes.",
        went_badly="Legal review took three hours.",
        root_causes="No pre-approved recall template.",
    )
    incident = pm.incident
    entry(
        incident, "Client call: CEO agrees to the recall", visibility=Visibility.CLIENT, minutes=5
    )
    entry(incident, "INTERNAL-ONLY: legal thinks the supplier is at fault", minutes=10)
    entry(
        incident,
        "Decision: publish the holding statement",
        kind=EntryKind.DECISION,
        visibility=Visibility.CLIENT,
        minutes=20,
        starred=True,
    )
    Statement.objects.create(
        incident=incident,
        channel="x",
        body="We are recalling batch 42 as a precaution.",
        status=StatementStatus.PUBLISHED,
        published_at=incident.opened_at + timedelta(minutes=40),
        author=cast.staff,
        approver=cast.owner,
    )
    Statement.objects.create(
        incident=incident,
        channel="press",
        body="DRAFT-NEVER-PUBLISHED press release",
        status=StatementStatus.DRAFT,
        author=cast.staff,
    )
    from incidents.models import ActionItem

    ActionItem.objects.create(
        postmortem=pm,
        title="Write a recall template",
        owner_role="Client legal team",
        due_date=timezone.localdate() + timedelta(days=14),
        created_by=cast.owner,
    )
    return pm


def test_postmortem_pdf_internal_and_client_versions(
    cast, postmortem, django_capture_on_commit_callbacks
):
    internal = pm_pdf(django_capture_on_commit_callbacks, postmortem, "internal")
    client = pm_pdf(django_capture_on_commit_callbacks, postmortem, "client")
    assert internal.status == client.status == ReportStatus.DONE, (internal.error, client.error)
    assert internal.progress == 100 and internal.pages and internal.pages >= 5
    internal_text = flat(pdf_text(internal.file.read()))
    client_pages = pdf_pages(client.file.read())
    client_text = flat("\n".join(client_pages))

    # The cover names the client and the document.
    cover = flat(client_pages[0])
    assert "Acme Foods" in cover and "Post-mortem: Yoghurt recall" in cover
    assert "Northwind Communications" in cover and "Client version" in cover
    # The table of contents lists every chapter with its page number.
    toc = flat(client_pages[1])
    for chapter in (
        "Executive summary",
        "Response and impact in figures",
        "Timeline",
        "Statements",
        "What went well, what did not",
        "Lessons learned",
        "Action items",
    ):
        assert chapter in toc
    # ... each with the page it starts on (a dotted leader, then the number).
    numbers = dict(re.findall(r"\d\. ([A-Z][^.]+?) \.{3,} (\d+)", toc))
    assert numbers["Executive summary"] == "3"
    timeline_page = int(numbers["Timeline"])
    assert "Timeline" in client_pages[timeline_page - 1].split("\n", 3)[-1]
    # Page numbers and running headers on the content pages.
    assert f"Page 3 of {len(client_pages)}" in flat(client_pages[2])
    assert "Post-mortem: Yoghurt recall" in client_pages[2] and "Acme Foods" in client_pages[2]
    # Both versions: the review, the client-visible timeline, published statements, actions.
    for text in (internal_text, client_text):
        assert "A batch was recalled; we answered within the hour." in text
        assert "Client call: CEO agrees to the recall" in text
        assert "Decision: publish the holding statement" in text
        assert "We are recalling batch 42 as a precaution." in text
        assert "Legal review took three hours." in text
        assert "Pre-approve the recall template." in text
        assert "Write a recall template" in text and "Client legal team" in text
    # Only the internal version has the internal note and the unpublished draft.
    assert "INTERNAL-ONLY: legal thinks the supplier is at fault" in internal_text
    assert "DRAFT-NEVER-PUBLISHED" in internal_text
    assert "INTERNAL-ONLY" not in client_text
    assert "DRAFT-NEVER-PUBLISHED" not in client_text
    assert "Internal version" in internal_text


def _page_size(pdf: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        out = subprocess.run(["pdfinfo", f.name], check=True, capture_output=True).stdout
    return next(line for line in out.decode().splitlines() if line.startswith("Page size"))


def test_a4_and_letter(cast, postmortem, django_capture_on_commit_callbacks):
    report = pm_pdf(django_capture_on_commit_callbacks, postmortem, "client", paper_size="letter")
    assert "612 x 792" in _page_size(report.file.read())
    report = pm_pdf(django_capture_on_commit_callbacks, postmortem, "client")
    assert "595.2" in _page_size(report.file.read())


def test_the_cover_carries_the_agency_logo(cast, postmortem, django_capture_on_commit_callbacks):
    png = io.BytesIO()
    Image.new("RGB", (120, 40), "orange").save(png, "PNG")
    cast.agency.logo.save("logo-test.png", ContentFile(png.getvalue()))
    report = pm_pdf(django_capture_on_commit_callbacks, postmortem, "client")
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(report.file.read())
        f.flush()
        images = subprocess.run(
            ["pdfimages", "-list", "-f", "1", "-l", "1", f.name], check=True, capture_output=True
        ).stdout.decode()
    rows = images.splitlines()[2:]
    assert any(" 120 " in row and " 40 " in row for row in rows), images


def test_regenerating_replaces_the_file(cast, postmortem, django_capture_on_commit_callbacks):
    first = pm_pdf(django_capture_on_commit_callbacks, postmortem, "internal")
    old_name = first.file.name
    storage = first.file.storage
    assert storage.exists(old_name)
    entry(postmortem.incident, "Added after the first PDF", minutes=30)
    second = pm_pdf(django_capture_on_commit_callbacks, postmortem, "internal", by=cast.manager)
    assert second.pk == first.pk and second.generation == first.generation + 1
    assert second.file.name != old_name and not storage.exists(old_name)
    assert "Added after the first PDF" in pdf_text(second.file.read())
    assert Report.objects.filter(postmortem=postmortem).count() == 1


def test_a_retry_of_a_finished_or_overtaken_generation_does_nothing(
    cast, postmortem, django_capture_on_commit_callbacks
):
    report = pm_pdf(django_capture_on_commit_callbacks, postmortem, "client")
    name = report.file.name
    assert report_generate(report_id=report.pk, generation=report.generation) == "skipped"
    assert report_generate(report_id=report.pk, generation=report.generation - 1) == "skipped"
    report.refresh_from_db()
    assert report.file.name == name and report.status == ReportStatus.DONE


def _report(cast, postmortem, **fields):
    """The client version of the post-mortem's report row, as a task finds it."""
    return Report.objects.create(
        client=cast.client,
        kind="postmortem",
        postmortem=postmortem,
        variant="client",
        requested_by=cast.owner,
        **fields,
    )


def test_a_worker_killed_mid_render_renders_again(cast, postmortem):
    # The row says "running" (the first delivery died); the redelivered task renders.
    report = _report(cast, postmortem, status=ReportStatus.RUNNING, progress=60)
    assert report_generate(report_id=report.pk, generation=report.generation) == "done"
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE and report.file


def test_failure_is_explained_in_plain_words(cast, postmortem, django_capture_on_commit_callbacks):
    Membership.objects.filter(user=cast.staff).delete()
    report = pm_pdf(django_capture_on_commit_callbacks, postmortem, "client", by=cast.staff)
    assert report.status == ReportStatus.FAILED
    assert report.error == "Sam Staff is no longer a member of Northwind Communications."
    assert not report.file


def test_a_drill_has_no_client_version(cast):
    pm = a_final_postmortem(cast, is_drill=True)
    with pytest.raises(ReportError, match="drill"):
        report_request_postmortem(postmortem=pm, variant="client", paper_size="a4", by=cast.owner)


def test_thousand_entry_timeline(cast, django_capture_on_commit_callbacks):
    pm = a_final_postmortem(cast, title="Long crisis")
    incident = pm.incident
    TimelineEntry.objects.bulk_create(
        TimelineEntry(
            incident=incident,
            text=f"Entry number {n:04d} of the long crisis",
            visibility=Visibility.CLIENT if n % 2 else Visibility.INTERNAL,
            created_at=incident.opened_at + timedelta(seconds=n),
        )
        for n in range(1000)
    )
    internal = pm_pdf(django_capture_on_commit_callbacks, pm, "internal")
    client = pm_pdf(django_capture_on_commit_callbacks, pm, "client", paper_size="letter")
    internal_pages = pdf_pages(internal.file.read())
    internal_text = "\n".join(internal_pages)
    assert internal_text.count("Entry number") == 1000
    assert "Entry number 0000" in internal_text and "Entry number 0999" in internal_text
    client_text = pdf_text(client.file.read())
    assert client_text.count("Entry number") == 500
    assert "Entry number 0002 " not in client_text and "Entry number 0001" in client_text
    # The timeline spans many pages, each with the table's header row repeated.
    timeline_pages = [p for p in internal_pages if "Entry number" in p]
    assert len(timeline_pages) > 10
    assert all("WHEN" in p and "ENTRY" in p for p in timeline_pages)
    assert internal.pages == len(internal_pages)


def test_plan_pdf_versions(cast, django_capture_on_commit_callbacks):
    _plan, revision = approved_plan(
        cast.client,
        cast.owner,
        internal_notes="AGENCY-ONLY plan note",
        key_messages=[{"topic": "Safety", "message": "Safety comes first."}],
    )
    internal = make(
        report_request_plan,
        django_capture_on_commit_callbacks,
        revision=revision,
        variant="internal",
        paper_size="a4",
        by=cast.owner,
    )
    client = make(
        report_request_plan,
        django_capture_on_commit_callbacks,
        revision=revision,
        variant="client",
        paper_size="a4",
        by=cast.owner,
    )
    internal_text = flat(pdf_text(internal.file.read()))
    client_pages = pdf_pages(client.file.read())
    client_text = flat("\n".join(client_pages))
    assert "Crisis communications plan" in flat(client_pages[0]) and "Acme Foods" in client_pages[0]
    for text in (internal_text, client_text):
        assert "Safety comes first." in text and "Convene the crisis team" in text
        assert "Product recall" in text
    assert "AGENCY-ONLY plan note" in internal_text and "Brief legal" in internal_text
    assert "AGENCY-ONLY" not in client_text and "Brief legal" not in client_text
    assert "Internal notes" not in flat(client_pages[1])  # not in the contents either


def test_only_an_approved_plan_is_exported(cast):
    from plans.services import plan_revision_start

    plan, _approved = approved_plan(cast.client, cast.owner)
    draft = plan_revision_start(plan=plan, by=cast.owner)
    with pytest.raises(ReportError, match="approved"):
        report_request_plan(revision=draft, variant="client", paper_size="a4", by=cast.owner)


# -- pages and downloads ----------------------------------------------------------------------


def test_request_page_progress_and_download(
    cast, client, postmortem, django_capture_on_commit_callbacks
):
    client.force_login(cast.staff)
    url = reverse(
        "reports:postmortem_request",
        kwargs={"client": cast.client.public_id, "pk": postmortem.public_id},
    )
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(url, {"variant": "internal", "paper_size": "letter"})
    report = Report.objects.get(postmortem=postmortem)
    detail = reverse(
        "reports:detail", kwargs={"client": cast.client.public_id, "pk": report.public_id}
    )
    assert response.status_code == 302 and response["Location"] == detail
    # Queued: the page polls its own status partial.
    page = client.get(detail).content.decode()
    assert 'hx-trigger="every 1s"' in page and "Waiting for a worker" in page
    partial = client.get(detail, HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<div id="report-status"') and "<html" not in partial
    for callback in queued:
        callback()  # the task runs (eagerly)
    partial = client.get(detail, HTTP_HX_REQUEST="true").content.decode()
    assert "Ready" in partial and "hx-trigger" not in partial and "Download the PDF" in partial
    download = client.get(
        reverse(
            "reports:download", kwargs={"client": cast.client.public_id, "pk": report.public_id}
        )
    )
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert "acme-foods-post-mortem-yoghurt-recall-internal.pdf" in download["Content-Disposition"]
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_bad_choices_are_refused_with_a_message(cast, client, postmortem):
    client.force_login(cast.owner)
    url = reverse(
        "reports:postmortem_request",
        kwargs={"client": cast.client.public_id, "pk": postmortem.public_id},
    )
    response = client.post(url, {"variant": "everything", "paper_size": "a3"}, follow=True)
    body = response.content.decode()
    assert "Choose the client version or the internal version." in body
    assert "Choose A4 or US Letter paper." in body
    assert not Report.objects.exists()


def test_another_agencys_report_is_a_404(cast, client):
    report = a_stored_report(cast)
    client.force_login(cast.outsider)
    for name in ("reports:detail", "reports:download"):
        url = reverse(name, kwargs={"client": cast.client.public_id, "pk": report.public_id})
        assert client.get(url).status_code == 404


def test_contact_downloads_only_the_shared_client_version(cast, client):
    shared = a_stored_report(cast)
    internal = a_stored_report(cast, variant="internal", postmortem=shared.postmortem)
    unshared = a_stored_report(
        cast, postmortem=a_final_postmortem(cast, title="Quiet", shared=False)
    )
    client.force_login(cast.contact_user)

    def download(report):
        return client.get(
            reverse(
                "reportsportal:download",
                kwargs={"client": cast.client.public_id, "pk": report.public_id},
            )
        )

    assert download(shared).status_code == 200
    assert download(internal).status_code == 404
    assert download(unshared).status_code == 404
    listing = client.get(reverse("reportsportal:list", kwargs={"client": cast.client.public_id}))
    body = listing.content.decode()
    assert "Post-mortem: Yoghurt recall" in body and "Quiet" not in body
    assert body.count("Download PDF") == 1
    # The agency pages stay closed to the contact.
    url = reverse(
        "reports:download", kwargs={"client": cast.client.public_id, "pk": shared.public_id}
    )
    assert client.get(url).status_code == 403


# -- a real worker -------------------------------------------------------------------------------


@pytest.mark.worker
def test_real_worker_generates_the_report(cast, client, celery_worker):
    pm = a_final_postmortem(cast, title="Worker crisis")
    entry(pm.incident, "Shared with the client by the worker test", visibility=Visibility.CLIENT)
    client.force_login(cast.owner)
    url = reverse(
        "reports:postmortem_request", kwargs={"client": cast.client.public_id, "pk": pm.public_id}
    )
    assert client.post(url, {"variant": "client", "paper_size": "a4"}).status_code == 302
    report = Report.objects.get(postmortem=pm)

    def finished() -> bool:
        report.refresh_from_db()
        return not report.is_pending

    wait_for(finished, 90)
    assert report.status == ReportStatus.DONE, (report.status, report.error)
    download = client.get(
        reverse(
            "reports:download", kwargs={"client": cast.client.public_id, "pk": report.public_id}
        )
    )
    pdf = b"".join(download.streaming_content)
    assert "Shared with the client by the worker test" in flat(pdf_text(pdf))


def test_pages_link_to_the_pdfs(cast, client, postmortem, django_capture_on_commit_callbacks):
    report = pm_pdf(django_capture_on_commit_callbacks, postmortem, "client")
    client.force_login(cast.readonly_staff)
    kwargs = {"client": cast.client.public_id}
    page = client.get(
        reverse("postmortems:detail", kwargs={**kwargs, "incident": postmortem.incident.public_id})
    ).content.decode()
    download = reverse("reports:download", kwargs={**kwargs, "pk": report.public_id})
    assert 'id="postmortem-pdf"' in page and download in page
    assert "Generate PDF" not in page  # read-only: no form
    listing = client.get(reverse("reports:list", kwargs=kwargs)).content.decode()
    assert download in listing and "Yoghurt recall" in listing
    overview = client.get(reverse("clients:overview", kwargs=kwargs)).content.decode()
    assert reverse("reports:list", kwargs=kwargs) in overview
    client.force_login(cast.staff)
    page = client.get(
        reverse("postmortems:detail", kwargs={**kwargs, "incident": postmortem.incident.public_id})
    ).content.decode()
    assert "Generate PDF" in page


def test_page_says_when_the_postmortem_changed_after_the_pdf(cast, client):
    report = a_stored_report(cast)
    Report.objects.filter(pk=report.pk).update(finished_at=timezone.now())
    client.force_login(cast.owner)
    url = reverse(
        "reports:detail", kwargs={"client": cast.client.public_id, "pk": report.public_id}
    )
    assert "changed after this PDF was made" not in client.get(url).content.decode()
    report.postmortem.updated_at = timezone.now() + timedelta(minutes=1)
    report.postmortem.save()
    assert "changed after this PDF was made" in client.get(url).content.decode()


def test_plan_export_and_regenerate_through_the_pages(
    cast, client, django_capture_on_commit_callbacks
):
    client.force_login(cast.manager)
    kwargs = {"client": cast.client.public_id}
    url = reverse("reports:plan_request", kwargs=kwargs)
    response = client.post(url, {"variant": "client", "paper_size": "a4"}, follow=True)
    assert "no approved crisis plan to export yet" in response.content.decode()
    _plan, revision = approved_plan(cast.client, cast.owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"variant": "client", "paper_size": "a4"})
    report = Report.objects.get(plan_revision=revision)
    assert report.status == ReportStatus.DONE and report.paper_size == "a4"
    again = reverse("reports:regenerate", kwargs={**kwargs, "pk": report.public_id})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(again, {"paper_size": "letter"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.generation == 2 and report.paper_size == "letter"
    assert report.variant == "client" and report.status == ReportStatus.DONE
    assert "612 x 792" in _page_size(report.file.read())
    # A read-only colleague may download it but not make it again.
    client.force_login(cast.readonly_staff)
    assert client.post(again, {"paper_size": "a4"}).status_code == 403
    download = reverse("reports:download", kwargs={**kwargs, "pk": report.public_id})
    assert client.get(download).status_code == 200


def test_deleting_the_client_deletes_its_pdfs(cast, django_capture_on_commit_callbacks):
    report = a_stored_report(cast)
    storage, name = report.file.storage, report.file.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        cast.client.delete()
    assert not Report.objects.filter(pk=report.pk).exists()
    assert not storage.exists(name)


def test_portal_home_of_the_client_links_to_its_documents(cast, client):
    client.force_login(cast.contact_user)
    kwargs = {"client": cast.client.public_id}
    page = client.get(reverse("clientportal:client", kwargs=kwargs)).content.decode()
    assert reverse("reportsportal:list", kwargs=kwargs) in page


def test_a_task_that_arrives_after_its_report_was_given_up_still_renders_it(cast, postmortem):
    # Queued 40 minutes ago and never picked up (a long queue): the beat gives it up...
    report = _report(
        cast,
        postmortem,
        status=ReportStatus.QUEUED,
        requested_at=timezone.now() - timedelta(minutes=40),
    )
    assert reports_fail_stalled() == 1
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED and report.error == STALLED
    # ...then its task arrives: the PDF the user asked for is made after all.
    assert report_generate(report_id=report.pk, generation=report.generation) == "done"
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE and report.error == "" and report.file
    assert "Post-mortem" in pdf_text(report.file.read())


def test_a_late_task_does_not_undo_a_real_failure_or_a_newer_request(cast, postmortem):
    failed = _report(
        cast, postmortem, status=ReportStatus.FAILED, error="The post-mortem was deleted."
    )
    assert report_generate(report_id=failed.pk, generation=failed.generation) == "skipped"
    failed.refresh_from_db()
    assert failed.status == ReportStatus.FAILED and failed.error == "The post-mortem was deleted."
    # Given up, and asked for again since: the old generation's task stays skipped.
    Report.objects.filter(pk=failed.pk).update(error=STALLED, generation=F("generation") + 1)
    assert report_generate(report_id=failed.pk, generation=failed.generation) == "skipped"
