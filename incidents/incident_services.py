"""Writes of the incident war room (guide II.A–D, IV.B): opening an incident (which runs
the client's approved plan), status and severity changes with a reason, the append-only
timeline, tasks and stakeholder contacts.

Every change takes the incident row with `select_for_update()` and bumps its `version`
inside one transaction, so two people acting at once are serialised: nobody's entry or
status change is lost and the timeline reads in the order things happened. Side effects
(stakeholder emails) are queued with `transaction.on_commit`.

Refusals raise `IncidentError`, whose message is meant for the person who clicked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from clients.models import Client, Contact, Membership
from clients.services import client_team
from incidents import webhook_events
from incidents.models import (
    Alert,
    AlertStatus,
    EntryKind,
    Incident,
    IncidentRole,
    IncidentStatus,
    IncidentTask,
    Mention,
    StakeholderNotification,
    Statement,
    StatementChannel,
    StatementStatus,
    TimelineEntry,
    Visibility,
)
from incidents.monitoring.matching import MatchMode, TermSpec, compile_terms
from incidents.monitoring.text import normalise
from plans.models import Exercise, PlanRevision, RevisionStatus, Scenario
from plans.placeholders import render_placeholders
from portal.models import User

MAX_ENTRY_CHARS = 10_000
MAX_REASON_CHARS = 1_000

# Forward along the life of an incident (skipping ahead is allowed: a minor incident may
# go straight from assessing to resolved), plus reopening a resolved one. Closed is final.
STATUS_ORDER = [
    IncidentStatus.DETECTED,
    IncidentStatus.ASSESSING,
    IncidentStatus.RESPONDING,
    IncidentStatus.MONITORING,
    IncidentStatus.RESOLVED,
    IncidentStatus.CLOSED,
]
REOPEN = (IncidentStatus.RESOLVED, IncidentStatus.RESPONDING)


class IncidentError(Exception):
    """A refusal with a message meant for the person who acted."""


def allowed_statuses(current: str) -> list[IncidentStatus]:
    """The statuses an incident in `current` may move to, the next step first (the one a
    form preselects): reopening a resolved incident comes after closing it."""
    if current == IncidentStatus.CLOSED:
        return []
    index = STATUS_ORDER.index(IncidentStatus(current))
    allowed = list(STATUS_ORDER[index + 1 :])
    if current == REOPEN[0]:
        allowed.append(REOPEN[1])
    return allowed


# -- helpers --------------------------------------------------------------------------------


def _lock(incident: Incident) -> Incident:
    """The incident row, locked until the transaction ends, with its version bumped."""
    Incident.objects.filter(pk=incident.pk).update(version=F("version") + 1)
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    return locked


def _sync(target: Incident, source: Incident) -> None:
    """Copy the fresh state of a locked row onto the caller's instance."""
    for field in (
        "status",
        "severity",
        "version",
        "acknowledged_at",
        "resolved_at",
        "closed_at",
        "first_statement_at",
    ):
        setattr(target, field, getattr(source, field))


def _entry(
    incident: Incident,
    *,
    by: User | None,
    kind: str,
    text: str,
    visibility: str = Visibility.INTERNAL,
    data: dict[str, Any] | None = None,
    corrects: TimelineEntry | None = None,
) -> TimelineEntry:
    return TimelineEntry.objects.create(
        incident=incident,
        kind=kind,
        text=text[:MAX_ENTRY_CHARS],
        visibility=visibility,
        author=by,
        data=data or {},
        corrects=corrects,
    )


def locked_incident(incident: Incident) -> Incident:
    """For other services' writes, inside their `transaction.atomic()`: the incident row
    locked until the transaction ends, with its version bumped, as every change of the
    war room takes it. Returns the fresh row; the caller's instance is not changed."""
    return _lock(incident)


def add_system_entry(
    incident: Incident,
    *,
    by: User | None,
    text: str,
    kind: str = EntryKind.NOTE,
    visibility: str = Visibility.INTERNAL,
    data: dict[str, Any] | None = None,
) -> TimelineEntry:
    """The timeline's record of a change another service made (a post-mortem started,
    the public page turned off), written also on a closed incident: `timeline_add`
    refuses those, rightly for people's notes. The caller holds `locked_incident` in
    its transaction."""
    return _entry(incident, by=by, kind=kind, text=text, visibility=visibility, data=data)


