"""Recalls through the API (issue 14, points 2, 9 and 10); every answer
checked against the OpenAPI document."""

import csv
import io

import pytest

from portal.exports import cell_text
from portal.extensions import db
from tests import factories


@pytest.fixture
def stock(app):
    """Supplier ACME: units R-1..R-3 in stock in WH-A (lot L7), R-4 sold on order ORD-1; X-1 of another supplier."""
    with app.app_context():
        s = db.session
        acme = factories.supplier(s, code="ACME")
        shelf = factories.bin_(s, warehouse_id=factories.warehouse(s, code="WH-A").id, code="S-1")
        for n in (1, 2, 3):
            factories.item(s, serial=f"R-{n}", supplier_id=acme.id, bin_id=shelf.id).lot = "L7"
        factories.item(s, serial="R-4", supplier_id=acme.id, status="sold", order_ref="ORD-1").lot = "L7"
        factories.item(s, serial="X-1", bin_id=shelf.id).lot = "L7"
        s.commit()


def test_open_list_quarantine_and_export_a_recall(app, api_as, stock):
    manager = api_as("manager")
    hostile = '=HYPERLINK("http://x")<script>alert(1)</script>'
    created = manager.post("/api/v1/recalls", json={"reason": hostile, "supplier": "acme", "lot": "L7",
                                                    "serials": ["R-1", "R-2", "R-3", "R-4", "GHOST-1"]})
    assert created.status_code == 201, created.json
    body = created.json
    assert (body["reason"], body["affected"], body["by_status"]) == (hostile, 4, {"in_stock": 3, "sold": 1})
    assert (body["unknown_serials"], body["message"]) == (["GHOST-1"], None)
    url = f"/api/v1/recalls/{body['id']}"
    shown = manager.get(url)
    assert shown.status_code == 200
    assert [(u["serial"], u["status"], u["warehouse"], u["bin"], u["order_ref"], u["channel"])
            for u in shown.json["units"]] == [("R-1", "in_stock", "WH-A", "S-1", None, None),
                                              ("R-2", "in_stock", "WH-A", "S-1", None, None),
                                              ("R-3", "in_stock", "WH-A", "S-1", None, None),
                                              ("R-4", "sold", None, None, "ORD-1", None)]
    assert shown.json["units"][3]["sold_at"].endswith("Z")
    assert [u["serial"] for u in manager.get(f"{url}?status=sold").json["units"]] == ["R-4"]
    bad = manager.get(f"{url}?status=lost")
    assert bad.status_code == 422 and bad.json["error"]["code"] == "invalid_status"
    first = manager.post(f"{url}/quarantine")
    assert (first.status_code, first.json) == (200, {"quarantined": 3})
    assert manager.post(f"{url}/quarantine").json == {"quarantined": 0}
    assert manager.get(url).json["by_status"] == {"defective": 3, "sold": 1}
    exported = manager.get(f"{url}/units.csv")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:5] == ["Serial", "SKU", "Product", "Lot", "Status"]
    assert [(cell_text(r[0]), r[4], r[7]) for r in rows[1:]] == [("R-1", "defective", ""), ("R-2", "defective", ""),
                                                                 ("R-3", "defective", ""), ("R-4", "sold", "ORD-1")]
    assert [r["id"] for r in manager.get("/api/v1/recalls").json["recalls"]] == [body["id"]]
    closed = manager.post(f"{url}/close")
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    late = manager.post(f"{url}/quarantine")
    assert late.status_code == 409 and late.json["error"]["code"] == "recall_closed"


def test_criteria_matching_nothing_give_an_empty_recall_not_an_error(app, api_as, stock):
    empty = api_as("manager").post("/api/v1/recalls", json={"reason": "x", "lot": "NO-SUCH-LOT"})
    assert empty.status_code == 201
    assert (empty.json["affected"], empty.json["by_status"]) == (0, {})
    assert "No unit matches" in empty.json["message"]


@pytest.mark.parametrize(("body", "status", "code", "field"), [
    ({"reason": "x"}, 422, "no_criteria", None),
    ({"supplier": "ACME"}, 422, "field_required", "reason"),
    ({"reason": "x", "received_from": "03/01/2026"}, 422, "invalid_date", "received_from"),
    ({"reason": "x", "received_to": "2026-13-01"}, 422, "invalid_date", "received_to"),
    ({"reason": "x", "receipts": ["one"]}, 422, "wrong_type", "receipts.0"),
    ({"reason": "x", "supplier": "NOPE"}, 404, "unknown_supplier", None),
    ({"reason": "x", "receipts": [424242]}, 404, "unknown_receipt", None),
])
def test_refusals_with_their_codes(app, api_as, stock, body, status, code, field):
    refused = api_as("manager").post("/api/v1/recalls", json=body)
    assert (refused.status_code, refused.json["error"]["code"]) == (status, code), refused.json
    if field:
        details = refused.json["error"].get("details") or {}
        assert field in details.get("fields", {}) or details.get("field") == field, details


def test_only_managers_open_and_quarantine_recalls(app, api_as, stock):
    opened = api_as("manager").post("/api/v1/recalls", json={"reason": "x", "supplier": "ACME"}).json
    for role in ("operator", "receiver"):
        client = api_as(role)
        assert client.post("/api/v1/recalls", json={"reason": "x", "supplier": "ACME"}).status_code == 403
        assert client.post(f"/api/v1/recalls/{opened['id']}/quarantine").status_code == 403
        assert client.get(f"/api/v1/recalls/{opened['id']}").status_code == 403
    assert api_as("admin").get(f"/api/v1/recalls/{opened['id']}").status_code == 200
    assert api_as("manager").get("/api/v1/recalls/999999").status_code == 404
