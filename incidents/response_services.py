"""Individual replies to mentions (guide III.B, III.C): the templates offered, a draft
personalised with the author's name and their concern, and the reply's status —
drafted, sent, or no response needed — with who answered.

Templates are the plan's statement templates whose channel says "response" or "reply";
when the plan has none of those, every template of the plan is offered (a holding line
often works as a reply too). Their placeholders are filled in as for statements.

Marking a reply sent sets the mention's triage to "responded" (no response needed sets
it to "ignored"); when the reply belongs to an incident, a "response sent" entry goes on
its timeline, and a closed incident refuses it. `MentionResponse.author` is the person
who answered: whoever drafted it, replaced by whoever marked it sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clients.models import Client
from incidents.incident_services import (
    IncidentError,
    approved_revision,
    placeholder_values,
    timeline_add,
)
from incidents.models import (
    EntryKind,
    Incident,
    IncidentStatus,
    Mention,
    MentionResponse,
    ResponseStatus,
    Triage,
)
from incidents.triage import mentions_triage
from plans.placeholders import render_placeholders, validate_placeholders
from portal.models import User

MAX_BODY_CHARS = 5_000
CONCERN_CHARS = 140

# Guide III.B, shown beside the reply editor.
EMPATHY_GUIDELINES = [
    "Answer the person, not the post: use their name and their words.",
    "Acknowledge how they feel before explaining anything.",
    "Say sorry for their experience without arguing about the facts in public.",
    "Say what happens next, and when.",
    "Offer a private channel for personal details; never ask for them publicly.",
    "Keep it short, plain and human: no legal or corporate wording.",
    "Never copy the same reply to everyone: adapt it to what they said.",
]


@dataclass(frozen=True)
class ResponseTemplate:
    name: str
    body: str


def response_templates(client: Client) -> list[ResponseTemplate]:
    revision = approved_revision(client)
    rows = [
        t
        for t in (revision.statement_templates if revision is not None else []) or []
        if str(t.get("body", "")).strip()
    ]
    replies = [t for t in rows if re.search(r"respon|repl", str(t.get("channel", "")), re.I)]
    return [
        ResponseTemplate(name=str(t.get("name", "")) or "Template", body=str(t["body"]))
        for t in (replies or rows)
    ]


def greeting(author: str) -> str:
    """`Hi @handle,` for a handle, `Hi Jane Doe,` for a name, `Hi,` for nobody."""
    author = (author or "").strip()
    if not author:
        return "Hi,"
    handle = author.lstrip("@")
    if " " in handle or not handle:
        return f"Hi {author},"
    return f"Hi @{handle},"


def concern(text: str) -> str:
    """The mention's first sentence, shortened, as the concern to quote back."""
    text = " ".join((text or "").split())
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    first = match.group(1) if match else text
    if len(first) > CONCERN_CHARS:
        first = first[: CONCERN_CHARS - 1].rstrip() + "…"
    return first


def personalised_draft(
    *, mention: Mention, template: ResponseTemplate | None = None, incident: Incident | None = None
) -> str:
    """A first draft: greeting by name, their concern quoted, then the template (with its
    placeholders filled) or a plain empathetic reply."""
    said = concern(mention.text or mention.title)
    quoted = f"you wrote “{said}” — " if said else ""
    if template is not None:
        values: dict[str, object] = (
            placeholder_values(incident)
            if incident is not None
            else {"client": mention.client.name, "agency": mention.client.agency.name}
        )
        body = render_placeholders(template.body, values)
        return f"{greeting(mention.author)} {quoted}thank you for telling us. {body}"
    return (
        f"{greeting(mention.author)} {quoted}we are sorry, that is not the experience we want "
        "for you. We are looking into it now. Could you send us a direct message so we can "
        f"help you personally? — {mention.client.name}"
    )


def _clean_body(body: str, *, required: bool) -> str:
    body = (body or "").strip()
    if required and not body:
        raise IncidentError("Write the reply first.")
    if len(body) > MAX_BODY_CHARS:
        raise IncidentError(
            f"This reply is {len(body):,} characters long; the limit is {MAX_BODY_CHARS:,}."
        )
    try:
        validate_placeholders(body)
    except ValidationError as exc:
        raise IncidentError(" ".join(exc.messages)) from exc
    return body


def _check_incident(incident: Incident | None, mention: Mention) -> None:
    if incident is None:
        return
    if incident.client_id != mention.client_id:
        raise IncidentError("That incident belongs to another client.")
    if incident.status == IncidentStatus.CLOSED:
        raise IncidentError("This incident is closed: reply without linking it, or reopen it.")


def _apply_status(response: MentionResponse, *, by: User, status: str) -> None:
    """Set the status with its effects (caller holds the transaction)."""
    now = timezone.now()
    response.status = status
    if status == ResponseStatus.SENT:
        response.sent_at = now
        response.author = by
        # Through triage, so the mention's history says who answered it and when.
        mentions_triage(
            mentions=Mention.objects.filter(pk=response.mention_id), triage=Triage.RESPONDED, by=by
        )
        if response.incident is not None:
            _check_incident(response.incident, response.mention)
            who = response.mention.author or "an unknown author"
            timeline_add(
                incident=response.incident,
                by=by,
                kind=EntryKind.RESPONSE_SENT,
                text=f"Reply sent to {who}: “{response.body[:280]}”",
                data={
                    "response": str(response.public_id),
                    "mention": str(response.mention.public_id),
                },
            )
    elif status == ResponseStatus.NO_RESPONSE:
        response.sent_at = None
        response.author = by
        Mention.objects.filter(pk=response.mention_id).update(triage=Triage.IGNORED)
    response.save()


def response_save(
    *,
    mention: Mention,
    by: User,
    body: str,
    status: str = ResponseStatus.DRAFTED,
    incident: Incident | None = None,
) -> MentionResponse:
    """A new reply to a mention, drafted or directly sent / not needed."""
    if status not in ResponseStatus.values:
        raise IncidentError("Choose what happened to the reply.")
    body = _clean_body(body, required=status != ResponseStatus.NO_RESPONSE)
    _check_incident(incident, mention)
    with transaction.atomic():
        response = MentionResponse.objects.create(
            client_id=mention.client_id,
            mention=mention,
            incident=incident,
            body=body,
            author=by,
            status=ResponseStatus.DRAFTED,
        )
        if status != ResponseStatus.DRAFTED:
            _apply_status(response, by=by, status=status)
    return response


def response_update(
    *, response: MentionResponse, by: User, status: str, body: str | None = None
) -> MentionResponse:
    """Change a drafted reply's text and/or status. A sent reply is final."""
    if status not in ResponseStatus.values:
        raise IncidentError("Choose what happened to the reply.")
    with transaction.atomic():
        fresh = (
            # Lock this row only: PostgreSQL refuses FOR UPDATE on an outer join's
            # nullable side (incident, author).
            MentionResponse.objects.select_for_update(of=("self",))
            .select_related("mention__client", "incident", "author")
            .get(pk=response.pk)
        )
        if fresh.status == ResponseStatus.SENT:
            who = f" by {fresh.author.display_name}" if fresh.author else ""
            raise IncidentError(f"This reply was already sent{who}: it cannot change.")
        if body is not None:
            fresh.body = _clean_body(body, required=status == ResponseStatus.SENT)
        elif status == ResponseStatus.SENT and not fresh.body.strip():
            raise IncidentError("Write the reply first.")
        _apply_status(fresh, by=by, status=status)
    for field in ("status", "body", "sent_at", "author"):
        setattr(response, field, getattr(fresh, field))
    return response