def _refuse_if_closed(incident: Incident) -> None:
    if incident.status == IncidentStatus.CLOSED:
        raise IncidentError("This incident is closed: reopen it to add to its timeline.")


def _clean_text(text: str, *, what: str = "entry") -> str:
    text = (text or "").strip()
    if not text:
        raise IncidentError("Write something first.")
    if len(text) > MAX_ENTRY_CHARS:
        raise IncidentError(
            f"This {what} is {len(text):,} characters long; the limit is {MAX_ENTRY_CHARS:,}. "
            "Split it into several entries."
        )
    return text


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise IncidentError("Say why: a reason is recorded with every change.")
    if len(reason) > MAX_REASON_CHARS:
        raise IncidentError(f"Keep the reason under {MAX_REASON_CHARS:,} characters.")
    return reason


def approved_revision(client: Client) -> PlanRevision | None:
    """The plan revision in force for a client, if its plan has an approved one."""
    return PlanRevision.objects.filter(plan__client=client, status=RevisionStatus.APPROVED).first()


def suggest_scenario(revision: PlanRevision | None, texts: Iterable[str]) -> Scenario | None:
    """The scenario of a revision whose trigger terms occur in most of the texts (case-
    and accent-insensitive, anywhere in a word: "recall" matches "recalled"); ties go to
    the scenario listed first. None when no trigger term occurs."""
    if revision is None:
        return None
    scenarios = list(revision.scenarios.all())
    specs = [
        TermSpec(id=(s.pk, n), term=term, mode=MatchMode.PHRASE)
        for s in scenarios
        for n, term in enumerate(s.trigger_term_list)
    ]
    if not specs:
        return None
    matcher = compile_terms(specs)
    hits: dict[int, int] = {}
    for text in texts:
        for scenario_pk in {term_id[0] for term_id in matcher.match(text)}:
            hits[scenario_pk] = hits.get(scenario_pk, 0) + 1
    if not hits:
        return None
    best = max(hits.values())
    return next(s for s in scenarios if hits.get(s.pk) == best)


def _members_by_name(client: Client) -> dict[str, User]:
    """The client's agency members keyed by normalised full name and email, so the plan's
    free-text "person" ("Dana Lee" or "dana@agency.test") finds its account."""
    found: dict[str, User] = {}
    for membership in Membership.objects.filter(agency_id=client.agency_id).select_related("user"):
        user = membership.user
        if not user.is_active:
            continue
        if user.full_name:
            found.setdefault(normalise(user.full_name), user)
        found.setdefault(normalise(user.email), user)
    return found


def _channel_of(label: str) -> str:
    """A statement channel from a template's free-text channel ("X", "press release")."""
    norm = normalise(label)
    if not norm:
        return StatementChannel.X
    for value, name in StatementChannel.choices:
        if norm == value or norm in normalise(str(name)) or normalise(str(name)) in norm:
            return str(value)
    for word, value in (("twitter", "x"), ("press", "press"), ("web", "website")):
        if word in norm:
            return value
    return StatementChannel.X


@dataclass(frozen=True)
class PlanRun:
    """What opening an incident seeded from the plan."""

    tasks: int
    roles: int
    statement: Statement | None


def placeholder_values(
    incident: Incident, *, channel: str = "", at: datetime | None = None
) -> dict[str, object]:
    """Values of the statement placeholders for an incident (unknown ones stay [name]);
    {date} and {time} are those of `at` (default now) in the agency's time zone."""
    client = incident.client
    tz = ZoneInfo(client.agency.time_zone)
    now = (at or timezone.now()).astimezone(tz)
    spokesperson = ""
    for role in incident.roles.all():
        if "spokes" in role.role.lower():
            spokesperson = role.person.display_name if role.person else role.person_name
            break
    return {
        "client": client.name,
        "agency": client.agency.name,
        "incident": incident.title,
        "date": now.strftime("%-d %B %Y"),
        "time": now.strftime("%H:%M"),
        "severity": incident.severity,
        "spokesperson": spokesperson,
        "channel": dict(StatementChannel.choices).get(channel, channel),
    }


