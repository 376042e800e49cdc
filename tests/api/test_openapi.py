"""The OpenAPI document describes every /api/v1 endpoint, and /healthz."""

import json
import re

import pytest
from sqlalchemy import text

from portal import create_app

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def openapi_path(rule: str) -> str:
    """Flask's /warehouses/<code>/bins -> OpenAPI's /warehouses/{code}/bins."""
    return re.sub(r"<(?:[a-z_]+:)?([a-z_]+)>", r"{\1}", rule.removeprefix("/api/v1"))


def test_every_api_route_is_described(app, client):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.")
    described = {(path, method) for path, ops in document["paths"].items() for method in ops}
    routed = {
        (openapi_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routed, "no API routes found"
    assert routed - described == set(), "routes missing from the OpenAPI document"
    assert described - routed == set(), "the document describes routes that do not exist"


def test_every_operation_is_complete(client):
    document = client.get("/api/v1/openapi.json").json
    for path, operations in document["paths"].items():
        placeholders = set(re.findall(r"{(\w+)}", path))
        for method, operation in operations.items():
            assert method in HTTP_METHODS
            where = f"{method.upper()} {path}"
            assert operation.get("summary"), where
            assert any(status.startswith("2") for status in operation["responses"]), where
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == placeholders, where
            if path != "/openapi.json":
                assert "401" in operation["responses"], where
    refs = re.findall(r'"\$ref": "#/components/schemas/(\w+)"', json.dumps(document))
    assert set(refs) <= set(document["components"]["schemas"])


def test_master_data_writes_document_their_refusals(client):
    document = client.get("/api/v1/openapi.json").json
    for path in ["/suppliers", "/products", "/warehouses", "/warehouses/{code}/bins"]:
        post = document["paths"][path]["post"]
        assert post["requestBody"]["content"]["application/json"]["schema"]["required"]
        assert {"201", "400", "401", "403", "409", "422"} <= set(post["responses"]), path


def test_the_documented_product_body_matches_what_is_accepted(client):
    schema = client.get("/api/v1/openapi.json").json["paths"]["/products"]["post"]["requestBody"]
    body = schema["content"]["application/json"]["schema"]
    assert body["required"] == ["sku", "name", "warranty_months", "unit_cost"]


def test_healthz_answers_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


@pytest.mark.parametrize("dialect_url", ["sqlite:////nonexistent-dir/portal.sqlite3",
                                         "postgresql+psycopg://postgres@127.0.0.1:1/nope"])
def test_healthz_answers_503_when_the_database_is_unreachable(dialect_url):
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": dialect_url})
    client = app.test_client()
    response = client.get("/healthz", headers={"Accept": "application/json"})
    assert response.status_code == 503
    assert response.json["error"]["code"] == "service_unavailable"
    assert "database" in response.json["error"]["message"]
    assert client.get("/healthz").status_code == 503  # a load balancer's plain GET
    with app.app_context():
        from portal.extensions import db

        with pytest.raises(Exception):  # noqa: B017 - it really is unreachable
            db.session.execute(text("SELECT 1"))
        db.session.rollback()
        db.engine.dispose()
