"""The API's declared models: 422 naming each field, the document listing
every status an endpoint can answer, hostile values (non-ASCII digits, NUL),
the roles that may write, and a client generated from the document."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.models import Movement, Product, Receipt, SerialItem, Supplier
from tests.conftest import IN_CI
from tests.receiving.files import csv_bytes, serial_list

from .conftest import AnswerOutsideTheDocument, OpenApiDocument

PAGED = ["/api/v1/suppliers", "/api/v1/products", "/api/v1/warehouses", "/api/v1/warehouses/WH/bins"]
IGNORE_TOKEN_USE = {"api_tokens": {"last_used_at"}}


def document(client) -> dict:
    return client.get("/api/v1/openapi.json").json


# --- 422 names the fields ------------------------------------------------------------


def test_every_bad_field_is_named_in_details(api_as, db_snapshot):
    admin = api_as("admin")
    before = db_snapshot(ignore=IGNORE_TOKEN_USE)
    response = admin.post("/api/v1/products", json={"sku": 7, "unit_cost": "1", "warranty_months": "x"})
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "wrong_type"
    assert set(error["details"]["fields"]) == {"sku", "name", "warranty_months"}
    assert error["details"]["fields"]["name"] == "The field 'name' is required."
    assert response.headers["X-Portal-Error"] == "wrong_type"
    assert db_snapshot(ignore=IGNORE_TOKEN_USE) == before


def test_null_is_the_same_as_leaving_a_field_out(api_as):
    response = api_as("admin").post("/api/v1/suppliers", json={"code": "N", "name": "N", "trusted": None})
    assert response.status_code == 201 and response.json["trusted"] is False


def test_the_document_says_unknown_fields_are_ignored(client):
    assert "ignore fields they do not know" in document(client)["info"]["description"]


# --- issue 11.5: non-ASCII digits and NUL characters ---------------------------------------


@pytest.mark.parametrize("limit", ["²", "٣", "１０", "5\u0663"])
@pytest.mark.parametrize("path", PAGED)
def test_a_non_ascii_digit_in_limit_is_a_422_naming_the_field(api_as, make_warehouse, path, limit):
    make_warehouse(code="WH")
    response = api_as("operator").get(path, query_string={"limit": limit})
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.json["error"]["code"] == "bad_limit"
    assert list(response.json["error"]["details"]["fields"]) == ["limit"]
    assert "ASCII digits" in response.json["error"]["message"]


@pytest.mark.parametrize("field", ["bin", "warehouse", "serial", "order_ref"])
def test_a_nul_in_any_scan_field_is_a_422_and_records_nothing(api_as, make_warehouse, fresh, field):
    make_warehouse(code="WH1")
    body = {"client_scan_id": uuid.uuid4().hex, "action": "move", "serial": "S-1", "warehouse": "WH1",
            "bin": "A-01", "order_ref": "SO-1", field: "A\x00B"}
    response = api_as("operator").post("/api/v1/scans", json=body)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "invalid_character"
    assert list(response.json["error"]["details"]["fields"]) == [field]
    with fresh() as s:
        assert s.scalar(select(func.count()).select_from(Movement)) == 0


def test_a_nul_in_a_receipt_field_is_a_422(api_as, make_supplier, make_warehouse, fresh):
    make_supplier(code="ACME")
    make_warehouse(code="MAIN")
    response = api_as("receiver").post(
        "/api/v1/receipts", content_type="multipart/form-data",
        data={"supplier": "ACME", "warehouse": "MAIN", "reference": "A\x00B",
              "file": (io.BytesIO(serial_list(2)), "list.csv")})
    assert response.status_code == 422 and response.json["error"]["code"] == "invalid_character"
    with fresh() as s:
        assert s.scalar(select(func.count()).select_from(Receipt)) == 0


# --- issue 11.7: the document lists every status; Z on receipts; one charset -------------


def test_the_document_lists_every_status_an_endpoint_can_answer(client):
    paths = document(client)["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            statuses = set(operation["responses"])
            where = f"{method.upper()} {path}"
            assert "400" in statuses, where  # a NUL in the URL, a body that is not JSON
            if path == "/openapi.json":
                continue
            assert {"401", "503"} <= statuses, where
            assert "Retry-After" in operation["responses"]["503"]["headers"], where
            if method == "post":
                assert {"403", "413"} <= statuses, where
            if "requestBody" in operation or "parameters" in operation and path.startswith("/reports"):
                assert "422" in statuses, where
            if "{" in path:
                assert "404" in statuses, where
    for report in ("/reports/stock-aging", "/reports/defects-by-supplier"):
        assert {"400", "403", "422"} <= set(paths[report]["get"]["responses"])
    for action in ("close", "receive-all"):
        assert {"404", "409"} <= set(paths[f"/receipts/{{receipt_id}}/{action}"]["post"]["responses"])


def test_the_receipt_upload_is_described_as_multipart_with_its_file(client):
    body = document(client)["paths"]["/receipts"]["post"]["requestBody"]["content"]["multipart/form-data"]
    schema = body["schema"]
    assert (schema["properties"]["file"]["type"], schema["properties"]["file"]["format"]) == ("string", "binary")
    assert set(schema["required"]) == {"file", "supplier", "warehouse", "reference"}
    assert {"mapping", "dry_run", "skip_invalid", "sheet"} <= set(schema["properties"])


@pytest.fixture
def receipts(api_as, make_supplier, make_warehouse, make_product):
    make_supplier(code="ACME", trusted=True)
    make_warehouse(code="MAIN")
    make_product(sku="PHONE-1")
    make_product(sku="TAB-2")
    receiver = api_as("receiver")

    def upload(content, **fields):
        data = {"supplier": "ACME", "warehouse": "MAIN", "reference": "ASN-1", "product": "PHONE-1", **fields,
                "file": (io.BytesIO(content), "list.csv")}
        return receiver.post("/api/v1/receipts", data=data, content_type="multipart/form-data")

    upload.client = receiver
    return upload


def test_a_receipt_answers_its_times_with_z(receipts):
    created = receipts(serial_list(2))
    assert created.status_code == 201
    assert created.json["receipt"]["created_at"].endswith("Z")
    got = receipts.client.get(created.headers["Location"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", got.json["created_at"])
    closed = receipts.client.post(f"/api/v1/receipts/{got.json['id']}/close")
    assert closed.json["receipt"]["closed_at"].endswith("Z")


@pytest.mark.parametrize("action", ["close", "receive-all"])
def test_close_and_receive_all_of_a_missing_receipt_are_404(receipts, action):
    response = receipts.client.post(f"/api/v1/receipts/999999/{action}")
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"


@pytest.mark.parametrize("receipt_id", [2**31, 2**63, 10**30])
@pytest.mark.parametrize("action", ["", "/close", "/receive-all"])
def test_an_out_of_range_receipt_id_is_a_404(receipts, receipt_id, action):
    client = receipts.client
    response = (client.post if action else client.get)(f"/api/v1/receipts/{receipt_id}{action}")
    assert response.status_code == 404, response.get_data(as_text=True)
    assert response.json["error"]["code"] == "not_found"


def test_report_csv_names_its_charset_once(api_as):
    response = api_as("manager").get("/api/v1/reports/stock-aging?format=csv&table=buckets")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"


# --- issue 11.1: an explicit mapping; scanned_at -------------------------------------------


def test_an_explicit_mapping_decides_which_column_is_which(receipts, fresh):
    raw = csv_bytes([["Seriennr.", "Artikel", "Notiz"], ["M-1", "TAB-2", "x"], ["M-2", "PHONE-1", "y"]], delimiter=";")
    response = receipts(raw, mapping='{"serial": "Seriennr.", "sku": "Artikel"}', dry_run="true")
    assert response.status_code == 200, response.json
    assert response.json["mapping"]["columns"] == {"serial": "Seriennr.", "sku": "Artikel"}
    committed = receipts(raw, mapping='{"serial": "Seriennr.", "sku": "Artikel"}')
    assert committed.status_code == 201, committed.json
    with fresh() as s:
        skus = dict(s.execute(select(SerialItem.serial, Product.sku).join(Product)).all())
    assert skus == {"M-1": "TAB-2", "M-2": "PHONE-1"}


@pytest.mark.parametrize("mapping", ["not json", '["serial"]', '{"sku": "Artikel"}', '{"serial": "S", "colour": "C"}',
                                     '{"serial": 5}'])
def test_a_bad_mapping_is_a_422_naming_the_field(receipts, fresh, mapping):
    response = receipts(serial_list(2), mapping=mapping)
    assert response.status_code == 422, response.json
    assert list(response.json["error"]["details"]["fields"]) == ["mapping"] or \
        list(response.json["error"]["details"]["fields"])[0].startswith("mapping")
    with fresh() as s:
        assert s.scalar(select(func.count()).select_from(Receipt)) == 0


@pytest.mark.parametrize("scanned_at,status", [("2026-12-01T08:15:00Z", 200), ("2026-12-01T09:15:00+01:00", 200),
                                               ("yesterday", 422), ("2026-13-01T00:00:00", 422)])
def test_scanned_at_is_an_iso_time(api_as, scanned_at, status):
    body = {"client_scan_id": uuid.uuid4().hex, "action": "lookup", "serial": "NONE", "scanned_at": scanned_at}
    response = api_as("operator").post("/api/v1/scans", json=body)
    assert response.status_code == status
    if status == 422:
        assert response.json["error"]["code"] == "invalid_field"
        assert list(response.json["error"]["details"]["fields"]) == ["scanned_at"]


# --- who may write --------------------------------------------------------------------------

WRITES = {
    "catalog": ("admin",),
    "receipts": ("admin", "receiver", "manager"),
    "scans": ("admin", "operator", "receiver", "manager"),
}


@pytest.mark.parametrize("role", ["operator", "receiver", "manager", "admin"])
def test_each_write_is_open_to_the_roles_the_readme_names(api_as, make_supplier, make_warehouse, make_product, fresh,
                                                          role):
    make_supplier(code="ACME")
    make_warehouse(code="MAIN")
    make_product(sku="PHONE-1")
    client = api_as(role)
    catalog = client.post("/api/v1/suppliers", json={"code": f"S-{role}", "name": "S"})
    receipt = client.post("/api/v1/receipts", content_type="multipart/form-data",
                          data={"supplier": "ACME", "warehouse": "MAIN", "reference": f"R-{role}", "product": "PHONE-1",
                                "file": (io.BytesIO(serial_list(1, prefix=role)), "l.csv")})
    scan = client.post("/api/v1/scans", json={"client_scan_id": uuid.uuid4().hex, "action": "lookup",
                                              "serial": "X"})
    for area, response in (("catalog", catalog), ("receipts", receipt), ("scans", scan)):
        allowed = role in WRITES[area]
        assert (response.status_code < 400) == allowed, (area, response.status_code, response.json)
        if not allowed:
            assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"
    with fresh() as s:
        assert (s.query(Supplier).filter_by(code=f"S-{role}".upper()).count() == 1) == (role == "admin")
        assert (s.query(Receipt).filter_by(reference=f"R-{role}").count() == 1) == (role in WRITES["receipts"])


def test_the_readme_says_who_may_write():
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    api = readme.split("## API", 1)[1].split("\n## ", 1)[0]
    assert "writes need an\nadmin's" not in api
    for line in ("| POST | `/api/v1/receipts` | receiver, manager |",
                 "| POST | `/api/v1/scans` | operator, receiver, manager |"):
        assert line in api


# --- one commit, at the boundary ------------------------------------------------------------


def test_the_api_commits_only_at_its_boundary():
    """No commit hidden in a helper or a request hook: the operation decorator
    commits the request once (and writes the token's use in its own short
    transaction); the benchmark floor is its own boundary."""
    api = Path(__file__).parents[2] / "portal" / "api"
    commits = {path.name: path.read_text().count(".commit()") for path in api.glob("*.py")}
    assert {name: n for name, n in commits.items() if n} == {"schema.py": 1, "scans.py": 1}
    assert "after_request" not in (api / "auth.py").read_text()


# --- the document checker itself ----------------------------------------------------------


def test_the_checker_refuses_an_answer_outside_the_document(app):
    class Fake:
        status_code = 200
        mimetype = "application/json"

        def get_json(self):
            return {"items": [{"code": 1}], "next_after": None}

    with pytest.raises(AnswerOutsideTheDocument):
        OpenApiDocument(app).check("get", "/api/v1/suppliers", Fake())
    Fake.status_code = 418
    with pytest.raises(AnswerOutsideTheDocument, match="status not declared"):
        OpenApiDocument(app).check("get", "/api/v1/suppliers", Fake())


# --- a client generated from the document --------------------------------------------------

GENERATOR = shutil.which("openapi-python-client") or str(Path(os.sys.executable).with_name("openapi-python-client"))


@pytest.mark.skipif(not Path(GENERATOR).exists() and not IN_CI, reason="openapi-python-client is not installed")
def test_a_generated_client_builds_without_a_warning_grouped_by_tag(app, tmp_path):
    import json

    from portal.api.openapi import build_document

    with app.test_request_context():
        (tmp_path / "openapi.json").write_text(json.dumps(build_document(app)))
    # a PDF download (the return note) is a file to the client, as octet-stream is
    (tmp_path / "config.yaml").write_text("post_hooks: []\ncontent_type_overrides:\n"
                                          "  application/pdf: application/octet-stream\n")
    run = subprocess.run(
        [GENERATOR, "generate", "--path", "openapi.json", "--output-path", "client", "--meta", "none",
         "--config", "config.yaml", "--fail-on-warning"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "Warning" not in output and "warning" not in output, output
    groups = {p.name for p in (tmp_path / "client" / "api").iterdir() if p.is_dir()}
    assert groups == {"catalog", "consignment", "defects", "items", "meta", "recalls", "receipts", "reports",
                      "scans", "supplier_returns", "transfers"}
    assert (tmp_path / "client" / "api" / "receipts" / "create_receipt.py").exists()
