"""Defect reasons, flagging a defect, quarantine, repair and scrap through the
API (issue 13, points 1-3 and 8); every answer checked against the OpenAPI document."""

import pytest
from sqlalchemy import func, select

from portal.catalog.services import QUARANTINE_BIN_CODE
from portal.extensions import db
from portal.models import DefectReport, ItemStatus, Movement, SerialItem


@pytest.fixture
def in_stock(make_item, make_bin, make_warehouse):
    """An item in a storage bin of warehouse WH-D (which has its quarantine bin)."""
    warehouse = make_warehouse(code="WH-D")
    shelf = make_bin(warehouse_id=warehouse.id, code="A-01-1")
    return make_item(serial="SN-DEF-1", bin_id=shelf.id)


def _movements(app, item_id):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Movement).where(Movement.item_id == item_id))


def test_the_six_reasons_are_there_and_an_admin_adds_one(api_as):
    body = api_as("operator").get("/api/v1/defect-reasons").json
    assert {r["code"] for r in body} >= {"dead_on_arrival", "functional", "cosmetic", "missing_parts",
                                         "wrong_item", "other"}
    assert all(r["active"] for r in body)
    admin = api_as("admin")
    created = admin.post("/api/v1/defect-reasons", json={"code": "overheats", "name": "Overheats"})
    assert created.status_code == 201 and created.json == {"code": "overheats", "name": "Overheats", "active": True}
    again = admin.post("/api/v1/defect-reasons", json={"code": "overheats", "name": "Again"})
    assert again.status_code == 409 and again.json["error"]["code"] == "duplicate"
    assert api_as("manager").post("/api/v1/defect-reasons", json={"code": "x", "name": "X"}).status_code == 403


def test_flagging_a_defect_moves_the_item_to_quarantine_with_its_report(app, api_as, in_stock):
    operator = api_as("operator")
    note = "<script>alert(1)</script> smells burnt"
    response = operator.post("/api/v1/serials/sn-def-1/defects",
                             json={"reason": "functional", "stage": "storage", "note": note})
    assert response.status_code == 201, response.json
    item, defect = response.json["item"], response.json["defect"]
    assert item["status"] == "defective" and item["bin"] == QUARANTINE_BIN_CODE and item["warehouse"] == "WH-D"
    assert item["movements"][-1]["kind"] == "defect"
    assert defect["reason"] == "functional" and defect["stage"] == "storage" and defect["note"] == note
    assert defect["by"] == operator.user.username and defect["at"].endswith("Z")

    again = operator.post("/api/v1/serials/SN-DEF-1/defects", json={"reason": "functional", "stage": "storage"})
    assert again.status_code == 409 and again.json["error"]["code"] == "status_not_allowed"
    assert "defective" in again.json["error"]["message"]

    listed = operator.get("/api/v1/quarantine?warehouse=wh-d").json["items"]
    assert [(r["serial"], r["reason"], r["stage"], r["days"]) for r in listed] == [
        ("SN-DEF-1", "functional", "storage", 0)]


def test_flag_refusals_each_with_its_code(app, api_as, in_stock, make_item):
    operator = api_as("operator")
    unknown = operator.post("/api/v1/serials/SN-DEF-1/defects", json={"reason": "melted", "stage": "storage"})
    assert unknown.status_code == 422 and unknown.json["error"]["code"] == "unknown_reason"
    bad_stage = operator.post("/api/v1/serials/SN-DEF-1/defects", json={"reason": "functional", "stage": "moon"})
    assert bad_stage.status_code == 422
    missing = operator.post("/api/v1/serials/NOPE-1/defects", json={"reason": "functional", "stage": "storage"})
    assert missing.status_code == 404
    sold = make_item(serial="SN-SOLD-1", status=ItemStatus.SOLD)
    refused = operator.post(f"/api/v1/serials/{sold.serial}/defects", json={"reason": "cosmetic",
                                                                             "stage": "storage"})
    assert refused.status_code == 409 and refused.json["error"]["code"] == "status_not_allowed"
    assert _movements(app, in_stock.id) == 2  # listed, received: nothing written by the refusals


