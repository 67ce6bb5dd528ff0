"""The inbound push endpoint: signed deliveries are stored, anything else is refused
with a clear reason and stores nothing."""

from __future__ import annotations

import json
import time
from datetime import UTC

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from incidents.models import Mention, Source, SourceKind, WatchTerm
from incidents.push import MAX_BYTES
from incidents.webhooks import SIGNATURE_HEADER, sign

ITEMS = [
    {
        "id": "bw-1",
        "url": "https://social.example/p/1",
        "author": "angry_customer",
        "author_reach": 5400,
        "text": "My Acme Foods order made me sick. Terrible! #acmefail",
        "published": "2026-11-23T10:00:00Z",
    },
    {"id": 2, "text": "<p>Acme Foods <b>rocks</b> 😍</p>"},
]


@pytest.fixture
def source(cast) -> Source:
    WatchTerm.objects.create(client=cast.client, term="Acme Foods")
    return Source.objects.create(client=cast.client, name="Brandwatch", kind=SourceKind.PUSH)


def push(source: Source, payload: object, *, secret: str | None = None, **kw):  # type: ignore[no-untyped-def]
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {}
    if secret is not False:
        headers[SIGNATURE_HEADER] = sign(body, secret or source.push_secret, **kw)
    return HttpClient().post(
        reverse("hooks:push", kwargs={"source": source.public_id}),
        data=body,
        content_type="application/json",
        headers=headers,
    )


def test_a_signed_delivery_is_stored_matched_and_scored(source):
    response = push(source, {"mentions": ITEMS})
    assert response.status_code == 200
    assert response.json() == {"stored": 2, "duplicates": 0}
    first = Mention.objects.get(external_id="bw-1")
    assert first.author == "angry_customer" and first.author_reach == 5400
    assert first.sentiment_label == "negative"
    assert first.matched_terms.count() == 1
    second = Mention.objects.get(external_id="2")
    assert second.text == "Acme Foods rocks 😍"  # HTML reduced to plain text
    assert second.sentiment_label == "positive"


def test_a_duplicate_delivery_stores_nothing_new(source):
    push(source, {"mentions": ITEMS})
    response = push(source, {"mentions": ITEMS})
    assert response.json() == {"stored": 0, "duplicates": 2}
    assert Mention.objects.count() == 2


def test_an_unsigned_delivery_is_refused(source):
    response = push(source, {"mentions": ITEMS}, secret=False)  # type: ignore[arg-type]
    assert response.status_code == 401
    assert response.json()["error"] == f"The {SIGNATURE_HEADER} header is missing."
    assert not Mention.objects.exists()


def test_a_wrong_signature_is_refused(source):
    response = push(source, {"mentions": ITEMS}, secret="not-the-secret")
    assert response.status_code == 401
    assert response.json()["error"] == "The signature does not match the body and the secret."
    assert not Mention.objects.exists()


def test_a_stale_timestamp_is_refused(source):
    response = push(source, {"mentions": ITEMS}, timestamp=int(time.time()) - 600)
    assert response.status_code == 401
    assert "more than 5 minutes away" in response.json()["error"]
    assert not Mention.objects.exists()


def test_an_oversized_body_is_refused(source):
    big = {"mentions": [{"id": "x", "text": "a" * (MAX_BYTES + 10)}]}
    response = push(source, big)
    assert response.status_code == 413
    assert response.json()["error"] == "The body is larger than 1024 kB."
    assert not Mention.objects.exists()


def test_malformed_json_is_refused(source):
    response = push(source, b"{not json")
    assert response.status_code == 400
    assert response.json()["error"] == "The body is not valid JSON."


def test_bad_items_are_listed_and_nothing_is_stored(source):
    response = push(
        source,
        {
            "mentions": [
                ITEMS[0],
                {"text": "no id"},
                {"id": "3", "text": "ok", "published": "yesterday", "author_reach": -4},
                {"id": "4", "text": "x", "url": "javascript:alert(1)"},
            ]
        },
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "Some mentions are not valid; nothing was stored."
    assert body["problems"] == [
        'mentions[1]: "id" is required (a string or a number).',
        'mentions[2]: "author_reach" must be a whole number of at least 0.',
        'mentions[2]: "published" must be an ISO 8601 date-time, e.g. "2026-05-01T10:00:00Z".',
        'mentions[3]: "url" must be an http(s) address.',
    ]
    assert not Mention.objects.exists()


def test_dates_are_read_as_feeds_read_them(source):
    mentions = [
        {"id": "z", "text": "a", "published": "2026-11-23T10:00:00z"},  # lower-case z: UTC
        {"id": "naive", "text": "b", "published": "2026-11-23T11:00:00"},  # no offset: UTC
        {"id": "paris", "text": "c", "published": "2026-11-23T13:00:00+01:00"},
    ]
    assert push(source, {"mentions": mentions}).status_code == 200
    hours = {m.external_id: m.published_at.astimezone(UTC).hour for m in Mention.objects.all()}
    assert hours == {"z": 10, "naive": 11, "paris": 12}


def test_a_number_is_not_a_date(source):
    response = push(source, {"mentions": [{"id": "n", "text": "a", "published": 20261123}]})
    assert response.status_code == 400
    assert response.json()["problems"] == [
        'mentions[0]: "published" must be an ISO 8601 date-time, e.g. "2026-05-01T10:00:00Z".'
    ]


def test_a_body_without_a_mentions_list_is_refused(source):
    response = push(source, {"items": []})
    assert response.status_code == 400
    assert response.json()["error"] == 'The body must be a JSON object with a "mentions" list.'


def test_a_feed_source_or_disabled_source_has_no_push_endpoint(cast, source):
    feed = Source.objects.create(client=cast.client, name="Feed", url="https://x.example/")
    assert push(feed, {"mentions": ITEMS}).status_code == 404
    source.enabled = False
    source.save()
    assert push(source, {"mentions": ITEMS}).status_code == 404


def test_the_endpoint_answers_post_only(source):
    url = reverse("hooks:push", kwargs={"source": source.public_id})
    assert HttpClient().get(url).status_code == 405
