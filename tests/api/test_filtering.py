"""List filters compare times in UTC: an offset PostgreSQL would refuse (beyond ±15:59,
found by schemathesis) still filters by the right instant, and a time that cannot be put
in UTC is a 400 with a message, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

from incidents.models import Incident


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