def _run_plan(incident: Incident, *, by: User) -> PlanRun:
    """Seed roles, tasks and the holding statement from the incident's revision."""
    revision = incident.plan_revision
    if revision is None:
        return PlanRun(tasks=0, roles=0, statement=None)
    members = _members_by_name(incident.client)
    holders: dict[str, User | None] = {}
    roles = []
    for position, row in enumerate(revision.team_roles or []):
        name = str(row.get("role", "")).strip()
        if not name:
            continue
        person_name = str(row.get("person", "")).strip()
        person = members.get(normalise(person_name)) if person_name else None
        holders.setdefault(normalise(name), person)
        roles.append(
            IncidentRole(
                incident=incident,
                role=name[:80],
                person=person,
                person_name=person_name[:150],
                deputy_name=str(row.get("deputy", "")).strip()[:150],
                responsibilities=str(row.get("responsibilities", "")),
                position=position,
            )
        )
    IncidentRole.objects.bulk_create(roles)
    tasks = []
    if incident.scenario is not None:
        for position, step in enumerate(incident.scenario.steps.all()):
            tasks.append(
                IncidentTask(
                    incident=incident,
                    title=step.action,
                    owner_role=step.owner_role,
                    assignee=holders.get(normalise(step.owner_role)),
                    due_at=incident.opened_at + timedelta(minutes=step.due_offset_minutes),
                    client_visible=step.client_visible,
                    playbook_step=step,
                    position=position,
                )
            )
        IncidentTask.objects.bulk_create(tasks)
    statement = None
    templates = [t for t in (revision.statement_templates or []) if str(t.get("body", "")).strip()]
    if templates:
        template = templates[0]
        channel = _channel_of(str(template.get("channel", "")))
        body = render_placeholders(
            str(template["body"]), placeholder_values(incident, channel=channel)
        )
        statement = Statement.objects.create(
            incident=incident,
            channel=channel,
            body=body,
            is_holding=True,
            status=StatementStatus.DRAFT,
            author=by,
        )
        _entry(
            incident,
            by=by,
            kind=EntryKind.STATEMENT_DRAFTED,
            text=f"Holding statement proposed from the plan's template "
            f"“{template.get('name', '')}” ({statement.get_channel_display()}).",
            data={"statement": str(statement.public_id)},
        )
    return PlanRun(tasks=len(tasks), roles=len(roles), statement=statement)


# -- opening --------------------------------------------------------------------------------

# An alert's graded severity as the incident's starting one: an alert is already more
# than a minor matter, so nothing below 2.
ALERT_SEVERITIES = {"low": 2, "medium": 2, "high": 3, "critical": 4}


def alert_incident_severity(alert: Alert) -> int:
    """The severity an incident opened from `alert` starts at, unless someone chose one."""
    return ALERT_SEVERITIES.get(alert.severity, 2)


