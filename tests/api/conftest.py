"""API test helpers: keys of each scope for the cast, and clients that send them.

    def test_something(api, keys):
        http = api(keys.agency_rw)           # an APIClient sending that key
        http.get("/api/v1/clients/")

`keys` holds the full key strings (as shown once in the UI) of: agency_rw, agency_ro
(the cast's agency), client_rw (limited to cast.client), second_client_rw (limited to
cast.second_client, so another client of the same agency), other_agency_rw (the
outsider's agency). `make_key(...)` makes more."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from clients.models import Agency, Client
from portal.api.keys import api_key_create
from portal.models import User


@dataclass
class Keys:
    agency_rw: str
    agency_ro: str
    client_rw: str
    client_ro: str
    second_client_rw: str
    other_agency_rw: str


def make_key(
    *,
    agency: Agency,
    by: User,
    client: Client | None = None,
    read_only: bool = False,
    name: str = "Integration",
) -> str:
    return api_key_create(agency=agency, by=by, name=name, client=client, read_only=read_only).token


@pytest.fixture(autouse=True)
def _fresh_throttle_counts() -> None:
    """Throttle counts live in the cache: every test starts with none."""
    cache.clear()


@pytest.fixture
def keys(cast) -> Keys:  # type: ignore[no-untyped-def]
    return Keys(
        agency_rw=make_key(agency=cast.agency, by=cast.owner),
        agency_ro=make_key(agency=cast.agency, by=cast.owner, read_only=True),
        client_rw=make_key(agency=cast.agency, by=cast.owner, client=cast.client),
        client_ro=make_key(agency=cast.agency, by=cast.owner, client=cast.client, read_only=True),
        second_client_rw=make_key(agency=cast.agency, by=cast.owner, client=cast.second_client),
        other_agency_rw=make_key(agency=cast.other_agency, by=cast.outsider),
    )


@pytest.fixture
def api() -> Callable[[str | None], APIClient]:
    def make(token: str | None = None) -> APIClient:
        http = APIClient()
        if token:
            http.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return http

    return make
