"""Customer returns through the API (issue 13 points 5 and 8): each outcome end to
end from a real ship scan, every refusal with its code; answers checked against the
OpenAPI document."""

import uuid

import pytest

from portal.catalog.services import QUARANTINE_BIN_CODE
from tests.api import sold_unit


@pytest.fixture
def sold(api_as, make_product, make_item, make_bin, make_warehouse):
    """SN-CR-1 sold under SO-CR-1; SN-CR-2 of the same product still in stock in WH-C/A-01-1."""
    return sold_unit(api_as, make_product, make_item, make_bin, make_warehouse, tag="CR", warehouse="WH-C")


def test_restock_puts_it_back_in_stock_with_its_condition(sold):
    response = sold.post("/api/v1/customer-returns", json={
        "serial": "sn-cr-1", "order_ref": "SO-CR-1", "outcome": "restock", "condition": "damaged",
        "warehouse": "WH-C", "bin": "A-01-1", "note": "<b>box torn</b>"})
    assert response.status_code == 201, response.json
    item = response.json["item"]
    assert item["status"] == "in_stock" and item["condition"] == "damaged" and item["bin"] == "A-01-1"
    assert response.json["in_warranty"] is True and response.json["warranty_ends_on"]
    assert [m["kind"] for m in item["movements"]][-2:] == ["shipped", "restocked"]  # the sale stays in history
    assert "<b>box torn</b>" in item["movements"][-1]["note"]
    again = sold.post("/api/v1/customer-returns", json={"serial": "SN-CR-1", "outcome": "defective",
                                                        "reason": "functional"})
    assert again.status_code == 409 and again.json["error"]["code"] == "not_sold"
    assert "in stock" in again.json["error"]["message"]


def test_defective_goes_to_quarantine_with_stage_customer_return(sold):
    response = sold.post("/api/v1/customer-returns", json={"serial": "SN-CR-1", "outcome": "defective",
                                                           "reason": "functional"})
    assert response.status_code == 201, response.json
    item = response.json["item"]
    assert item["status"] == "defective" and item["bin"] == QUARANTINE_BIN_CODE
    listed = sold.get("/api/v1/quarantine?warehouse=WH-C").json["items"]
    assert [(r["serial"], r["stage"]) for r in listed] == [("SN-CR-1", "customer_return")]


def test_exchange_sells_a_replacement_whose_warranty_ends_with_the_original(sold):
    before = sold.get("/api/v1/serials/SN-CR-1/warranty").json
    response = sold.post("/api/v1/customer-returns", json={
        "serial": "SN-CR-1", "outcome": "exchange", "reason": "dead_on_arrival", "replacement_serial": "SN-CR-2"})
    assert response.status_code == 201, response.json
    assert response.json["item"]["status"] == "defective"
    replacement = response.json["replacement"]
    assert replacement["status"] == "sold" and replacement["order_ref"] == "SO-CR-1"
    assert replacement["warranty_ends_on"] == before["warranty_ends_on"]
    looked = sold.get("/api/v1/serials/SN-CR-2/warranty").json
    assert looked["in_warranty"] is True and looked["warranty_ends_on"] == before["warranty_ends_on"]


def test_refusals_each_with_its_code(sold):
    post = lambda **body: sold.post("/api/v1/customer-returns", json=body)  # noqa: E731
    never = post(serial="SN-CR-3", outcome="restock", condition="regular", warehouse="WH-C", bin="A-01-1")
    assert never.status_code == 409 and never.json["error"]["code"] == "not_sold"
    assert "never sold" in never.json["error"]["message"]
    other = post(serial="SN-CR-1", order_ref="SO-OTHER", outcome="defective", reason="functional")
    assert other.status_code == 409 and other.json["error"]["code"] == "order_mismatch"
    assert "SO-CR-1" in other.json["error"]["message"]
    assert post(serial="NOPE-1", outcome="defective", reason="functional").status_code == 404
    for body in ({"outcome": "restock", "warehouse": "WH-C", "bin": "A-01-1"},  # no condition
                 {"outcome": "restock", "condition": "regular"},  # no bin
                 {"outcome": "defective"},  # no reason
                 {"outcome": "exchange", "reason": "functional"}):  # no replacement
        missing = post(serial="SN-CR-1", **body)
        assert missing.status_code == 422, body
    not_in_stock = post(serial="SN-CR-1", outcome="exchange", reason="functional", replacement_serial="SN-CR-1")
    assert not_in_stock.status_code == 409 and not_in_stock.json["error"]["code"] == "replacement_not_allowed"
    assert sold.get("/api/v1/serials/SN-CR-1").json["status"] == "sold"  # nothing written by the refusals


def test_a_later_sale_starts_a_new_warranty(sold):
    sold.post("/api/v1/customer-returns", json={"serial": "SN-CR-1", "outcome": "restock", "condition": "regular",
                                                "warehouse": "WH-C", "bin": "A-01-1"})
    back = sold.get("/api/v1/serials/SN-CR-1/warranty").json
    assert back["status"] == "in_stock" and back["in_warranty"] is False and back["order_ref"] == "SO-CR-1"
    shipped = sold.post("/api/v1/scans", json={"client_scan_id": uuid.uuid4().hex, "action": "ship",
                                              "serial": "SN-CR-1", "order_ref": "SO-CR-9"})
    assert shipped.json["result"] in ("accepted", "warning"), shipped.json
    again = sold.get("/api/v1/serials/SN-CR-1/warranty").json
    assert again["order_ref"] == "SO-CR-9" and again["in_warranty"] is True
    kinds = [m["kind"] for m in sold.get("/api/v1/serials/SN-CR-1").json["movements"]]
    assert kinds.count("shipped") == 2  # both sales in the history
