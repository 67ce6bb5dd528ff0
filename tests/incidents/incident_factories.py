"""Builders for the war-room tests: a client with an approved plan that names a crisis
team and a holding-statement template, and an alert with mentions (real rows)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from incidents.incident_services import incident_open
from incidents.models import Alert, AlertKind, Incident
from plans.models import PlanRevision
from tests.incidents.ui_factories import a_mention, a_source, an_alert
from tests.plans.factories import approved_plan

TEAM = [
    {"role": "Crisis lead", "person": "Max Manager", "deputy": "Olivia Owner"},
    {"role": "Spokesperson", "person": "STAFF@northwind.test", "deputy": ""},
    {"role": "Legal", "person": "Lara Lawyer (external)", "deputy": ""},
]
HOLDING = {
    "name": "Holding statement",
    "channel": "X",
    "body": "{client} is aware of {incident}. We will update by {next_update}. — {spokesperson}",
}


def a_plan(cast: Any) -> PlanRevision:
    _plan, revision = approved_plan(
        cast.client,
        cast.owner,
        team_roles=TEAM,
        statement_templates=[HOLDING],
        escalation_levels=[{"severity": 3, "criteria": "Press picks it up", "notify": "CEO"}],
    )
    return revision


def an_alert_with_mentions(cast: Any, texts: tuple[str, ...] = ()) -> Alert:
    source = a_source(cast.client)
    now = timezone.now()
    texts = texts or ("Acme RECALLED its yoghurt?", "Is Acme food contaminated", "Acme ok")
    mentions = [
        a_mention(
            cast.client,
            source,
            text=text,
            published_at=now - timedelta(minutes=30 - i),
            sentiment=-0.6,
            sentiment_label="negative",
        )
        for i, text in enumerate(texts)
    ]
    alert = an_alert(cast.client, AlertKind.NEGATIVE_SURGE)
    alert.mentions.set(mentions)
    return alert


def an_incident(cast: Any, **fields: Any) -> Incident:
    values: dict[str, Any] = {"client": cast.client, "by": cast.owner, "title": "Yoghurt recall"}
    values["severity"] = fields.pop("severity", 2)
    values.update(fields)
    return incident_open(**values)
