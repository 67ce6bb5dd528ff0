"""The OpenAPI 3 schema and its interactive docs."""

from __future__ import annotations


def test_schema_is_served_as_openapi_3_and_lists_the_resources(client, db):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/clients/" in schema["paths"]
    assert "/api/v1/contacts/{id}/" in schema["paths"]
    assert schema["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"
    # errors are documented in their one shape
    not_found = schema["paths"]["/api/v1/contacts/{id}/"]["get"]["responses"]["404"]
    ref = not_found["content"]["application/json"]["schema"]["$ref"]
    assert ref.endswith("/Error")


def test_docs_page_loads_its_assets_from_this_server(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/api/schema/" in html
    assert "swagger-ui" in html
    assert "cdn.jsdelivr" not in html  # drf-spectacular-sidecar serves them offline


def test_the_schema_generates_without_a_warning(db):
    """drf-spectacular warns when it has to guess (a type, a model); guesses make a schema
    that generated clients and schemathesis read wrongly."""
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    assert "openapi: 3" in out.getvalue()
