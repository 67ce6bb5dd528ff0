"""Proof that the OpenAPI schema is usable by a real integration: a Python client is
generated from the live schema by openapi-python-client (a tool none of us wrote) into a
temporary folder, imported, and used over real HTTP against the live server, with an API
key, to store a batch of mentions and to open and read back an incident. Nothing
generated is committed: the client is made afresh from the schema on every run."""

from __future__ import annotations

import importlib
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest

from incidents.models import Incident, Mention, Source, SourceKind
from tests.api.conftest import make_key

PACKAGE = "firebreak_generated_client"


@pytest.fixture
def generated(live_server: Any, tmp_path: Path) -> Any:
    """The generated client package, imported from tmp_path."""
    response = httpx.get(f"{live_server.url}/api/schema/?format=json", timeout=30)
    assert response.status_code == 200
    (tmp_path / "schema.json").write_bytes(response.content)
    # PDFs are binary downloads to the generated client (it knows octet-stream by name).
    (tmp_path / "config.yml").write_text(
        f"package_name_override: {PACKAGE}\npost_hooks: []\n"
        "content_type_overrides:\n  application/pdf: application/octet-stream\n"
    )
    tool = Path(sys.executable).with_name("openapi-python-client")
    run = subprocess.run(
        [
            str(tool),
            "generate",
            "--path",
            "schema.json",
            "--config",
            "config.yml",
            "--meta",
            "none",
            "--output-path",
            PACKAGE,
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Warning" not in run.stdout + run.stderr, run.stdout + run.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def test_a_generated_client_stores_mentions_and_reads_an_incident(
    cast: Any, live_server: Any, generated: Any
) -> None:
    api = importlib.import_module(f"{PACKAGE}.api.mentions.mentions_bulk_create")
    create_incident = importlib.import_module(f"{PACKAGE}.api.incidents.incidents_create")
    get_incident = importlib.import_module(f"{PACKAGE}.api.incidents.incidents_retrieve")
    list_mentions = importlib.import_module(f"{PACKAGE}.api.mentions.mentions_list")
    models = importlib.import_module(f"{PACKAGE}.models")

    source = Source.objects.create(client=cast.client, name="Listening tool", kind=SourceKind.PUSH)
    token = make_key(agency=cast.agency, by=cast.owner, name="Generated client")
    client = generated.AuthenticatedClient(base_url=live_server.url, token=token)

    batch = models.BulkMentionsRequest(
        source=source.public_id,
        mentions=[
            models.BulkMentionItemRequest(
                id=f"tool-{n}",
                text=f"Acme yoghurt made me ill #{n}",
                author=f"@customer{n}",
                author_reach=100 * n,
                published=datetime(2026, 11, 24, 9, n, tzinfo=UTC),
                url=f"https://social.example/post/{n}",
            )
            for n in range(1, 6)
        ],
    )
    result = api.sync(client=client, body=batch)
    assert isinstance(result, models.BulkResult), result
    assert (result.created, result.duplicates) == (5, 0)
    again = api.sync(client=client, body=batch)  # a resend stores nothing twice
    assert (again.created, again.duplicates) == (0, 5)
    assert Mention.objects.filter(source=source).count() == 5

    page = list_mentions.sync(client=client)
    assert isinstance(page, models.PaginatedMentionList)
    assert sorted(m.external_id for m in page.results) == [f"tool-{n}" for n in range(1, 6)]
    first = next(m for m in page.results if m.external_id == "tool-1")
    assert first.author == "@customer1" and first.client == cast.client.public_id

    opened = create_incident.sync(
        client=client,
        body=models.IncidentRequest(
            client=cast.client.public_id, title="Yoghurt illness reports", severity=3
        ),
    )
    assert isinstance(opened, models.Incident), opened
    incident = get_incident.sync(id=opened.id, client=client)
    assert isinstance(incident, models.Incident), incident
    assert isinstance(incident.id, UUID)
    assert incident.title == "Yoghurt illness reports" and incident.severity == 3
    assert incident.status == models.IncidentStatusEnum.DETECTED
    assert incident.client == cast.client.public_id
    assert Incident.objects.get(public_id=incident.id).client == cast.client

    # Another agency's incident is not there for this key: the documented error comes back.
    theirs = Incident.objects.create(client=cast.other_client, title="Not yours")
    missing = get_incident.sync_detailed(id=theirs.public_id, client=client)
    assert missing.status_code == 404
    assert isinstance(missing.parsed, models.Error)
