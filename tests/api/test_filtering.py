"""List filters compare times in UTC: an offset PostgreSQL would refuse (beyond ±15:59,
found by schemathesis) still filters by the right instant, and a time that cannot be put
in UTC is a 400 with a message, on SQLite and PostgreSQL alike. A page walk with no
filter lists everything (the filter set is skipped then); filters hold on every page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from django.utils import timezone

from incidents.models import Incident, Sentiment
from tests.incidents.ui_factories import a_mention, a_source


def _walk(client: Any, url: str) -> list[str]:
    ids: list[str] = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        ids += [row["id"] for row in body["results"]]
        url = body["next"]
    return ids


def _mentions(cast: Any) -> dict[str, list[str]]:
    source = a_source(cast.client)
    now = timezone.now()
    made: dict[str, list[str]] = {"negative": [], "positive": []}
    for i in range(7):
        label = Sentiment.NEGATIVE if i % 2 else Sentiment.POSITIVE
        mention = a_mention(
            cast.client, source, published_at=now - timedelta(minutes=i), sentiment_label=label
        )
        made[label].append(str(mention.public_id))
    return made


def test_walking_the_pages_with_no_filter_lists_every_mention_once(cast, api, keys):
    made = _mentions(cast)
    ids = _walk(api(keys.agency_ro), "/api/v1/mentions/?page_size=3&ordering=-published_at")
    # Newest first: the positive ones were made at even minutes back, the negative at odd.
    assert ids == [made["positive" if i % 2 == 0 else "negative"][i // 2] for i in range(7)]


def test_a_filter_holds_on_every_page_and_a_bad_one_is_refused(cast, api, keys):
    made = _mentions(cast)
    client = api(keys.agency_ro)
    assert _walk(client, "/api/v1/mentions/?page_size=2&sentiment=negative") == made["negative"]
    refused = client.get("/api/v1/mentions/?page_size=2&sentiment=furious")
    assert refused.status_code == 400
    assert "sentiment" in refused.json()["error"]["fields"]


def test_a_time_with_a_large_offset_filters_by_its_utc_instant(cast, api, keys):
    early = Incident.objects.create(
        client=cast.client, title="Early", opened_at=datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    )
    late = Incident.objects.create(
        client=cast.client, title="Late", opened_at=datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
    )
    # 2026-11-24 10:00 at +23:41 is 2026-11-23 10:19 UTC: between the two.
    since = quote("2026-11-24T10:00:00+23:41")
    response = api(keys.agency_ro).get(f"/api/v1/incidents/?opened_after={since}")
    assert response.status_code == 200, response.content
    ids = {row["id"] for row in response.json()["results"]}
    assert str(late.public_id) in ids and str(early.public_id) not in ids


def test_a_time_before_the_year_one_in_utc_is_refused(cast, api, keys):
    since = quote("0001-01-01T00:00:00+01:00")
    response = api(keys.agency_ro).get(f"/api/v1/incidents/?opened_after={since}")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["fields"]["opened_after"] == [
        "This time is out of range: give one after the year 1."
    ]