def incident_open(
    *,
    client: Client,
    by: User,
    title: str,
    severity: int | None = None,
    summary: str = "",
    alert: Alert | None = None,
    scenario: Scenario | None = None,
    is_drill: bool = False,
    exercise: Exercise | None = None,
) -> Incident:
    """Open an incident for a client and run the plan in force: record the approved
    revision, pick the scenario (the given one, else the one the alert's mentions
    suggest), seed the crisis team, the playbook's tasks and a holding statement.
    From an alert, the alert becomes escalated and its mentions are attached, and the
    severity, when none is given, follows the alert's (`alert_incident_severity`)."""
    title = (title or "").strip()
    if not title:
        raise IncidentError("Give the incident a title.")
    if severity is None and alert is not None:
        severity = alert_incident_severity(alert)
    if severity is None or severity not in (1, 2, 3, 4):
        raise IncidentError("Choose a severity from 1 (minor) to 4 (critical).")
    if alert is not None and alert.client_id != client.pk:
        raise IncidentError("That alert belongs to another client.")
    if exercise is not None and exercise.client_id != client.pk:
        raise IncidentError("That exercise belongs to another client.")
    with transaction.atomic():
        revision = approved_revision(client)
        if scenario is not None and (revision is None or scenario.revision_id != revision.pk):
            raise IncidentError(
                "Choose a scenario of the client's approved plan: that one is not in it."
            )
        mentions: list[Mention] = []
        if alert is not None:
            # Compare-and-set: only an open or acknowledged alert can be escalated, once.
            now = timezone.now()
            claimed = Alert.objects.filter(
                pk=alert.pk, status__in=[AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED]
            ).update(status=AlertStatus.ESCALATED, handled_by=by, handled_at=now, updated_at=now)
            if claimed != 1:
                alert.refresh_from_db()
                raise IncidentError(
                    f"This alert is {alert.get_status_display().lower()}: it cannot be "
                    "escalated again. Open the incident it belongs to, or open a new one."
                )
            alert.refresh_from_db()
            mentions = list(alert.mentions.all())
            if scenario is None:
                scenario = suggest_scenario(revision, (f"{m.title} {m.text}" for m in mentions))
        now = timezone.now()
        incident = Incident.objects.create(
            client=client,
            title=title[:200],
            summary=summary,
            severity=severity,
            is_drill=is_drill,
            exercise=exercise,
            alert=alert,
            plan_revision=revision,
            scenario=scenario,
            opened_by=by,
            detected_at=alert.opened_at if alert is not None else now,
            opened_at=now,
        )
        opened = f"Incident opened at severity {severity}"
        if alert is not None:
            opened += f" from the {alert.get_kind_display().lower()} alert: {alert.explanation}"
        opened = opened.rstrip()
        if not opened.endswith((".", "!", "?")):
            opened += "."
        if revision is not None:
            opened += f" Running plan revision {revision.number}"
            opened += f", scenario “{scenario.title}”." if scenario else "."
        else:
            opened += " No approved plan is in force for this client."
        _entry(
            incident,
            by=by,
            kind=EntryKind.STATUS,
            text=opened,
            data={"to": IncidentStatus.DETECTED, "severity": severity},
        )
        if mentions:
            incident.mentions.add(*mentions)
            first = min(m.published_at for m in mentions)
            Incident.objects.filter(pk=incident.pk).update(first_mention_at=first)
            incident.first_mention_at = first
            _entry(
                incident,
                by=by,
                kind=EntryKind.MENTION_ATTACHED,
                text=f"{len(mentions)} mention{'s' if len(mentions) != 1 else ''} of the alert "
                "attached.",
                data={"count": len(mentions)},
            )
        _run_plan(incident, by=by)
        if not is_drill:
            # Opening at a severity informs its stakeholders as raising to it would.
            _queue_notifications(incident, severity, opening=True)
        webhook_events.emit_incident_opened(incident=incident)
    return incident


# -- status and severity --------------------------------------------------------------------


def incident_change_status(*, incident: Incident, by: User, status: str, reason: str) -> Incident:
    reason = _clean_reason(reason)
    if status not in IncidentStatus.values:
        raise IncidentError("Choose a status from the list.")
    with transaction.atomic():
        locked = _lock(incident)
        current = locked.status
        if current == status:
            raise IncidentError(f"The incident is already {locked.get_status_display().lower()}.")
        if status not in allowed_statuses(current):
            if current == IncidentStatus.CLOSED:
                raise IncidentError("This incident is closed: a closed incident stays closed.")
            raise IncidentError(
                f"An incident cannot go from {locked.get_status_display().lower()} back to "
                f"{IncidentStatus(status).label.lower()}."
            )
        now = timezone.now()
        locked.status = status
        if locked.acknowledged_at is None:
            locked.acknowledged_at = now
        if status in (IncidentStatus.RESOLVED, IncidentStatus.CLOSED):
            locked.resolved_at = locked.resolved_at or now
        if status == IncidentStatus.RESPONDING and current == IncidentStatus.RESOLVED:
            locked.resolved_at = None  # reopened: resolution is measured again
        if status == IncidentStatus.CLOSED:
            locked.closed_at = now
        locked.save(update_fields=["status", "acknowledged_at", "resolved_at", "closed_at"])
        old = IncidentStatus(current).label
        new = IncidentStatus(status).label
        _entry(
            locked,
            by=by,
            kind=EntryKind.STATUS,
            text=f"Status: {old} → {new}. {reason}",
            visibility=Visibility.CLIENT,
            data={"from": current, "to": status, "reason": reason},
        )
    _sync(incident, locked)
    return incident


def incident_change_severity(
    *, incident: Incident, by: User, severity: int, reason: str
) -> Incident:
    """Change the severity. Raising it notifies the stakeholders whose level it reaches
    (never for a drill)."""
    reason = _clean_reason(reason)
    if severity not in (1, 2, 3, 4):
        raise IncidentError("Choose a severity from 1 (minor) to 4 (critical).")
    with transaction.atomic():
        locked = _lock(incident)
        if locked.status == IncidentStatus.CLOSED:
            raise IncidentError("This incident is closed: reopen it to change its severity.")
        current = locked.severity
        if current == severity:
            raise IncidentError(f"The severity is already {severity}.")
        locked.severity = severity
        locked.save(update_fields=["severity"])
        word = "raised" if severity > current else "lowered"
        _entry(
            locked,
            by=by,
            kind=EntryKind.SEVERITY,
            text=f"Severity {word} from {current} to {severity}. {reason}",
            data={"from": current, "to": severity, "reason": reason},
        )
        if severity > current and not locked.is_drill:
            _queue_notifications(locked, severity)
        webhook_events.emit_severity_changed(incident=locked, previous=current, reason=reason)
    _sync(incident, locked)
    return incident