def test_an_inactive_reason_is_refused(app, api_as, in_stock):
    from portal.defects.services import set_reason_active

    with app.app_context():
        set_reason_active(db.session, code="cosmetic", active=False)
        db.session.commit()
    response = api_as("operator").post("/api/v1/serials/SN-DEF-1/defects", json={"reason": "cosmetic",
                                                                                  "stage": "storage"})
    assert response.status_code == 422 and response.json["error"]["code"] == "unknown_reason"


def test_repair_brings_it_back_refurbished_and_scrap_ends_it(app, api_as, in_stock, make_item):
    api_as("operator").post("/api/v1/serials/SN-DEF-1/defects", json={"reason": "functional", "stage": "storage"})
    assert api_as("operator").post("/api/v1/serials/SN-DEF-1/repair",
                                   json={"warehouse": "WH-D", "bin": "A-01-1"}).status_code == 403
    receiver = api_as("receiver")
    into_quarantine = receiver.post("/api/v1/serials/SN-DEF-1/repair", json={"warehouse": "WH-D",
                                                                              "bin": QUARANTINE_BIN_CODE})
    assert into_quarantine.status_code == 422
    repaired = receiver.post("/api/v1/serials/SN-DEF-1/repair",
                             json={"warehouse": "wh-d", "bin": "a-01-1", "note": "new PSU"})
    assert repaired.status_code == 200, repaired.json
    assert repaired.json["status"] == "in_stock" and repaired.json["condition"] == "refurbished"
    assert repaired.json["bin"] == "A-01-1"
    assert repaired.json["movements"][-1]["kind"] == "restocked"
    assert receiver.post("/api/v1/serials/SN-DEF-1/scrap", json={"note": "x"}).status_code == 403
    manager = api_as("manager")
    not_defective = manager.post("/api/v1/serials/SN-DEF-1/scrap", json={"note": "broken"})
    assert not_defective.status_code == 409 and not_defective.json["error"]["code"] == "status_not_allowed"

    api_as("operator").post("/api/v1/serials/SN-DEF-1/defects", json={"reason": "dead_on_arrival",
                                                                       "stage": "storage"})
    assert manager.post("/api/v1/serials/SN-DEF-1/scrap", json={}).status_code == 422
    scrapped = manager.post("/api/v1/serials/SN-DEF-1/scrap", json={"note": "board burnt <b>out</b>"})
    assert scrapped.status_code == 200, scrapped.json
    assert scrapped.json["status"] == "scrapped" and scrapped.json["bin"] is None
    assert scrapped.json["movements"][-1]["note"] == "board burnt <b>out</b>"
    assert api_as("operator").get("/api/v1/quarantine?warehouse=WH-D").json == {"items": []}
    with app.app_context():
        assert db.session.get(SerialItem, in_stock.id).status == "scrapped"
        assert db.session.scalar(select(func.count()).select_from(DefectReport)) == 2


def test_quarantine_filters_and_oldest_first(app, api_as, make_warehouse, make_bin, make_item, make_supplier):
    warehouse = make_warehouse(code="WH-Q")
    shelf = make_bin(warehouse_id=warehouse.id, code="A-02-1")
    acme, other = make_supplier(code="ACME"), make_supplier(code="OTHER")
    operator = api_as("operator")
    for serial, supplier, reason in [("Q-1", acme, "cosmetic"), ("Q-2", other, "functional"),
                                     ("Q-3", acme, "functional")]:
        make_item(serial=serial, bin_id=shelf.id, supplier_id=supplier.id)
        assert operator.post(f"/api/v1/serials/{serial}/defects",
                             json={"reason": reason, "stage": "storage"}).status_code == 201
    every = operator.get("/api/v1/quarantine?warehouse=WH-Q").json["items"]
    assert [r["serial"] for r in every] == ["Q-1", "Q-2", "Q-3"]
    assert [r["serial"] for r in operator.get("/api/v1/quarantine?warehouse=WH-Q&supplier=acme").json["items"]] \
        == ["Q-1", "Q-3"]
    assert [r["serial"] for r in operator.get(
        "/api/v1/quarantine?warehouse=WH-Q&supplier=ACME&reason=functional").json["items"]] == ["Q-3"]
    assert operator.get("/api/v1/quarantine?warehouse=NOWHERE").status_code == 404
    assert operator.get("/api/v1/quarantine").status_code == 422


