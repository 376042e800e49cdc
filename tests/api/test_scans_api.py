"""POST /api/v1/scans with "action": "defect" and "action": "return" (issue 13
point 8): answered like every other scan (refusals a 200 with the reason, a
replay the first answer), a missing field a 422; answers checked against the
OpenAPI document."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from portal.models import DefectReport, Movement, SerialItem
from tests.api import sold_unit


@pytest.fixture
def shop(api_as, make_product, make_item, make_bin, make_warehouse):
    """SN-SC-1 sold under SO-SC-1; SN-SC-2 and SN-SC-3 in stock in WH-S/A-01-1. Returns an operator's client."""
    return sold_unit(api_as, make_product, make_item, make_bin, make_warehouse, tag="SC", warehouse="WH-S")


def scan(client, **fields):
    return client.post("/api/v1/scans", json={"client_scan_id": uuid.uuid4().hex, **fields})


def counts(fresh):
    with fresh() as s:
        return (s.scalar(select(func.count()).select_from(Movement)),
                s.scalar(select(func.count()).select_from(DefectReport)))


def status_of(fresh, serial):
    with fresh() as s:
        return s.scalar(select(SerialItem.status).where(SerialItem.serial == serial))


def test_defect_with_a_stage_and_a_note(shop, fresh):
    response = scan(shop, action="defect", serial="sn-sc-2", reason="cosmetic", stage="receiving",
                    note="<i>scratch</i>")
    assert response.status_code == 200
    answer = response.json
    assert answer["result"] == "accepted" and answer["item"]["status"] == "defective"
    assert answer["item"]["bin"] == "WH-S/QUARANTINE"
    with fresh() as s:
        report = s.scalars(select(DefectReport)).one()
        assert (report.reason_code, report.stage_found, report.note) == ("cosmetic", "receiving", "<i>scratch</i>")


def test_defect_refusals_are_200_with_the_reason(shop, fresh):
    before = counts(fresh)
    for serial, reason, expected in [("SN-SC-2", "overheats", "not a defect reason in use"),
                                     ("SN-SC-1", "functional", "Customer return task"),
                                     ("NOPE-1", "functional", "Unknown serial NOPE-1")]:
        response = scan(shop, action="defect", serial=serial, reason=reason)
        assert response.status_code == 200
        assert response.json["result"] == "refused" and expected in response.json["message"], response.json
    assert counts(fresh) == before


def test_return_restock_in_warranty(shop, fresh):
    response = scan(shop, action="return", serial="SN-SC-1", order_ref="so-sc-1", outcome="restock",
                    condition="sample", warehouse="wh-s", bin="a-01-1")
    assert response.status_code == 200
    answer = response.json
    assert answer["result"] == "accepted", answer
    assert answer["item"]["status"] == "in_stock" and answer["item"]["bin"] == "WH-S/A-01-1"
    assert answer["warranty"]["in_warranty"] is True and answer["warranty"]["days_left"] > 300
    assert answer["replacement"] is None
    assert status_of(fresh, "SN-SC-1") == "in_stock"


def test_return_exchange_answers_the_replacement(shop, fresh):
    answer = scan(shop, action="return", serial="SN-SC-1", outcome="exchange", reason="dead_on_arrival",
                  replacement_serial="SN-SC-3").json
    assert answer["result"] == "accepted", answer
    assert answer["item"]["status"] == "defective" and answer["item"]["bin"] == "WH-S/QUARANTINE"
    assert answer["replacement"]["serial"] == "SN-SC-3" and answer["replacement"]["order_ref"] == "SO-SC-1"
    assert answer["replacement"]["warranty_ends_on"] == answer["item"]["warranty_ends_on"]


