"""Errors: one JSON shape with a message a developer can act on; unknown fields and
references out of scope are refused; throttling answers 429 with Retry-After."""

from __future__ import annotations

import pytest

from clients.models import Contact


def error_of(response, status):  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["status"] == status
    assert error["code"]
    assert error["message"]
    return error


def test_unknown_fields_are_refused_naming_the_fields_one_can_send(cast, api, keys):
    response = api(keys.agency_rw).post(
        "/api/v1/contacts/",
        {"client": str(cast.client.public_id), "name": "X", "emial": "x@y.test"},
    )
    error = error_of(response, 400)
    assert error["message"].startswith("Some fields are not valid: emial (emial: Unknown field")
    message = error["fields"]["emial"][0]
    assert message.startswith("Unknown field “emial”. Fields you can send:")
    assert "email" in message
    assert not Contact.objects.filter(name="X").exists()


def test_a_reference_to_another_agencys_client_is_a_400_not_a_leak(cast, api, keys):
    for client_id in (cast.other_client.public_id, "00000000-0000-0000-0000-000000000000"):
        response = api(keys.agency_rw).post(
            "/api/v1/contacts/", {"client": str(client_id), "name": "X"}
        )
        error = error_of(response, 400)
        # the same words whether it exists elsewhere or not at all
        assert error["fields"]["client"] == [
            "That client does not exist in your agency, or you cannot use it. "
            "Choose a client from the list."
        ]


def test_a_client_key_cannot_name_another_client_of_its_agency(cast, api, keys):
    response = api(keys.client_rw).post(
        "/api/v1/watch-terms/", {"client": str(cast.second_client.public_id), "term": "x"}
    )
    assert "does not exist in your agency" in error_of(response, 400)["fields"]["client"][0]


def test_a_reference_that_is_not_a_uuid(cast, api, keys):
    response = api(keys.agency_rw).post("/api/v1/contacts/", {"client": "acme", "name": "X"})
    assert "UUID" in error_of(response, 400)["fields"]["client"][0]


def test_another_tenants_object_is_a_404_with_the_shape(cast, api, keys):
    response = api(keys.agency_rw).get(f"/api/v1/contacts/{cast.other_contact.public_id}/")
    assert "no such object in your scope" in error_of(response, 404)["message"]


def test_malformed_json_and_wrong_method(cast, api, keys):
    http = api(keys.agency_rw)
    bad = http.post("/api/v1/contacts/", "{not json", content_type="application/json")
    assert "JSON" in error_of(bad, 400)["message"]
    assert error_of(http.delete(f"/api/v1/clients/{cast.client.public_id}/"), 405)
    not_a_list = http.post("/api/v1/contacts/", [1, 2], format="json")
    error_of(not_a_list, 400)


def test_a_bad_filter_value_is_a_400(cast, api, keys):
    error = error_of(api(keys.agency_rw).get("/api/v1/mentions/?sentiment=furious"), 400)
    assert "sentiment" in error["fields"]


def test_a_bad_cursor_is_a_404_with_the_shape(cast, api, keys):
    error_of(api(keys.agency_rw).get("/api/v1/mentions/?cursor=garbage"), 404)


@pytest.fixture
def three_a_minute(settings):  # type: ignore[no-untyped-def]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_key": "3/minute"},
    }


def test_throttling_per_key_answers_429_with_retry_after(cast, api, keys, three_a_minute):
    http = api(keys.agency_rw)
    for _ in range(3):
        assert http.get("/api/v1/clients/").status_code == 200
    throttled = http.get("/api/v1/clients/")
    error = error_of(throttled, 429)
    assert 0 < int(throttled["Retry-After"]) <= 60
    assert "try again in" in error["message"]
    # another key has its own count
    assert api(keys.agency_ro).get("/api/v1/clients/").status_code == 200
