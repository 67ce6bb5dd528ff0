"""Demo: a past incident of Acme Foods, resolved five days ago, with its post-mortem.

A mould complaint about Acme Crunch ran for about five hours on the client's approved
plan: negative mentions (stored through the real ingestion path, so scored by VADER),
replies to most of them, a holding statement and a full statement published, two
stakeholders informed, the playbook's tasks done (one late, one never). The post-mortem
is written, final and shared with the client, with three action items, one overdue; the
"Open a plan revision" step is left for the person trying the demo.

Idempotent: nothing is done when the incident already exists. Runs after the monitoring
and plan demos (it uses their source and approved plan).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from clients.models import Client, Contact
from incidents.incident_services import incident_open, placeholder_values
from incidents.ingest import ingest_entries
from incidents.models import (
    ActionItem,
    EntryKind,
    Incident,
    IncidentStatus,
    IncidentTask,
    Mention,
    MentionResponse,
    ResponseStatus,
    Sentiment,
    Source,
    SourceKind,
    StakeholderNotification,
    Statement,
    StatementChannel,
    StatementStatus,
    TimelineEntry,
    Visibility,
)
from incidents.monitoring.parse import ParsedEntry
from incidents.postmortem_actions import action_item_create
from incidents.postmortems import postmortem_create, postmortem_finalise, postmortem_update
from plans.models import Scenario
from plans.placeholders import render_placeholders
from portal.models import User

TITLE = "Mould complaints about Acme Crunch batch 2291"
COMPLAINTS = [
    "Found mould in my Acme Crunch, batch 2291. Not happy @AcmeFoods",
    "Acme Crunch tasted off this morning, anyone else? Batch 2291",
    "Is there an Acme Foods recall? My box of Acme Crunch looks mouldy",
    "@AcmeFoods why is nobody answering about the mould in Acme Crunch?",
    "Disgusting. Mouldy Acme Crunch again. #AcmeFail",
]
REPLY = (
    "Hi, we're so sorry. Please send us a photo of the pack code by DM: our quality team "
    "is looking into batch 2291 right now."
)


def load_postmortem_demo(*, client: Client, by: User) -> None:
    if Incident.objects.filter(client=client, title=TITLE).exists():
        return
    # One transaction: the stakeholder notification that opening queues on commit then
    # finds the automatic notifications of this past incident already recorded, and
    # emails nobody.
    with transaction.atomic():
        _load(client=client, by=by)


def _as_published(incident: Incident, *, channel: str, at: datetime) -> str | None:
    """The holding statement as it went out: opening the incident drafted it from the
    plan's template today, but its {date} and {time} are those of its publication days
    ago. None when the plan has no template (then there is no holding statement)."""
    revision = incident.plan_revision
    templates = (revision.statement_templates or []) if revision else []
    body = next((str(t["body"]) for t in templates if str(t.get("body", "")).strip()), None)
    if body is None:
        return None
    return render_placeholders(body, placeholder_values(incident, channel=channel, at=at))


def _load(*, client: Client, by: User) -> None:
    source = Source.objects.filter(client=client, kind=SourceKind.PUSH).first()
    if source is None:
        return
    rng = random.Random(11)
    start = (timezone.now() - timedelta(days=5)).replace(hour=9, minute=40, second=0, microsecond=0)
    entries = [
        ParsedEntry(
            external_id=f"pm-demo-{n}",
            url=f"https://social.example/pm-demo/status/{n}",
            author=f"@customer{n}",
            author_reach=rng.choice([150, 800, 3_000, 22_000]),
            title="",
            text=COMPLAINTS[n % len(COMPLAINTS)],
            published=start + timedelta(minutes=n * 9 + rng.randint(0, 5)),
            language="en",
        )
        for n in range(30)
    ]
    ingest_entries(source=source, entries=entries)
    complaints = list(
        Mention.objects.filter(source=source, external_id__startswith="pm-demo-").order_by(
            "published_at"
        )
    )
    scenario = (
        Scenario.objects.filter(revision__plan__client=client, revision__status="approved")
        .order_by("id")
        .first()
    )
    incident = incident_open(client=client, by=by, title=TITLE, severity=2, scenario=scenario)
    incident.mentions.add(*complaints)
    detected = start + timedelta(minutes=35)
    resolved = start + timedelta(hours=5, minutes=10)
    Incident.objects.filter(pk=incident.pk).update(
        status=IncidentStatus.RESOLVED,
        first_mention_at=complaints[0].published_at if complaints else start,
        detected_at=detected,
        opened_at=detected,
        acknowledged_at=detected + timedelta(minutes=12),
        first_statement_at=detected + timedelta(minutes=55),
        resolved_at=resolved,
        summary="Customers reported mould in Acme Crunch from batch 2291; the batch was "
        "checked and withdrawn from two stores.",
    )
    # The record as it happened: entries and tasks at the incident's times.
    TimelineEntry.objects.filter(incident=incident).update(created_at=detected)
    for i, task in enumerate(IncidentTask.objects.filter(incident=incident).order_by("position")):
        due = detected + timedelta(minutes=30 * (i + 1))
        done = (
            None if i == 2 else due + (timedelta(minutes=40) if i == 1 else -timedelta(minutes=5))
        )
        IncidentTask.objects.filter(pk=task.pk).update(due_at=due, done_at=done)
    holding = Statement.objects.filter(incident=incident, is_holding=True).first()
    if holding is not None:
        published = detected + timedelta(minutes=55)
        Statement.objects.filter(pk=holding.pk).update(
            body=_as_published(incident, channel=holding.channel, at=published) or holding.body,
            status=StatementStatus.PUBLISHED,
            approver=by,
            created_at=detected,
            approved_at=detected + timedelta(minutes=50),
            published_at=published,
        )
    Statement.objects.create(
        incident=incident,
        channel=StatementChannel.WEBSITE,
        body="Acme Foods has withdrawn batch 2291 of Acme Crunch from sale as a precaution. "
        "Customers can return any pack from this batch for a full refund.",
        status=StatementStatus.PUBLISHED,
        author=by,
        approver=by,
        created_at=detected + timedelta(hours=2, minutes=20),
        approved_at=detected + timedelta(hours=2, minutes=40),
        published_at=detected + timedelta(hours=3),
    )
    for n, mention in enumerate(complaints):
        if mention.sentiment_label != Sentiment.NEGATIVE or n % 4 == 3:
            continue  # some were never answered
        MentionResponse.objects.create(
            client=client,
            mention=mention,
            incident=incident,
            body=REPLY,
            status=ResponseStatus.SENT,
            author=by,
            sent_at=mention.published_at + timedelta(minutes=12 + 7 * (n % 6)),
        )
    for contact in Contact.objects.filter(client=client, notify_from_severity__lte=2).exclude(
        email=""
    ):
        StakeholderNotification.objects.get_or_create(
            incident=incident,
            contact=contact,
            severity=2,
            automatic=True,
            defaults={
                "channel": "email",
                "message": f"{client.name}: the incident “{TITLE}” is now at severity 2.",
                "notified_at": detected + timedelta(minutes=1),
            },
        )
    for contact in Contact.objects.filter(client=client).order_by("id")[:2]:
        StakeholderNotification.objects.create(
            incident=incident,
            contact=contact,
            channel="phone",
            message="Briefed on the batch 2291 complaints and the withdrawal.",
            notified_by=by,
            notified_at=detected + timedelta(hours=1),
        )
    TimelineEntry.objects.create(
        incident=incident,
        kind=EntryKind.STATUS,
        text="Status: Monitoring → Resolved. Batch withdrawn; mentions back to normal.",
        visibility=Visibility.CLIENT,
        author=by,
        created_at=resolved,
        data={"to": IncidentStatus.RESOLVED},
    )
    Incident.objects.filter(pk=incident.pk).update(version=F("version") + 1)
    incident.refresh_from_db()
    pm = postmortem_create(incident=incident, by=by)
    postmortem_update(
        postmortem=pm,
        by=by,
        summary=incident.summary,
        impact="About thirty complaints in five hours, reach up to 22,000; two stores "
        "withdrew the batch; no press coverage.",
        went_well="The holding statement went out within the hour; most complaints got a "
        "personal reply within half an hour.",
        went_badly="Quality assurance took over an hour to confirm the batch; one "
        "playbook task was never done, another was late.",
        root_causes="A seal defect on one packing line; no direct line from the social "
        "team to quality assurance.",
        lessons="Add a direct quality-assurance contact to the crisis team; pre-approve a "
        "product-withdrawal statement.",
    )
    pm = postmortem_finalise(postmortem=pm, by=by, share=True)
    today = timezone.localdate()
    action_item_create(
        postmortem=pm,
        by=by,
        title="Add the quality-assurance lead to the plan's crisis team",
        owner=by,
        due_date=today + timedelta(days=10),
    )
    action_item_create(
        postmortem=pm,
        by=by,
        title="Pre-approve a product-withdrawal statement template",
        owner_role="Client legal team",
        due_date=today + timedelta(days=20),
    )
    overdue = action_item_create(
        postmortem=pm,
        by=by,
        title="Brief the packing-line supervisors on escalation",
        owner_role="Client operations",
    )
    ActionItem.objects.filter(pk=overdue.pk).update(due_date=today - timedelta(days=2))
