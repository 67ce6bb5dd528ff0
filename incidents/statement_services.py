"""Writes of an incident's statements (guide II.D, III.A): draft per channel, approval
by a person the plan names, publication with time and address, and the optional public
statement page.

Placeholders are rendered **when the draft is saved** (and again on every edit): the
text stored is the text the approver reads and the text that gets published, so nobody
approves one thing and publishes another. An unknown placeholder (`{clinet}`) is refused
with its name; a known one without a value stays visible as `[name]`, and approval is
refused while one is left, so an unfinished statement cannot go out.

Who may approve (the plan's approval chain is free text, so the rule is simple and
shown on the page): the people holding, in this incident, a role of the plan's crisis
team that the revision's approval chain names as a whole word or phrase (case- and
accent-insensitive: "Legal" is named by "legal signs off", not by "paralegal"); when the
incident runs no plan, the chain names none of the team's roles, or nobody with an
account holds a named role, the agency's owners and managers. The author of a statement
never approves it.

Every change writes a timeline entry (through `timeline_add`, which takes the incident
row lock); published statements are client-visible entries. A closed incident refuses
all of it. Refusals raise `IncidentError`, whose message is meant for the person who
clicked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from clients.models import Membership, Role
from incidents import webhook_events
from incidents.incident_services import (
    IncidentError,
    add_system_entry,
    locked_incident,
    placeholder_values,
    timeline_add,
)
from incidents.models import (
    EntryKind,
    Incident,
    IncidentRole,
    IncidentStatus,
    Statement,
    StatementChannel,
    StatementStatus,
    Visibility,
)
from incidents.monitoring.text import normalise
from plans.placeholders import PLACEHOLDERS, render_placeholders, validate_placeholders
from portal.models import User

MAX_BODY_CHARS = 20_000
EXCERPT_CHARS = 280


# -- who approves ----------------------------------------------------------------------


@dataclass(frozen=True)
class ApprovalRule:
    """Who may approve the incident's statements, and the sentence that says why."""

    approvers: list[User]
    roles: list[str]  # the incident's roles named in the approval chain ([] = fallback)
    explanation: str

    def allows(self, user: User) -> bool:
        return any(u.pk == user.pk for u in self.approvers)


def roles_named_in_chain(chain: str, roles: Iterable[str]) -> list[str]:
    """The roles of `roles` (the plan's crisis team) that the approval chain names, in
    their plan spelling: whole words only, case- and accent-insensitive, a plural or
    possessive allowed ("the legal team's sign-off" names Legal, "paralegal" does not).
    Longer names are matched first and their words used up, so "Crisis lead" does not
    also name a role called "Lead"."""
    text = normalise(chain)
    by_norm: dict[str, str] = {}
    for role in roles:
        norm = normalise(role)
        if norm:
            by_norm.setdefault(norm, role.strip())
    found: list[str] = []
    for norm in sorted(by_norm, key=len, reverse=True):
        pattern = re.compile(r"(?<!\w)" + re.escape(norm) + r"(?:'?s)?(?!\w)")
        if pattern.search(text):
            found.append(by_norm[norm])
            text = pattern.sub(" | ", text)
    order = list(by_norm.values())
    return sorted(found, key=order.index)


def approval_rule(incident: Incident) -> ApprovalRule:
    revision = incident.plan_revision
    chain = revision.approval_chain if revision is not None else ""
    team = [str(row.get("role", "")) for row in (revision.team_roles or [])] if revision else []
    named_roles = roles_named_in_chain(chain, team) if chain.strip() else []
    wanted = {normalise(name) for name in named_roles}
    named: list[IncidentRole] = [
        role
        for role in IncidentRole.objects.filter(incident=incident).select_related("person")
        if normalise(role.role) in wanted
    ]
    holders = [r.person for r in named if r.person is not None and r.person.is_active]
    names = ", ".join(named_roles)
    plural = "s" if len(named_roles) > 1 else ""
    if holders:
        who = ", ".join(dict.fromkeys(u.display_name for u in holders))
        return ApprovalRule(
            approvers=list({u.pk: u for u in holders}.values()),
            roles=[r.role for r in named],
            explanation=(
                f"The plan's approval chain names the role{plural} {names}: statements are "
                f"approved by {'the people' if len(holders) > 1 else 'the person'} holding "
                f"{'them' if plural else 'it'} in this incident ({who}), never by their author."
            ),
        )
    managers = [
        m.user
        for m in Membership.objects.filter(
            agency_id=incident.client.agency_id, role__in=[Role.OWNER, Role.MANAGER]
        ).select_related("user")
        if m.user.is_active
    ]
    if revision is None:
        reason = "This incident runs no approved plan"
    elif named_roles:
        # Nobody could approve otherwise: a crisis would wait on an empty chair.
        reason = (
            f"The plan's approval chain names the role{plural} {names}, but nobody with an "
            f"account here holds {'any of them' if plural else 'it'} in this incident"
        )
    else:
        reason = "The plan's approval chain names none of the plan's crisis-team roles"
    return ApprovalRule(
        approvers=managers,
        roles=[],
        explanation=(
            f"{reason}, so statements are approved by the agency's owners and managers, "
            "never by their author."
        ),
    )