def _queue_notifications(incident: Incident, severity: int, *, opening: bool = False) -> None:
    from incidents.incident_tasks import notify_stakeholders

    incident_id = incident.pk
    transaction.on_commit(lambda: notify_stakeholders.delay(incident_id, severity, opening=opening))


def stakeholders_notify_automatic(*, incident_id: int, severity: int, opening: bool = False) -> int:
    """Inform the contacts whose level the severity reaches, each once per level (the
    unique constraint makes a second run, or a raise back to the same level, a no-op),
    whether the incident was opened at that severity (`opening`) or raised to it.
    Drills inform nobody. Returns how many were informed."""
    from portal.mail import queue_email

    incident = Incident.objects.select_related("client__agency").get(pk=incident_id)
    if incident.is_drill:
        return 0
    contacts = Contact.objects.filter(
        client_id=incident.client_id, notify_from_severity__lte=severity
    ).exclude(email="")
    informed = 0
    for contact in contacts:
        state = "has been opened at" if opening else "is now at"
        message = (
            f"{incident.client.name}: the incident “{incident.title}” {state} severity "
            f"{severity}. {incident.client.agency.name} will keep you informed."
        )
        with transaction.atomic():
            locked = Incident.objects.select_for_update().get(pk=incident.pk)
            _record, created = StakeholderNotification.objects.get_or_create(
                incident=locked,
                contact=contact,
                severity=severity,
                automatic=True,
                defaults={"channel": "email", "message": message},
            )
            if not created:
                continue
            Incident.objects.filter(pk=locked.pk).update(version=F("version") + 1)
            _entry(
                locked,
                by=None,
                kind=EntryKind.STAKEHOLDER_NOTIFIED,
                text=f"{contact.name} informed by email (severity {severity}"
                f"{', at opening' if opening else ''}).",
                data={"contact": str(contact.public_id), "automatic": True},
            )
            queue_email(
                to=[contact.email],
                subject=f"{incident.client.name}: incident at severity {severity}",
                template="emails/incident_stakeholder.txt",
                context={"incident": incident, "contact": contact, "message": message},
            )
        informed += 1
    return informed


# -- timeline ------------------------------------------------------------------------------


def timeline_add(
    *,
    incident: Incident,
    by: User | None,
    kind: str = EntryKind.NOTE,
    text: str,
    visibility: str = Visibility.INTERNAL,
    data: dict[str, Any] | None = None,
) -> TimelineEntry:
    """Append an entry. Refused when empty, too long or the incident is closed."""
    text = _clean_text(text)
    if kind not in EntryKind.values or kind == EntryKind.CORRECTION:
        raise IncidentError("Choose a type of entry from the list.")
    if visibility not in Visibility.values:
        raise IncidentError("Choose who may see the entry: internal or client.")
    with transaction.atomic():
        locked = _lock(incident)
        _refuse_if_closed(locked)
        entry = _entry(locked, by=by, kind=kind, text=text, visibility=visibility, data=data)
    incident.version = locked.version
    return entry


def timeline_correct(*, entry: TimelineEntry, by: User, text: str) -> TimelineEntry:
    """A correction: a new entry that references the one it corrects (which stays)."""
    text = _clean_text(text, what="correction")
    with transaction.atomic():
        locked = _lock(entry.incident)
        _refuse_if_closed(locked)
        return _entry(
            locked,
            by=by,
            kind=EntryKind.CORRECTION,
            text=text,
            visibility=entry.visibility,
            corrects=entry,
        )


# -- crisis team ---------------------------------------------------------------------------

NOT_ON_TEAM = "That person does not work on this client. Choose someone from the list."


def role_candidates(client: Client) -> list[User]:
    """Who may hold a crisis-team role: the active agency members who can see the client
    (the people a task or an action item may be given to), by name."""
    people = {m.user.pk: m.user for m in client_team(client=client) if m.user.is_active}
    return sorted(people.values(), key=lambda u: (u.display_name.lower(), u.email))


