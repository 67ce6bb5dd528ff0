"""Agency → API keys: owners and managers create (shown once), list and revoke keys."""

from __future__ import annotations

import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from portal.api.keys import api_key_create, api_key_revoke, hash_token
from portal.handover import SESSION_KEY
from portal.models import ApiKey

PAGE = "/agency/api-keys/"


def created_token(response) -> str:  # type: ignore[no-untyped-def]
    match = re.search(r'value="(fbk_[0-9a-f]+_[0-9a-f]+)"', response.content.decode())
    assert match, "the new key is not on the page"
    return match.group(1)


def test_a_manager_creates_a_key_shown_once(cast, client, api):
    client.force_login(cast.manager)
    response = client.post(
        PAGE, {"name": "Brandwatch", "client": str(cast.client.pk), "access": "write"}
    )
    assert response.status_code == 302  # then the list, which shows the key once
    response = client.get(PAGE)
    assert "no-store" in response["Cache-Control"]
    token = created_token(response)
    assert "shown only this once" in response.content.decode()
    key = ApiKey.objects.get()
    assert (key.name, key.client, key.read_only, key.created_by) == (
        "Brandwatch",
        cast.client,
        False,
        cast.manager,
    )
    assert key.secret_hash == hash_token(token)
    assert "_session" not in str(dict(client.session))  # handed over, then gone
    assert token not in str(dict(client.session))
    page = client.get(PAGE).content.decode()
    assert token not in page  # never shown again
    assert f"fbk_{key.prefix}_…" in page
    assert "Never" in page  # not used yet
    assert api(token).get("/api/v1/clients/").status_code == 200
    page = client.get(PAGE).content.decode()
    assert "Never" not in page.split("Create a key")[0]


def test_the_form_refuses_a_client_of_another_agency_and_an_empty_name(cast, client):
    client.force_login(cast.owner)
    response = client.post(
        PAGE, {"name": " ", "client": str(cast.other_client.pk), "access": "read"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "That client does not exist in your agency" in body
    assert "This field is required." in body
    assert not ApiKey.objects.exists()


def test_staff_cannot_open_the_keys_page(cast, client):
    client.force_login(cast.staff)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"name": "x", "access": "write"}).status_code == 403
    assert not ApiKey.objects.exists()


def test_revoking_a_key_refuses_it_at_once(cast, client, api):
    new = api_key_create(
        agency=cast.agency, by=cast.owner, name="Zapier", client=None, read_only=True
    )
    assert api(new.token).get("/api/v1/clients/").status_code == 200
    client.force_login(cast.manager)
    response = client.post(f"{PAGE}{new.key.public_id}/revoke/", follow=True)
    assert "is revoked" in response.content.decode()
    new.key.refresh_from_db()
    assert new.key.revoked_at is not None and new.key.revoked_by == cast.manager
    assert api(new.token).get("/api/v1/clients/").status_code == 401
    assert "Revoked keys" in client.get(PAGE).content.decode()


def test_another_agencys_key_cannot_be_revoked(cast, client):
    theirs = api_key_create(
        agency=cast.other_agency, by=cast.outsider, name="Theirs", client=None, read_only=True
    )
    client.force_login(cast.owner)
    assert client.post(f"{PAGE}{theirs.key.public_id}/revoke/").status_code == 404
    theirs.key.refresh_from_db()
    assert theirs.key.revoked_at is None
    assert "Theirs" not in client.get(PAGE).content.decode()


def _create(client, name: str = "Brandwatch"):  # type: ignore[no-untyped-def]
    response = client.post(PAGE, {"name": name, "client": "", "access": "read"})
    assert response.status_code == 302
    return ApiKey.objects.get(name=name)


def test_the_token_is_shown_on_the_next_page_only_once(cast, client):
    client.force_login(cast.owner)
    key = _create(client)
    token = created_token(client.get(PAGE))
    assert key.secret_hash == hash_token(token)
    assert SESSION_KEY not in client.session
    for _ in range(2):
        page = client.get(PAGE).content.decode()
        assert token not in page and "shown only this once" not in page
        assert f"fbk_{key.prefix}_…" in page


def test_going_elsewhere_first_drops_the_token_from_the_session(cast, client):
    client.force_login(cast.owner)
    key = _create(client)
    elsewhere = client.get(reverse("portal:dashboard"))
    assert elsewhere.status_code == 200
    assert SESSION_KEY not in client.session
    page = client.get(PAGE).content.decode()
    assert "fbk_" + key.prefix + "_…" in page  # the key exists, listed as usual
    assert "shown only this once" not in page
    assert not re.search(r'value="fbk_', page)  # its token is gone for good


def test_a_second_key_replaces_a_token_that_was_never_shown(cast, client):
    client.force_login(cast.owner)
    _create(client, "First")
    second = _create(client, "Second")  # the first token is dropped by this request
    page = client.get(PAGE)
    assert hash_token(created_token(page)) == second.secret_hash
    assert page.content.decode().count('value="fbk_') == 1


def test_revoked_keys_are_paged_newest_first_with_their_count(cast, client):
    start = timezone.now() - timedelta(days=30)
    for n in range(23):
        new = api_key_create(
            agency=cast.agency, by=cast.owner, name=f"Old key {n:02}", client=None, read_only=True
        )
        api_key_revoke(key=new.key, by=cast.owner)
        ApiKey.objects.filter(pk=new.key.pk).update(revoked_at=start + timedelta(hours=n))
    api_key_create(agency=cast.agency, by=cast.owner, name="Live key", client=None, read_only=True)
    client.force_login(cast.manager)

    first = client.get(PAGE).content.decode()
    assert 'Revoked keys <span class="muted small">(23)</span>' in first
    assert "Page 1 of 2 · 23 in all" in first
    assert "Old key 22" in first and "Old key 03" in first and "Old key 02" not in first
    assert "Live key" in first

    second = client.get(PAGE, {"page": 2}, headers={"HX-Request": "true"}).content.decode()
    assert "Create a key" not in second  # only the list, for htmx
    assert [f"Old key {n:02}" in second for n in (2, 1, 0, 3)] == [True, True, True, False]
    assert "Page 2 of 2" in second


def test_back_to_a_paged_list_of_revoked_keys_gets_the_whole_page(cast, client):
    """htmx asks again for a page it has not kept (HX-History-Restore-Request) and puts
    the answer in place of the whole body: it must be the page, not the list alone."""
    for n in range(21):
        new = api_key_create(
            agency=cast.agency, by=cast.owner, name=f"Old key {n:02}", client=None, read_only=True
        )
        api_key_revoke(key=new.key, by=cast.owner)
    client.force_login(cast.manager)

    restored = client.get(
        PAGE,
        {"page": 2},
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    ).content.decode()

    assert "Create a key" in restored and "Page 2 of 2" in restored


def test_the_new_token_is_kept_out_of_htmx_history_snapshots(cast, client):
    """Paging the revoked keys pushes a URL, and htmx then saves the page it leaves in the
    browser's storage for the back button, unless the page says hx-history="false": the
    token would wait there in clear, and come back on "Back"."""
    client.force_login(cast.owner)
    _create(client)
    shown = client.get(PAGE).content.decode()
    assert "shown only this once" in shown
    assert 'hx-history="false"' in shown
    assert 'hx-history="false"' not in client.get(PAGE).content.decode()  # nothing to hide