# -- helpers -----------------------------------------------------------------------------


def _locked(incident: Incident) -> Incident:
    """The incident row, locked until the transaction ends; refused when closed."""
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    if locked.status == IncidentStatus.CLOSED:
        raise IncidentError("This incident is closed: its statements can no longer change.")
    return locked


def _locked_statement(statement: Statement) -> Statement:
    # Lock this row only: PostgreSQL refuses FOR UPDATE on an outer join's nullable side.
    return (
        Statement.objects.select_for_update(of=("self",))
        .select_related("author")
        .get(pk=statement.pk)
    )


def _render_body(incident: Incident, channel: str, body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise IncidentError("Write the statement first.")
    if len(body) > MAX_BODY_CHARS:
        raise IncidentError(
            f"This statement is {len(body):,} characters long; the limit is {MAX_BODY_CHARS:,}."
        )
    try:
        validate_placeholders(body)
    except ValidationError as exc:
        raise IncidentError(" ".join(exc.messages)) from exc
    return render_placeholders(body, placeholder_values(incident, channel=channel))


def _check_channel(channel: str) -> None:
    if channel not in StatementChannel.values:
        raise IncidentError("Choose a channel from the list.")


def unfilled_placeholders(body: str) -> list[str]:
    """Known placeholders left as `[name]` because they had no value."""
    return [name for name in PLACEHOLDERS if f"[{name}]" in body]


def excerpt(body: str) -> str:
    body = " ".join(body.split())
    return body if len(body) <= EXCERPT_CHARS else body[: EXCERPT_CHARS - 1] + "…"


def _copy(target: Statement, source: Statement) -> None:
    for field in (
        "body",
        "channel",
        "status",
        "approver",
        "approved_at",
        "published_at",
        "published_url",
    ):
        setattr(target, field, getattr(source, field))


# -- statements --------------------------------------------------------------------------


def statement_draft(*, incident: Incident, by: User, channel: str, body: str) -> Statement:
    """A new draft for one channel, with its placeholders filled in."""
    _check_channel(channel)
    with transaction.atomic():
        locked = _locked(incident)
        text = _render_body(locked, channel, body)
        statement = Statement.objects.create(
            incident=locked, channel=channel, body=text, author=by, status=StatementStatus.DRAFT
        )
        timeline_add(
            incident=locked,
            by=by,
            kind=EntryKind.STATEMENT_DRAFTED,
            text=f"{statement.get_channel_display()} statement drafted: “{excerpt(text)}”",
            data={"statement": str(statement.public_id)},
        )
    return statement


def statement_edit(*, statement: Statement, by: User, channel: str, body: str) -> Statement:
    """Change a draft (approved and published statements are final). The previous text
    is kept in the timeline entry's data, so no word is lost."""
    _check_channel(channel)
    with transaction.atomic():
        locked = _locked(statement.incident)
        fresh = _locked_statement(statement)
        if fresh.status != StatementStatus.DRAFT:
            raise IncidentError(
                f"This statement is {fresh.get_status_display().lower()}: only drafts can be "
                "edited. Draft a new one instead."
            )
        text = _render_body(locked, channel, body)
        if text == fresh.body and channel == fresh.channel:
            raise IncidentError("Nothing changed.")
        previous = fresh.body
        fresh.body, fresh.channel = text, channel
        fresh.save(update_fields=["body", "channel"])
        timeline_add(
            incident=locked,
            by=by,
            kind=EntryKind.STATEMENT_DRAFTED,
            text=f"{fresh.get_channel_display()} statement revised: “{excerpt(text)}”",
            data={"statement": str(fresh.public_id), "previous_body": previous},
        )
    _copy(statement, fresh)
    return statement


def statement_approve(*, statement: Statement, by: User) -> Statement:
    with transaction.atomic():
        locked = _locked(statement.incident)
        fresh = _locked_statement(statement)
        if fresh.status != StatementStatus.DRAFT:
            raise IncidentError(f"This statement is already {fresh.get_status_display().lower()}.")
        if fresh.author_id == by.pk:
            raise IncidentError("You wrote this statement: someone else must approve it.")
        rule = approval_rule(locked)
        if not rule.allows(by):
            raise IncidentError(
                f"You may not approve statements of this incident. {rule.explanation}"
            )
        left = unfilled_placeholders(fresh.body)
        if left:
            names = ", ".join(f"[{n}]" for n in left)
            raise IncidentError(
                f"This statement still has {names} to fill in: edit the draft first."
            )
        fresh.status = StatementStatus.APPROVED
        fresh.approver = by
        fresh.approved_at = timezone.now()
        fresh.save(update_fields=["status", "approver", "approved_at"])
        timeline_add(
            incident=locked,
            by=by,
            kind=EntryKind.STATEMENT_APPROVED,
            text=f"{fresh.get_channel_display()} statement approved: “{excerpt(fresh.body)}”",
            data={"statement": str(fresh.public_id)},
        )
    _copy(statement, fresh)
    return statement


def statement_publish(*, statement: Statement, by: User, url: str = "") -> Statement:
    """Record that an approved statement went out (now, at `url` if given). The first
    one sets the incident's time to first statement."""
    url = (url or "").strip()
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError as exc:
            raise IncidentError(
                "Give the full address where it was published (https://…), or leave it empty."
            ) from exc
        if len(url) > 1000:
            raise IncidentError("That address is too long (1,000 characters at most).")
    with transaction.atomic():
        locked = _locked(statement.incident)
        fresh = _locked_statement(statement)
        if fresh.status == StatementStatus.DRAFT:
            raise IncidentError("Approve this statement before publishing it.")
        if fresh.status == StatementStatus.PUBLISHED:
            raise IncidentError("This statement is already published.")
        now = timezone.now()
        fresh.status = StatementStatus.PUBLISHED
        fresh.published_at = now
        fresh.published_url = url
        fresh.save(update_fields=["status", "published_at", "published_url"])
        if locked.first_statement_at is None:
            Incident.objects.filter(pk=locked.pk).update(first_statement_at=now)
            statement.incident.first_statement_at = now
        where = f" at {url}" if url else ""
        timeline_add(
            incident=locked,
            by=by,
            kind=EntryKind.STATEMENT_PUBLISHED,
            text=f"{fresh.get_channel_display()} statement published{where}: "
            f"“{excerpt(fresh.body)}”",
            visibility=Visibility.CLIENT,
            data={"statement": str(fresh.public_id), "url": url},
        )
        fresh.incident = locked
        webhook_events.emit_statement_published(statement=fresh)
    _copy(statement, fresh)
    return statement


# -- the public statement page -------------------------------------------------------------


def incident_public_page(*, incident: Incident, by: User, enabled: bool) -> Incident:
    """Turn the incident's public statement page on or off. A drill has none; a closed
    incident's page may still be turned off (never on again)."""
    with transaction.atomic():
        locked = locked_incident(incident)
        if enabled and locked.is_drill:
            raise IncidentError("A drill has no public statement page.")
        if locked.public_page_enabled == enabled:
            raise IncidentError(
                f"The public statement page is already {'on' if enabled else 'off'}."
            )
        closed = locked.status == IncidentStatus.CLOSED
        if enabled and closed:
            raise IncidentError("This incident is closed: its public page cannot be turned on.")
        Incident.objects.filter(pk=locked.pk).update(public_page_enabled=enabled)
        text = (
            "Public statement page turned on: published statements are visible to anyone "
            "with its link."
            if enabled
            else "Public statement page turned off."
        )
        # Also on a closed incident (whose page may still be taken down), where
        # timeline_add would refuse the note.
        add_system_entry(locked, by=by, kind=EntryKind.NOTE, text=text)
    incident.public_page_enabled = enabled
    return incident