def _quarantine(app, **kwargs) -> list[str]:
    from tests.defects import quarantine_of

    with app.app_context():
        serials = quarantine_of(db.session, **kwargs)
        db.session.commit()
    return serials


def test_without_paging_every_item_comes_in_one_answer_of_the_exact_shape(app, api_as):
    oldest_first = _quarantine(app, warehouse="WH-L", count=130, unreported=2)
    body = api_as("operator").get("/api/v1/quarantine?warehouse=WH-L").json
    assert list(body) == ["items"]
    assert [r["serial"] for r in body["items"]] == oldest_first  # the two without a report first
    assert set(body["items"][0]) == {"serial", "sku", "supplier", "reason", "stage", "since", "days"}
    assert body["items"][0]["since"] is None and body["items"][0]["days"] is None
    third = body["items"][2]
    assert (third["sku"], third["supplier"], third["stage"], third["days"]) == ("Q-PRODUCT", "OTHER", "storage", 10)
    assert third["since"].endswith("Z") and "." not in third["since"]


def test_limit_and_after_walk_the_quarantine_in_order_with_the_filters(app, api_as):
    oldest_first = _quarantine(app, warehouse="WH-L", count=130, unreported=2)
    operator = api_as("operator")
    for filters, expected in [("", oldest_first),
                              ("&supplier=acme&reason=functional", None)]:
        every = operator.get(f"/api/v1/quarantine?warehouse=WH-L{filters}").json["items"]
        walked, cursor, pages = [], None, 0
        while True:
            url = f"/api/v1/quarantine?warehouse=WH-L{filters}&limit=40" + (f"&after={cursor}" if cursor else "")
            page = operator.get(url).json
            assert len(page["items"]) <= 40
            walked += page["items"]
            pages += 1
            cursor = page["next"]
            if cursor is None:
                break
        assert walked == every and pages == -(-len(every) // 40)
        if expected:
            assert [r["serial"] for r in walked] == expected
        else:
            assert {(r["supplier"], r["reason"]) for r in walked} == {("ACME", "functional")} and len(walked) == 22
    exact = operator.get("/api/v1/quarantine?warehouse=WH-L&limit=132").json
    assert len(exact["items"]) == 132 and exact["next"] is None


def test_a_bad_limit_or_cursor_is_refused_by_name(app, api_as):
    _quarantine(app, warehouse="WH-L", count=3)
    operator = api_as("operator")
    for bad in ["limit=0", "limit=1001", "limit=ten", "after=nonsense", "after=eHl6", "after=" + "A" * 300]:
        response = operator.get(f"/api/v1/quarantine?warehouse=WH-L&{bad}")
        assert response.status_code == 422, bad
        assert list(response.json["error"]["details"]["fields"]) == [bad.split("=")[0]], bad
    assert operator.get("/api/v1/quarantine?warehouse=WH-L&after=eHl6").json["error"]["code"] == "invalid_cursor"


def test_the_quarantine_answer_runs_the_same_statements_for_3_items_as_for_130(app, api_as, statements):
    operator = api_as("operator")
    _quarantine(app, warehouse="WH-S", count=3)
    _quarantine(app, warehouse="WH-M", count=130)
    operator.get("/api/v1/quarantine?warehouse=WH-S")  # the token's use is noted once a minute: now
    counts = []
    for warehouse in ("WH-S", "WH-M"):
        for query in ("", "&supplier=ACME&reason=cosmetic", "&limit=50"):
            with statements() as seen:
                assert operator.get(f"/api/v1/quarantine?warehouse={warehouse}{query}").status_code == 200
            counts.append(len(seen))
    assert counts[:3] == counts[3:]