def test_return_refusals_are_200_with_the_reason_and_change_nothing(shop, fresh):
    before = counts(fresh)
    for fields, expected in [
        ({"serial": "SN-SC-2", "outcome": "defective", "reason": "functional"}, "never sold"),
        ({"serial": "SN-SC-1", "order_ref": "SO-OTHER", "outcome": "defective", "reason": "functional"},
         "sold under order SO-SC-1, not SO-OTHER"),
        ({"serial": "NOPE-1", "outcome": "defective", "reason": "functional"}, "Unknown serial NOPE-1"),
        ({"serial": "SN-SC-1", "outcome": "restock", "condition": "regular", "warehouse": "WH-S", "bin": "Z-9"},
         "No bin WH-S/Z-9"),
        ({"serial": "SN-SC-1", "outcome": "restock", "condition": "regular", "warehouse": "WH-S",
          "bin": "QUARANTINE"}, "not a storage bin"),
        ({"serial": "SN-SC-1", "outcome": "defective", "reason": "overheats"}, "not a defect reason in use"),
        ({"serial": "SN-SC-1", "outcome": "exchange", "reason": "functional", "replacement_serial": "SN-SC-1"},
         "the replacement is a unit"),
        ({"serial": "SN-SC-1", "outcome": "defective", "reason": "functional", "warehouse": "NOWHERE"},
         "no warehouse NOWHERE"),
    ]:
        response = scan(shop, action="return", **fields)
        assert response.status_code == 200, response.json
        assert response.json["result"] == "refused", response.json
        assert expected in response.json["message"], (expected, response.json["message"])
    assert counts(fresh) == before
    assert status_of(fresh, "SN-SC-1") == "sold"


@pytest.mark.parametrize(("fields", "code"), [
    ({"action": "defect"}, "reason_required"),
    ({"action": "return"}, "outcome_required"),
    ({"action": "return", "outcome": "refund"}, "unknown_outcome"),
    ({"action": "return", "outcome": "restock", "warehouse": "WH-S", "bin": "A-01-1"}, "condition_required"),
    ({"action": "return", "outcome": "restock", "condition": "regular", "bin": "A-01-1"}, "warehouse_required"),
    ({"action": "return", "outcome": "restock", "condition": "regular", "warehouse": "WH-S"}, "bin_required"),
    ({"action": "return", "outcome": "restock", "condition": "shiny", "warehouse": "WH-S", "bin": "A-01-1"},
     "unknown_condition"),
    ({"action": "return", "outcome": "defective"}, "reason_required"),
    ({"action": "return", "outcome": "exchange", "reason": "functional"}, "replacement_serial_required"),
    ({"action": "defect", "reason": "functional", "stage": "picking"}, "unknown_stage"),
])
def test_a_field_the_action_or_outcome_needs_is_a_422(shop, fresh, fields, code):
    before = counts(fresh)
    response = scan(shop, serial="SN-SC-1", **fields)
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == code
    assert counts(fresh) == before


def test_a_replayed_return_answers_the_first_answer_and_changes_nothing_twice(shop, fresh):
    body = {"client_scan_id": uuid.uuid4().hex, "action": "return", "serial": "SN-SC-1", "outcome": "exchange",
            "reason": "functional", "replacement_serial": "SN-SC-2"}
    first = shop.post("/api/v1/scans", json=body).json
    assert first["result"] == "accepted", first
    after_first = counts(fresh)
    again = shop.post("/api/v1/scans", json={**body, "replacement_serial": "SN-SC-3"}).json
    assert again["replayed"] is True and again["message"] == first["message"]
    assert again["replacement"]["serial"] == "SN-SC-2"
    assert counts(fresh) == after_first
    assert status_of(fresh, "SN-SC-3") == "in_stock"


def test_a_replayed_defect_changes_nothing_twice(shop, fresh):
    body = {"client_scan_id": uuid.uuid4().hex, "action": "defect", "serial": "SN-SC-2", "reason": "functional"}
    first = shop.post("/api/v1/scans", json=body).json
    after_first = counts(fresh)
    again = shop.post("/api/v1/scans", json=body).json
    assert first["result"] == "accepted" and again["replayed"] is True and again["message"] == first["message"]
    assert counts(fresh) == after_first


def test_the_document_names_the_new_actions_and_outcomes(client):
    document = client.get("/api/v1/openapi.json").json
    body = document["paths"]["/scans"]["post"]["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert set(body["action"]["enum"]) >= {"defect", "return"}
    outcome = body["outcome"]["anyOf"][0]
    assert outcome["enum"] == ["restock", "defective", "exchange"]
    assert {"reason", "stage", "note", "condition", "replacement_serial"} <= set(body)
    answer = document["components"]["schemas"]["ScanAnswer"]["properties"]
    assert {"warranty", "replacement"} <= set(answer)
