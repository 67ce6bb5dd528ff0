"""The risk register: history of changes, list filters, heat map, CSV export, portal."""

from __future__ import annotations

import csv
import io

from django.urls import reverse

from plans.models import RiskChange
from plans.services import risk_update
from tests.plans.factories import a_risk


def url(name, client, **kwargs):
    return reverse(f"plans:{name}", kwargs={"client": client.public_id, **kwargs})


def test_every_change_of_a_risk_is_recorded_with_who_and_what(cast):
    risk = a_risk(cast.client, cast.owner)
    risk_update(risk=risk, by=cast.staff, likelihood=4, status="mitigating", title=risk.title)
    rows = {c.field: (c.old_value, c.new_value, c.changed_by) for c in risk.changes.all()}
    assert rows["likelihood"] == ("2 — Unlikely", "4 — Likely", cast.staff)
    assert rows["status"] == ("Open", "Mitigating", cast.staff)
    assert rows["score"] == ("10", "20", cast.staff)
    assert "title" not in rows  # unchanged fields write nothing
    assert "created" in rows


def test_editing_a_risk_through_the_page_writes_history(cast, client):
    risk = a_risk(cast.client, cast.owner)
    client.force_login(cast.staff)
    response = client.post(
        url("risk_edit", cast.client, pk=risk.public_id),
        {
            "title": risk.title,
            "category": risk.category,
            "likelihood": "3",
            "impact": "5",
            "status": "open",
            "mitigations": "Batch tracing",
        },
    )
    assert response.status_code == 302
    fields = set(RiskChange.objects.filter(risk=risk).values_list("field", flat=True))
    assert {"likelihood", "mitigations", "score"} <= fields
    page = client.get(url("risk", cast.client, pk=risk.public_id)).content.decode()
    assert "Sam Staff" in page
    assert "Batch tracing" in page


def test_the_heat_map_page_counts_open_risks_per_cell_and_links_to_them(cast, client):
    a_risk(cast.client, cast.owner, title="Recall", likelihood=3, impact=4)
    a_risk(cast.client, cast.owner, title="Hack", likelihood=3, impact=4, category="cyber_attack")
    a_risk(cast.client, cast.owner, title="Old", likelihood=1, impact=1, status="closed")
    a_risk(cast.second_client, cast.owner, title="Elsewhere", likelihood=3, impact=4)
    client.force_login(cast.staff)
    page = client.get(url("risk_heatmap", cast.client)).content.decode()
    cell_url = url("risks", cast.client) + "?likelihood=3&amp;impact=4"
    assert f'<a href="{cell_url}"' in page
    assert "Likelihood 3, impact 4: 2 risks" in page
    assert "Likelihood 1, impact 1: 0 risks" in page  # closed risks are not on the map
    listing = client.get(url("risks", cast.client) + "?likelihood=3&impact=4").content.decode()
    assert "Recall" in listing and "Hack" in listing
    assert "Elsewhere" not in listing


def test_the_list_searches_filters_and_sorts(cast, client):
    a_risk(cast.client, cast.owner, title="Recall", likelihood=1, impact=2)
    a_risk(cast.client, cast.owner, title="Hack", likelihood=5, impact=5, category="cyber_attack")
    client.force_login(cast.owner)
    page = client.get(url("risks", cast.client) + "?sort=score").content.decode()
    assert page.index("Recall") < page.index("Hack")
    page = client.get(url("risks", cast.client) + "?category=cyber_attack").content.decode()
    assert "Hack" in page and "Recall" not in page
    page = client.get(url("risks", cast.client) + "?q=reca").content.decode()
    assert "Recall" in page and ">Hack<" not in page
    partial = client.get(url("risks", cast.client), HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "Recall" in partial


def test_the_csv_export_is_formula_safe(cast, client):
    a_risk(cast.client, cast.owner, title='=HYPERLINK("http://evil")')
    client.force_login(cast.readonly_staff)
    response = client.get(url("risks_export", cast.client))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["title", "category", "likelihood", "impact", "score"]
    assert rows[1][0].startswith("'=")


def test_the_client_contact_sees_the_register_without_internal_notes(cast, client):
    a_risk(cast.client, cast.owner, title="Recall", internal_notes="Legal says: settle quietly")
    a_risk(cast.second_client, cast.owner, title="Other client's risk")
    client.force_login(cast.contact_user)
    page = client.get(
        reverse("plansportal:risks", kwargs={"client": cast.client.public_id})
    ).content.decode()
    assert "Recall" in page
    assert "settle quietly" not in page
    assert "Other client" not in page
    assert "<svg" in page


def test_a_risk_of_another_client_is_a_404(cast, client):
    risk = a_risk(cast.second_client, cast.owner)
    client.force_login(cast.staff)
    response = client.get(url("risk", cast.client, pk=risk.public_id))
    assert response.status_code == 404
