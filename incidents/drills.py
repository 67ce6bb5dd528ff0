"""Drill mode (guide V.C): rehearse a scenario of the approved plan in a real war room.

`drill_start` opens an incident flagged `is_drill` (the plan runs as for a real one:
roles, playbook tasks, holding statement) and queues `replay_drill`, which streams a
scripted set of synthetic mentions, built from the scenario's trigger terms, into it:
`DRILL_SIZE` mentions in batches a minute apart, each stamped at its scripted time from
the drill's start. They go through the real ingestion (scored, matched against the
watch terms) into the client's "Drill replay" push source, with external ids derived
from the incident, so a retried or repeated task never stores one twice. Their text
starts with "[Drill]" so nobody mistakes them for real posts in the inbox.

A drill never reaches anybody real: incident_open sends no stakeholder email for a
drill, the alert detector ignores the drill source (incidents.alerts), a drill has no
public statement page, and client contacts never see drill incidents (scope_spec). Its
mentions stay out of the inbox, the monitoring charts and the usual baseline
(incidents.drill_mentions).

`drill_record_timings` writes the team's timings (acknowledge, first statement, first
reply, resolution) into the exercise record; `drill_start` creates that record when it
is not given one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Count, Min
from django.utils import timezone

from clients.models import Client
from incidents.drill_mentions import DRILL_SOURCE_NAME
from incidents.incident_selectors import incident_metrics
from incidents.incident_services import IncidentError, incident_open, timeline_add
from incidents.ingest import ingest_entries
from incidents.models import (
    EntryKind,
    Incident,
    IncidentStatus,
    Mention,
    MentionResponse,
    ResponseStatus,
    Source,
    SourceKind,
)
from plans.models import Exercise, ExerciseStatus, Scenario
from portal.durations import format_measured
from portal.models import User

DRILL_SIZE = 20
BATCH = 4  # mentions per batch
BATCH_SECONDS = 60  # between batches
SPACING_SECONDS = BATCH_SECONDS // BATCH

# (author, text, reach): {term} is a trigger term of the scenario, {client} the brand.
SCRIPT = [
    ("worried_parent", "Just heard about the {term} at {client}. Is it safe to eat?", 350),
    ("newsdesk_live", "BREAKING: reports of {term} linked to {client} products.", 48_000),
    ("sam_k", "My kids ate {client} yoghurt this morning and now this {term}?! Furious.", 120),
    ("foodie_fran", "{client} has gone silent about the {term}. Not a good look.", 5_400),
    ("mike_r", "Returned everything to the shop. Never buying {client} again.", 80),
    ("consumer_watch", "We have asked {client} for a statement on the {term}.", 22_000),
    ("lena", "Anyone know which batches are affected by the {term}? {client} please say.", 210),
    ("dad_of_three", "Terrible. {client} should have warned us earlier about the {term}.", 95),
    ("healthy_habits", "Thread: what we know so far about the {client} {term}.", 12_500),
    ("tom_b", "Still no word from {client}. Disgusting how they treat customers.", 60),
    ("anna_p", "Thanks {client} for the quick refund, but the {term} is scary.", 300),
    ("local_radio", "Listeners are calling in about the {client} {term}.", 9_800),
    ("jo", "Is the {term} only in the UK or everywhere? {client}", 40),
    ("critic_101", "{client} PR team asleep while the {term} spreads. Awful.", 1_500),
    ("maria_s", "I feel sick. Bought {client} last week. What do I do about the {term}?", 150),
    ("retail_insider", "Stores are pulling {client} from the shelves after the {term}.", 31_000),
    ("ben", "Boycott {client} until they explain the {term}.", 700),
    ("kind_neighbour", "{client} replied to me quickly and kindly. Good to see.", 90),
    ("investor_daily", "{client} shares dip as the {term} story grows.", 64_000),
    ("gran_betty", "Nobody at {client} answers the phone about the {term}. Shameful.", 30),
]


@dataclass(frozen=True)
class DrillEntry:
    """One scripted mention, shaped as ingestion reads parsed entries."""

    external_id: str
    author: str
    author_reach: int | None
    text: str
    published: datetime | None
    url: str = ""
    title: str = ""
    language: str | None = "en"

    @property
    def match_text(self) -> str:
        return self.text


def drill_source(client: Client) -> Source:
    """The client's "Drill replay" push source (created disabled: nothing polls it)."""
    source, _created = Source.objects.get_or_create(
        client=client,
        name=DRILL_SOURCE_NAME,
        defaults={"kind": SourceKind.PUSH, "enabled": False},
    )
    if source.kind != SourceKind.PUSH:
        raise IncidentError(
            f"A source named “{DRILL_SOURCE_NAME}” already exists: rename it to run drills."
        )
    return source