def incident_assign_role(*, role: IncidentRole, person: User | None, by: User) -> IncidentRole:
    """Give a crisis-team role to someone who works on the client, or clear it (`person`
    None). The role's open tasks that followed its previous holder (or nobody) follow the
    new one; a decision entry records who assigned whom. Statement approval by role reads
    the role's holder, so it follows at once."""
    incident = role.incident
    if person is not None and person.pk not in {u.pk for u in role_candidates(incident.client)}:
        raise IncidentError(NOT_ON_TEAM)
    with transaction.atomic():
        locked = _lock(incident)
        if locked.status == IncidentStatus.CLOSED:
            raise IncidentError("This incident is closed: its crisis team can no longer change.")
        fresh = (
            IncidentRole.objects.select_for_update(of=("self",))
            .select_related("person")
            .get(pk=role.pk)
        )
        previous = fresh.person
        if (previous.pk if previous else None) == (person.pk if person else None):
            if person is None:
                raise IncidentError(f"{fresh.role} is already unassigned.")
            raise IncidentError(f"{fresh.role} is already held by {person.display_name}.")
        fresh.person = person
        fresh.save(update_fields=["person"])
        target = normalise(fresh.role)
        following = [
            task
            for task in IncidentTask.objects.select_for_update().filter(
                incident=locked, done_at__isnull=True, assignee=previous
            )
            if normalise(task.owner_role) == target
        ]
        IncidentTask.objects.filter(pk__in=[t.pk for t in following]).update(assignee=person)
        was = previous.display_name if previous else (fresh.person_name or "nobody")
        if person is not None:
            text = f"{person.display_name} now holds the role {fresh.role} (was {was})."
        else:
            text = f"The role {fresh.role} is now unassigned (was {was})."
        if following:
            tasks = f"{len(following)} open task{'s' if len(following) != 1 else ''} of the role"
            whom = person.display_name if person is not None else "nobody"
            text += f" {tasks} passed to {whom}."
        _entry(
            locked,
            by=by,
            kind=EntryKind.DECISION,
            text=text,
            data={
                "role": str(fresh.public_id),
                "person": str(person.public_id) if person else None,
                "previous": str(previous.public_id) if previous else None,
                "tasks": len(following),
            },
        )
    role.person = person
    return role


# -- tasks and stakeholders ----------------------------------------------------------------


def task_complete(*, task: IncidentTask, by: User) -> IncidentTask:
    with transaction.atomic():
        locked = _lock(task.incident)
        _refuse_if_closed(locked)
        fresh = IncidentTask.objects.select_for_update().get(pk=task.pk)
        if fresh.done_at is not None:
            who = f" by {fresh.done_by.display_name}" if fresh.done_by else ""
            raise IncidentError(f"“{fresh.title}” was already done{who}.")
        fresh.done_at = timezone.now()
        fresh.done_by = by
        fresh.save(update_fields=["done_at", "done_by"])
        _entry(
            locked,
            by=by,
            kind=EntryKind.TASK_DONE,
            text=f"Task done: {fresh.title}",
            visibility=Visibility.CLIENT if fresh.client_visible else Visibility.INTERNAL,
            data={"task": str(fresh.public_id)},
        )
    task.done_at, task.done_by = fresh.done_at, fresh.done_by
    return task


def stakeholder_log(
    *,
    incident: Incident,
    by: User,
    contact: Contact,
    channel: str,
    message: str,
    at: datetime | None = None,
) -> StakeholderNotification:
    """Record, in one step, that someone informed a stakeholder (phone call, email …)."""
    if contact.client_id != incident.client_id:
        raise IncidentError(
            "That contact is not one of this client's stakeholders. Choose one from the list."
        )
    message = _clean_text(message, what="message")
    channel = (channel or "").strip()[:32] or "email"
    with transaction.atomic():
        locked = _lock(incident)
        _refuse_if_closed(locked)
        record = StakeholderNotification.objects.create(
            incident=locked,
            contact=contact,
            channel=channel,
            message=message,
            severity=locked.severity,
            automatic=False,
            notified_by=by,
            notified_at=at or timezone.now(),
        )
        _entry(
            locked,
            by=by,
            kind=EntryKind.STAKEHOLDER_NOTIFIED,
            text=f"{contact.name} informed ({channel}): {message}",
            data={"contact": str(contact.public_id)},
        )
    return record
