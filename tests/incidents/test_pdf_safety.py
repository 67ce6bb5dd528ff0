"""Hostile input in every text field of a report: the PDF shows it as text, and no
request leaves the process while it is made.

A real local HTTP server records every request it gets; the hostile payload points
every kind of URL WeasyPrint could fetch (img, link, @import, url(), SVG image,
iframe/object, file://) at it. An audit hook (CPython's sys.addaudithook, no mock)
also records every socket connection and urllib request made while rendering. Then the
same payload is fed to the renderer *unescaped*, as a template bug would, to show the
second wall: the URL fetcher refuses every one of those URLs."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from clients.models import Agency, Client
from incidents.models import (
    ActionItem,
    IncidentTask,
    Report,
    ReportStatus,
    Statement,
    StatementStatus,
    TimelineEntry,
    Visibility,
)
from incidents.reports import report_request_plan, report_request_postmortem
from plans.services import (
    StepData,
    plan_create,
    plan_revision_approve,
    plan_revision_start,
    plan_revision_submit,
    plan_revision_update,
    scenario_save,
)
from portal.pdf import html_to_pdf
from tests.incidents.local_server import local_server
from tests.incidents.report_helpers import (
    a_final_postmortem,
    needs_poppler,
    pdf_body_text,
    pdf_text,
    squeeze,
)
from tests.incidents.ui_factories import a_mention, a_source

pytestmark = needs_poppler

_recording: list[list[str]] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _recording and event in ("socket.connect", "socket.getaddrinfo", "urllib.Request"):
        _recording[-1].append(f"{event} {args[:2]!r}")


sys.addaudithook(_audit)  # cannot be removed; records only inside `network_watch`


@contextmanager
def network_watch() -> Iterator[list[str]]:
    seen: list[str] = []
    _recording.append(seen)
    try:
        yield seen
    finally:
        _recording.pop()


def hostile(url: str, field: str) -> str:
    """One payload per field (the field's name in it, so each can be found)."""
    return (
        f'[{field}] <b>bold?</b> <img src="{url}/img-{field}"> '
        f'<link rel="stylesheet" href="{url}/link-{field}.css"> '
        f'<style>@import url("{url}/import-{field}.css"); '
        f"body {{ background: url('{url}/bg-{field}.png') }}</style> "
        f'<svg><image href="{url}/svg-{field}"/></svg> '
        f'<iframe src="{url}/frame-{field}"></iframe><object data="{url}/obj-{field}"></object> '
        f"<a href=\"javascript:alert('{field}')\">click</a> "
        f'<img src="file:///etc/passwd"> url(file:///etc/passwd) '
        f"<script>fetch('{url}/script-{field}')</script> end-{field}"
    )


POSTMORTEM_FIELDS = ["summary", "impact", "went_well", "went_badly", "root_causes", "lessons"]


def _poison_world(cast: Any, url: str) -> Any:
    Agency.objects.filter(pk=cast.agency.pk).update(name=hostile(url, "agency")[:120])
    Client.objects.filter(pk=cast.client.pk).update(name=hostile(url, "client")[:120])
    cast.owner.full_name = hostile(url, "person")[:150]
    cast.owner.save()
    cast.client.refresh_from_db()
    pm = a_final_postmortem(
        cast,
        title=hostile(url, "title")[:200],
        **{name: hostile(url, name) for name in POSTMORTEM_FIELDS},
    )
    incident = pm.incident
    incident.summary = hostile(url, "incident-summary")
    incident.save()
    for visibility in (Visibility.CLIENT, Visibility.INTERNAL):
        TimelineEntry.objects.create(
            incident=incident,
            author=cast.owner,
            visibility=visibility,
            starred=True,
            text=hostile(url, f"entry-{visibility}"),
            created_at=incident.opened_at + timedelta(minutes=5),
        )
    Statement.objects.create(
        incident=incident,
        channel="x",
        body=hostile(url, "statement"),
        status=StatementStatus.PUBLISHED,
        published_at=incident.opened_at + timedelta(minutes=30),
        published_url=f"{url}/published-statement",
        author=cast.owner,
    )
    ActionItem.objects.create(
        postmortem=pm,
        title=hostile(url, "action")[:300],
        details=hostile(url, "action-details"),
        owner_role=hostile(url, "role")[:120],
        due_date=timezone.localdate(),
        created_by=cast.owner,
    )
    IncidentTask.objects.create(
        incident=incident,
        title=hostile(url, "task")[:300],
        owner_role=hostile(url, "task-role")[:80],
        due_at=incident.opened_at + timedelta(minutes=10),
    )
    mention = a_mention(
        cast.client,
        a_source(cast.client),
        text=hostile(url, "mention"),
        published_at=incident.opened_at + timedelta(minutes=2),
        sentiment=-0.8,
        sentiment_label="negative",
    )
    incident.mentions.add(mention)
    return pm


def _poisoned_plan(cast: Any, url: str) -> Any:
    plan = plan_create(client=cast.client, by=cast.owner)
    draft = plan_revision_start(plan=plan, by=cast.owner)
    plan_revision_update(
        revision=draft,
        by=cast.owner,
        objectives=hostile(url, "objectives"),
        plan_scope=hostile(url, "scope"),
        channels=hostile(url, "channels"),
        approval_chain=hostile(url, "approval"),
        monitoring_notes=hostile(url, "monitoring"),
        internal_notes=hostile(url, "internal"),
        key_messages=[{"topic": hostile(url, "topic"), "message": hostile(url, "message")}],
        statement_templates=[
            {"name": hostile(url, "tpl-name"), "channel": "X", "body": hostile(url, "tpl-body")}
        ],
        team_roles=[{"role": hostile(url, "team-role"), "person": "P", "deputy": "D"}],
    )
    scenario_save(
        revision=draft,
        by=cast.owner,
        title=hostile(url, "scenario")[:200],
        description=hostile(url, "scenario-description"),
        trigger_terms=hostile(url, "triggers"),
        steps=[StepData(hostile(url, "step")[:300], "Lead", 0)],
    )
    plan_revision_submit(revision=draft, by=cast.owner)
    return plan_revision_approve(revision=draft, by=cast.owner)


def _make(request: Any, capture: Any, **kwargs: Any) -> Report:
    with capture(execute=True):
        report = request(**kwargs)
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE, report.error
    return report


def test_hostile_text_in_every_field_stays_text_and_fetches_nothing(
    cast, django_capture_on_commit_callbacks
):
    with local_server() as server:
        url = server.url
        pm = _poison_world(cast, url)
        revision = _poisoned_plan(cast, url)
        with network_watch() as connections:
            reports = [
                _make(
                    report_request_postmortem,
                    django_capture_on_commit_callbacks,
                    postmortem=pm,
                    variant=variant,
                    paper_size="a4",
                    by=cast.owner,
                )
                for variant in ("internal", "client")
            ] + [
                _make(
                    report_request_plan,
                    django_capture_on_commit_callbacks,
                    revision=revision,
                    variant="internal",
                    paper_size="letter",
                    by=cast.owner,
                )
            ]
        assert server.seen == [], [s.path for s in server.seen]
        assert connections == []
    texts = [squeeze(pdf_body_text(report.file.read())) for report in reports]
    internal, client_version, plan = texts
    # The markup is printed as the characters people typed.
    fields = [
        *POSTMORTEM_FIELDS,
        "task",
        "title",
        "entry-client",
        "entry-internal",
        "statement",
        "action",
        "action-details",
    ]
    for field in fields:
        # The whole payload (as far as the field holds it), every character, in order.
        limit = {"title": 200, "action": 300, "task": 300}.get(field)
        assert squeeze(hostile(url, field)[:limit]) in internal, field
    assert squeeze(hostile(url, "client")[:120]) in internal
    assert squeeze(hostile(url, "agency")[:120]) in internal
    assert squeeze(hostile(url, "person")[:150]) in internal  # the entries' author
    assert squeeze(hostile(url, "statement")) in client_version
    assert squeeze(hostile(url, "task-role")[:80]) in internal  # the task's owner
    assert squeeze("[entry-internal]") not in client_version
    assert squeeze("[entry-client]") in client_version
    for field in (
        "objectives",
        "scope",
        "channels",
        "approval",
        "monitoring",
        "internal",
        "topic",
        "message",
        "tpl-name",
        "tpl-body",
        "team-role",
        "scenario",
        "scenario-description",
        "step",
    ):
        limit = {"scenario": 200, "step": 300}.get(field)
        assert squeeze(hostile(url, field)[:limit]) in plan, field


def test_the_fetcher_refuses_every_url_even_in_unescaped_markup():
    with local_server() as server:
        url = server.url
        html = f"<html><body><p>{hostile(url, 'raw')}</p><p>after</p></body></html>"
        with network_watch() as connections:
            rendered = html_to_pdf(html)
        assert server.seen == [], [s.path for s in server.seen]
        assert connections == []
    refused = set(rendered.refused)
    for expected in (
        f"{url}/img-raw",
        f"{url}/link-raw.css",
        f"{url}/import-raw.css",
        f"{url}/bg-raw.png",
        "file:///etc/passwd",
    ):
        assert expected in refused, (expected, refused)
    assert "after" in pdf_text(rendered.pdf)


@pytest.mark.parametrize(
    "css",
    [
        "@font-face { font-family: X; src: url({url}/font.woff2) } body { font-family: X }",
        "body { background-image: image-set(url({url}/set.png) 1x) }",
        "li { list-style-image: url({url}/bullet.png) }",
        "body::before { content: url({url}/before.svg) }",
        "@import '{url}/bare-import.css';",
    ],
)
def test_css_resource_kinds_are_refused(css):
    with local_server() as server:
        style = css.replace("{url}", server.url)
        html = f"<html><head><style>{style}</style></head><body><ul><li>x</li></ul></body></html>"
        with network_watch() as connections:
            rendered = html_to_pdf(html)
        assert server.seen == []
        assert connections == []
    assert rendered.pdf.startswith(b"%PDF")