def drill_script(incident: Incident) -> list[DrillEntry]:
    """The scripted stream of an incident: deterministic, so every run is the same."""
    terms = incident.scenario.trigger_term_list if incident.scenario else []
    terms = terms or ["problem"]
    entries = []
    for n, (author, text, reach) in enumerate(SCRIPT[:DRILL_SIZE]):
        body = text.format(term=terms[n % len(terms)], client=incident.client.name)
        entries.append(
            DrillEntry(
                external_id=f"drill-{incident.public_id}-{n:02d}",
                author=f"@{author}",
                author_reach=reach,
                text=f"[Drill] {body}",
                published=incident.opened_at + timedelta(seconds=n * SPACING_SECONDS),
            )
        )
    return entries


def drill_start(
    *,
    client: Client,
    by: User,
    scenario: Scenario,
    exercise: Exercise | None = None,
) -> Incident:
    """Open a drill incident for a scenario of the approved plan and start the replay."""
    from incidents.drill_tasks import replay_drill

    with transaction.atomic():
        drill_source(client)
        if exercise is None:
            exercise = Exercise.objects.create(
                client=client,
                title=f"Drill: {scenario.title}",
                scenario=scenario,
                scheduled_at=timezone.now(),
                facilitator=by,
                created_by=by,
            )
        incident = incident_open(
            client=client,
            by=by,
            title=f"Drill: {scenario.title}",
            severity=2,
            summary="An exercise: synthetic mentions are replayed into this incident.",
            scenario=scenario,
            is_drill=True,
            exercise=exercise,
        )
        incident_id = incident.pk
        transaction.on_commit(lambda: replay_drill.delay(incident_id))
    return incident


def drill_replay(*, incident: Incident, batch: int) -> int:
    """Store one batch of the script and attach it to the incident; returns how many
    mentions were new (0 when the batch was stored before)."""
    if not incident.is_drill:
        raise IncidentError("Only a drill replays synthetic mentions.")
    entries = drill_script(incident)[batch * BATCH : (batch + 1) * BATCH]
    if not entries:
        return 0
    source = drill_source(incident.client)
    result = ingest_entries(source=source, entries=entries)
    ids = Mention.objects.filter(
        source=source, external_id__in=[e.external_id for e in entries]
    ).values_list("pk", flat=True)
    incident.mentions.add(*ids)  # adding twice is a no-op
    if batch == 0 and incident.first_mention_at is None:
        Incident.objects.filter(pk=incident.pk).update(first_mention_at=entries[0].published)
    return result.created


def batches() -> int:
    return -(-DRILL_SIZE // BATCH)


# -- timings for the exercise record ---------------------------------------------------------


def drill_timings(incident: Incident) -> list[tuple[str, str]]:
    """(label, value) of the team's timings, from the drill's start."""
    rows = [
        (m.label, m.value_label)
        for m in incident_metrics(incident)
        if m.label != "Time to detect"  # the replay has no detection to time
    ]
    sent = MentionResponse.objects.filter(incident=incident, status=ResponseStatus.SENT).aggregate(
        first=Min("sent_at"), answered=Count("mention", distinct=True)
    )
    reply = sent["first"] - incident.opened_at if sent["first"] else None
    rows.insert(2, ("Time to first reply", format_measured(reply)))
    rows.append(("Mentions answered", f"{sent['answered']} of {incident.mentions.count()}"))
    return rows


def drill_record_timings(*, incident: Incident, by: User) -> Exercise:
    """Append the timings to the exercise's outcome (marking it completed) and note
    it on the drill's timeline."""
    if not incident.is_drill or incident.exercise is None:
        raise IncidentError("Only a drill has an exercise record to write to.")
    rows = drill_timings(incident)
    zone = ZoneInfo(incident.client.agency.time_zone)
    when = timezone.now().astimezone(zone).strftime("%-d %B %Y %H:%M")
    block = f"Timings of “{incident.title}” (recorded {when}):\n" + "\n".join(
        f"- {label}: {value}" for label, value in rows
    )
    with transaction.atomic():
        exercise = Exercise.objects.select_for_update().get(pk=incident.exercise.pk)
        exercise.outcome = f"{exercise.outcome.rstrip()}\n\n{block}".strip()
        if exercise.status == ExerciseStatus.PLANNED:
            exercise.status = ExerciseStatus.COMPLETED
        exercise.save(update_fields=["outcome", "status"])
        if incident.status != IncidentStatus.CLOSED:
            timeline_add(
                incident=incident,
                by=by,
                kind=EntryKind.NOTE,
                text="Drill timings recorded in the exercise record.",
            )
    return exercise
