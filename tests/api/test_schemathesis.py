"""Schemathesis, a tool none of us wrote, against the project's own OpenAPI schema.

The schema is read from `/api/schema/` of the running app (its WSGI handler), and for
every operation Schemathesis generates requests from it — valid ones and, for request
bodies and query parameters, invalid ones — sent with a read-write agency key over the
cast's data. Every answer must be something other than a 5xx and must match the schema:
its status code is one the operation documents, its content type and body match the
documented ones, its headers too. The number of examples per operation is bounded
(MAX_EXAMPLES), so this runs in CI on SQLite and on PostgreSQL (`.ci/run` → `make test`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import make_key
from tests.incidents.incident_factories import an_incident
from tests.incidents.ui_factories import a_mention, a_source

MAX_EXAMPLES = 10
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """Requests go through the real WSGI handler, whose request signals close "old"
    database connections: inside the test's transaction that would close PostgreSQL's
    connection under the test. Django's own test client unhooks them the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def agency_key(cast: Any) -> str:
    """A read-write key of the cast's agency, over some data of each kind."""
    source = a_source(cast.client)
    a_mention(cast.client, source, text="Acme recall?")
    an_incident(cast)
    return make_key(agency=cast.agency, by=cast.owner, name="Schemathesis")


# Read at collection (schemathesis.pytest.from_fixture, the lazy way, needs a pytest
# attribute that pytest 9 no longer has); serving the schema touches no database.
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


# One pytest item per operation, named by it ("GET /api/v1/mentions/"): schemathesis's own
# parametrize gives every item the same node id, which pytest-xdist folds into one
# reported result.
OPERATIONS = [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_every_operation_answers_as_documented(operation: Any, agency_key: str) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,  # no example database written into the working tree
        print_blob=True,
    )
    def answers_as_documented(case: Any) -> None:
        case.call_and_validate(headers={"Authorization": f"Bearer {agency_key}"}, checks=CHECKS)

    answers_as_documented()


def test_every_operation_is_checked() -> None:
    """The schema documents the API's routes; none may fall out of the run above."""
    labels = {op.label for op in OPERATIONS}
    assert len(labels) == len(OPERATIONS) >= 60
    assert {"GET /api/v1/mentions/", "POST /api/v1/mentions/bulk/"} <= labels
