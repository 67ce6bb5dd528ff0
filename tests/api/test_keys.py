"""API keys: shown once, stored hashed, scoped, revocable, with a last-used time."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from portal.api.keys import api_key_create, api_key_revoke, hash_token
from portal.models import ApiKey


def test_the_key_is_stored_only_as_a_hash(cast):
    new = api_key_create(
        agency=cast.agency, by=cast.owner, name="Brandwatch", client=None, read_only=True
    )
    key = ApiKey.objects.get(pk=new.key.pk)
    assert new.token.startswith(f"fbk_{key.prefix}_")
    assert key.secret_hash == hash_token(new.token)
    stored = [str(v) for v in ApiKey.objects.filter(pk=key.pk).values().get().values()]
    assert not any(new.token in v or new.token.split("_")[2] in v for v in stored)


def test_a_valid_key_reads_and_records_last_use(cast, api, keys):
    response = api(keys.agency_rw).get("/api/v1/clients/")
    assert response.status_code == 200
    key = ApiKey.objects.get(prefix=keys.agency_rw.split("_")[1])
    assert key.last_used_at is not None


def test_last_used_is_written_at_most_once_a_minute(cast, api, keys):
    http = api(keys.agency_rw)
    http.get("/api/v1/clients/")
    key = ApiKey.objects.get(prefix=keys.agency_rw.split("_")[1])
    first = key.last_used_at
    http.get("/api/v1/clients/")
    key.refresh_from_db()
    assert key.last_used_at == first
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=first - timedelta(minutes=2))
    http.get("/api/v1/clients/")
    key.refresh_from_db()
    assert key.last_used_at > first - timedelta(seconds=1)


def test_a_revoked_key_is_refused_with_401(cast, api, keys):
    key = ApiKey.objects.get(prefix=keys.agency_rw.split("_")[1])
    api_key_revoke(key=key, by=cast.owner)
    response = api(keys.agency_rw).get("/api/v1/clients/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "revoked" in response.json()["error"]["message"]


def test_a_mistyped_key_is_refused_with_401(cast, api, keys):
    wrong = keys.agency_rw[:-1] + ("0" if keys.agency_rw[-1] != "0" else "1")
    assert api(wrong).get("/api/v1/clients/").status_code == 401
    assert api("not-a-key").get("/api/v1/clients/").status_code == 401


def test_no_key_is_401_with_the_error_shape(api, db):
    response = api(None).get("/api/v1/clients/")
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["status"] == 401
    assert error["code"] == "not_authenticated"
    assert "Authorization: Bearer" in error["message"]


def test_a_read_only_key_cannot_write(cast, api, keys):
    response = api(keys.agency_ro).post(
        "/api/v1/contacts/", {"client": str(cast.client.public_id), "name": "X"}
    )
    assert response.status_code == 403
    assert "read-only" in response.json()["error"]["message"]


def test_keys_of_another_agency_see_nothing_of_ours(cast, api, keys):
    names = [c["name"] for c in api(keys.other_agency_rw).get("/api/v1/clients/").json()["results"]]
    assert names == ["Rival Client"]


def test_a_client_key_sees_only_its_client(cast, api, keys):
    names = [c["name"] for c in api(keys.client_rw).get("/api/v1/clients/").json()["results"]]
    assert names == ["Acme Foods"]


def test_session_of_a_member_works_for_the_browsable_api(cast, client):
    client.force_login(cast.staff)
    response = client.get("/api/v1/clients/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert b"Acme Foods" in response.content
    assert b"Blue Air" not in response.content  # staff are assigned to Acme only


def test_a_client_contact_session_is_refused(cast, client):
    client.force_login(cast.contact_user)
    assert client.get("/api/v1/clients/").status_code == 403


def test_a_key_created_now_has_no_last_use(cast):
    new = api_key_create(agency=cast.agency, by=cast.owner, name="X", client=None, read_only=False)
    assert new.key.last_used_at is None
    assert new.key.created_at <= timezone.now()
