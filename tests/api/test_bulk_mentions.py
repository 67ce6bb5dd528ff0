"""Bulk create of mentions for listening tools: idempotent on each mention's id, stored
exactly as the inbound push endpoint stores them (matched, scored), 1,000 per request."""

from __future__ import annotations

import json

from incidents.models import Mention, Source, SourceKind, WatchTerm
from incidents.webhooks import SIGNATURE_HEADER, sign

URL = "/api/v1/mentions/bulk/"


def a_source(client, name="Listening tool"):  # type: ignore[no-untyped-def]
    return Source.objects.create(client=client, name=name, kind=SourceKind.PUSH)


def batch(source, items):  # type: ignore[no-untyped-def]
    return {"source": str(source.public_id), "mentions": items}


def test_the_same_batch_twice_stores_each_mention_once(cast, api, keys):
    source = a_source(cast.client)
    items = [{"id": f"bw-{i}", "text": f"Mention {i} of Acme"} for i in range(3)]
    http = api(keys.client_rw)
    first = http.post(URL, batch(source, items))
    assert first.status_code == 201
    assert first.json() == {"created": 3, "duplicates": 0}
    again = http.post(URL, batch(source, [*items, {"id": "bw-3", "text": "A new one"}]))
    assert again.status_code == 201
    assert again.json() == {"created": 1, "duplicates": 3}
    same = http.post(URL, batch(source, items))
    assert same.status_code == 200
    assert same.json() == {"created": 0, "duplicates": 3}
    assert Mention.objects.filter(source=source).count() == 4
    source.refresh_from_db()
    assert source.mention_count == 4


def test_repeats_within_a_batch_count_as_duplicates(cast, api, keys):
    source = a_source(cast.client)
    items = [{"id": "x", "text": "one"}, {"id": "x", "text": "one again"}]
    response = api(keys.agency_rw).post(URL, batch(source, items))
    assert response.json() == {"created": 1, "duplicates": 1}


def test_bulk_mentions_are_scored_and_matched_like_pushed_ones(cast, api, keys, client):
    WatchTerm.objects.create(client=cast.client, term="Acme")
    item = {
        "id": "same",
        "text": "<p>Acme's recall is a <b>disgrace</b>, awful and dangerous</p>",
        "author": "angry_customer",
        "author_reach": 12_000,
        "published": "2026-05-01T10:00:00Z",
        "url": "https://social.example/p/1",
    }
    through_api = a_source(cast.client, "Via the API")
    assert api(keys.agency_rw).post(URL, batch(through_api, [item])).status_code == 201
    pushed = a_source(cast.client, "Via push")
    body = json.dumps({"mentions": [item]}).encode()
    response = client.post(
        f"/hooks/push/{pushed.public_id}/",
        body,
        content_type="application/json",
        **{f"HTTP_{SIGNATURE_HEADER.upper().replace('-', '_')}": sign(body, pushed.push_secret)},
    )
    assert response.status_code == 200, response.content
    a = Mention.objects.get(source=through_api)
    b = Mention.objects.get(source=pushed)
    fields = ("text", "author", "author_reach", "published_at", "sentiment", "sentiment_label")
    assert [getattr(a, f) for f in fields] == [getattr(b, f) for f in fields]
    assert a.sentiment_label == "negative"
    assert "<" not in a.text  # HTML reduced to text
    assert list(a.matched_terms.values_list("term", flat=True)) == ["Acme"]
    assert list(b.matched_terms.values_list("term", flat=True)) == ["Acme"]


def test_a_thousand_mentions_in_one_request(cast, api, keys):
    source = a_source(cast.client)
    items = [{"id": str(i), "text": f"Post number {i} about Acme"} for i in range(1000)]
    response = api(keys.agency_rw).post(URL, batch(source, items))
    assert response.json() == {"created": 1000, "duplicates": 0}
    too_many = api(keys.agency_rw).post(URL, batch(source, [*items, {"id": "x", "text": "y"}]))
    assert too_many.status_code == 400
    assert "At most 1,000" in too_many.json()["error"]["message"]


def test_one_bad_item_refuses_the_batch_with_numbered_problems(cast, api, keys):
    source = a_source(cast.client)
    items = [
        {"id": "ok", "text": "fine"},
        {"id": "", "text": "no id"},
        {"id": "late", "text": "x", "published": "yesterday"},
    ]
    response = api(keys.agency_rw).post(URL, batch(source, items))
    assert response.status_code == 400
    problems = response.json()["error"]["fields"]["mentions"]
    assert any(p.startswith("mentions[1]") and '"id" is required' in p for p in problems)
    assert any(p.startswith("mentions[2]") and "ISO 8601" in p for p in problems)
    assert not Mention.objects.filter(source=source).exists()


def test_unknown_fields_in_the_batch_or_an_item_are_refused(cast, api, keys):
    source = a_source(cast.client)
    http = api(keys.agency_rw)
    envelope = http.post(URL, {**batch(source, []), "sorce": "x"})
    assert envelope.status_code == 400
    assert "sorce" in envelope.json()["error"]["fields"]
    item = http.post(URL, batch(source, [{"id": "1", "text": "x", "likes": 3}]))
    assert item.status_code == 400
    assert "unknown field “likes”" in item.json()["error"]["fields"]["mentions"][0]
    assert not Mention.objects.filter(source=source).exists()


def test_a_source_out_of_scope_is_a_validation_error(cast, api, keys):
    ours = a_source(cast.client)
    rival = a_source(cast.other_client)
    item = [{"id": "1", "text": "x"}]
    for token, source in (
        (keys.second_client_rw, ours),  # another client of the same agency
        (keys.agency_rw, rival),  # another agency's
    ):
        response = api(token).post(URL, batch(source, item))
        assert response.status_code == 400
        assert "does not exist in your agency" in response.json()["error"]["fields"]["source"][0]
    assert api(keys.client_ro).post(URL, batch(ours, item)).status_code == 403
    assert not Mention.objects.exists()


def test_a_disabled_source_stores_nothing(cast, api, keys):
    source = a_source(cast.client)
    Source.objects.filter(pk=source.pk).update(enabled=False)
    response = api(keys.agency_rw).post(URL, batch(source, [{"id": "1", "text": "x"}]))
    assert response.status_code == 400
    assert "disabled" in response.json()["error"]["fields"]["source"][0]
