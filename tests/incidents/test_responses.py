"""Replies to mentions: personalised drafts, templates from the plan, status tracking
with who answered, the mention's triage and the incident's timeline."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from incidents.incident_services import IncidentError, incident_change_status
from incidents.models import (
    EntryKind,
    Incident,
    Mention,
    ResponseStatus,
    Triage,
)
from incidents.response_services import (
    EMPATHY_GUIDELINES,
    concern,
    greeting,
    personalised_draft,
    response_save,
    response_templates,
    response_update,
)
from tests.incidents.ui_factories import a_mention
from tests.plans.factories import approved_plan

pytestmark = pytest.mark.django_db


def a_complaint(cast: Any, **fields: Any) -> Mention:
    values: dict[str, Any] = {
        "text": "My yoghurt smelled off! I want a refund. Never again.",
        "author": "@jane_doe",
        "sentiment": -0.7,
        "sentiment_label": "negative",
    }
    values.update(fields)
    return a_mention(cast.client, **values)


def an_incident(cast: Any, mention: Mention | None = None) -> Incident:
    incident = Incident.objects.create(client=cast.client, title="Recall", opened_by=cast.owner)
    if mention is not None:
        incident.mentions.add(mention)
    return incident


def test_the_draft_greets_the_author_and_quotes_their_concern(cast):
    draft = personalised_draft(mention=a_complaint(cast))
    assert draft.startswith("Hi @jane_doe, you wrote “My yoghurt smelled off!”")
    assert draft.endswith("— Acme Foods")


def test_greeting_and_concern_handle_names_and_long_texts():
    assert greeting("Jane Doe") == "Hi Jane Doe,"
    assert greeting("") == "Hi,"
    assert greeting("@@") == "Hi @@,"
    assert concern("no full stop here") == "no full stop here"
    assert len(concern("x" * 500)) == 140


def test_templates_come_from_the_plan_preferring_response_ones(cast):
    approved_plan(
        cast.client,
        cast.owner,
        statement_templates=[
            {"name": "Holding", "channel": "X", "body": "{client} is looking into it."},
            {"name": "Sorry reply", "channel": "Response", "body": "We're sorry. — {client}"},
        ],
    )
    templates = response_templates(cast.client)
    assert [t.name for t in templates] == ["Sorry reply"]
    draft = personalised_draft(mention=a_complaint(cast), template=templates[0])
    assert draft.endswith("We're sorry. — Acme Foods")


def test_sending_marks_the_mention_responded_and_records_who_answered(cast):
    mention = a_complaint(cast)
    incident = an_incident(cast, mention)
    response = response_save(mention=mention, by=cast.staff, body="Hi, sorry!", incident=incident)
    assert response.status == ResponseStatus.DRAFTED
    mention.refresh_from_db()
    assert mention.triage == Triage.NEW

    response_update(response=response, by=cast.manager, status=ResponseStatus.SENT)
    response.refresh_from_db()
    mention.refresh_from_db()
    assert response.status == ResponseStatus.SENT
    assert response.author == cast.manager  # who answered
    assert response.sent_at is not None
    assert mention.triage == Triage.RESPONDED
    entry = incident.timeline.get()
    assert entry.kind == EntryKind.RESPONSE_SENT
    assert "@jane_doe" in entry.text

    with pytest.raises(IncidentError, match="already sent by Max Manager"):
        response_update(response=response, by=cast.staff, status=ResponseStatus.DRAFTED)


def test_no_response_needed_is_tracked(cast):
    mention = a_complaint(cast)
    response = response_save(
        mention=mention, by=cast.staff, body="", status=ResponseStatus.NO_RESPONSE
    )
    mention.refresh_from_db()
    assert response.status == ResponseStatus.NO_RESPONSE
    assert mention.triage == Triage.IGNORED


def test_an_empty_reply_cannot_be_sent(cast):
    with pytest.raises(IncidentError, match="Write the reply first"):
        response_save(mention=a_complaint(cast), by=cast.staff, body=" ", status="sent")


def test_a_closed_incident_refuses_a_reply_linked_to_it(cast):
    mention = a_complaint(cast)
    incident = an_incident(cast, mention)
    incident_change_status(incident=incident, by=cast.owner, status="closed", reason="Over")
    with pytest.raises(IncidentError, match="closed"):
        response_save(mention=mention, by=cast.staff, body="Hi", incident=incident, status="sent")


# -- pages --------------------------------------------------------------------------------


def reply_url(cast: Any, mention: Mention) -> str:
    return reverse(
        "responses:for_mention",
        kwargs={"client": cast.client.public_id, "mention": mention.public_id},
    )


def test_the_reply_page_shows_a_personal_draft_and_the_empathy_guidelines(cast, client):
    mention = a_complaint(cast, text="<b>Rotten</b> yoghurt. Refund?")
    client.force_login(cast.staff)
    page = client.get(reply_url(cast, mention)).text
    assert "Hi @jane_doe, you wrote “&lt;b&gt;Rotten&lt;/b&gt; yoghurt.”" in page
    assert "<b>Rotten</b>" not in page
    assert EMPATHY_GUIDELINES[1] in page


def test_the_mention_page_links_to_the_reply_page(cast, client):
    mention = a_complaint(cast)
    client.force_login(cast.staff)
    page = client.get(
        reverse(
            "monitoring:mention", kwargs={"client": cast.client.public_id, "pk": mention.public_id}
        )
    ).text
    assert reply_url(cast, mention) in page


def test_replying_from_the_incident_links_the_reply_and_counts_it(cast, client):
    mention = a_complaint(cast)
    incident = an_incident(cast, mention)
    client.force_login(cast.staff)
    listing = reverse(
        "responses:incident",
        kwargs={"client": cast.client.public_id, "incident": incident.public_id},
    )
    assert "1 negative mention still unanswered" in client.get(listing).text
    response = client.post(
        reply_url(cast, mention),
        {"body": "Hi @jane_doe, so sorry.", "status": "sent", "incident": str(incident.public_id)},
    )
    assert response.status_code == 302
    reply = mention.responses.get()
    assert reply.incident == incident and reply.status == ResponseStatus.SENT
    assert "0 negative mentions still unanswered" in client.get(listing).text
    assert incident.timeline.filter(kind=EntryKind.RESPONSE_SENT).exists()


def test_a_reply_status_is_updated_from_the_page(cast, client):
    mention = a_complaint(cast)
    reply = response_save(mention=mention, by=cast.staff, body="Hi!")
    client.force_login(cast.staff)
    client.post(
        reverse(
            "responses:update", kwargs={"client": cast.client.public_id, "pk": reply.public_id}
        ),
        {"status": "no_response"},
    )
    reply.refresh_from_db()
    assert reply.status == ResponseStatus.NO_RESPONSE


def test_readonly_staff_cannot_open_the_reply_page(cast, client):
    client.force_login(cast.readonly_staff)
    assert client.get(reply_url(cast, a_complaint(cast))).status_code == 403
