"""The scan station's customer return task and the defect task's details, through
the scan service on both databases (issue 13 points 2 and 5): the warranty check
before the outcome, each outcome, and every refusal with nothing changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.defects import services as defects
from portal.models import Bin, BinKind, DefectReport, Movement, SerialItem, utcnow
from portal.scanning import services
from portal.scanning.services import ReturnScan
from portal.warranty import add_months


def quarantine(floor):
    return floor.session.scalars(select(Bin).where(Bin.warehouse_id == floor.warehouse.id,
                                                   Bin.kind == BinKind.QUARANTINE)).one()


def count_movements(floor) -> int:
    return floor.session.scalar(select(func.count()).select_from(Movement))


@pytest.fixture
def sold(floor, scan):
    """``sold(order_ref, days_ago=0)``: an item in stock shipped on that order at the station,
    ``days_ago`` days back (its warranty of 12 months from then)."""
    def make(order_ref="SO-1001", *, days_ago=0):
        item = floor.item(status="in_stock", bin=floor.bin_a)
        key = f"ship-{order_ref}"
        scan("ship", order_ref, key=key)
        assert scan("ship", item.serial, key=key)["result"] in ("accepted", "warning")
        floor.session.refresh(item)
        if days_ago:
            item.sold_at = utcnow() - timedelta(days=days_ago)
            item.warranty_ends_on = add_months(item.sold_at.date(), 12)
            floor.session.flush()
        return item
    return make


@pytest.fixture
def take(floor, scan):
    """``take(serial, outcome, **what_it_needs)``: a return scan as the station sends it."""
    def do(serial, outcome, **fields):
        return scan("return", serial, customer_return=ReturnScan(outcome=outcome, **fields))
    return do


def check(floor, code, order_ref=None):
    return services.return_check(floor.session, code=code, order_ref=order_ref, settings=services.ScanSettings())


# --- the warranty check -----------------------------------------------------------------


def test_the_check_shows_the_sale_and_whether_it_is_in_warranty(floor, sold):
    fresh, old = sold("SO-1001"), sold("SO-1002", days_ago=400)
    before = count_movements(floor)
    inside = check(floor, fresh.serial.lower(), "so-1001")
    assert inside["result"] == "accepted"
    assert (inside["serial"], inside["sku"], inside["order_ref"]) == (fresh.serial, floor.product.sku, "SO-1001")
    assert inside["sold_on"] == utcnow().date() and inside["warranty_ends_on"] == fresh.warranty_ends_on
    assert inside["in_warranty"] is True and inside["verdict"] == "in warranty"
    assert inside["days"] == f"{(fresh.warranty_ends_on - utcnow().date()).days} days left"
    outside = check(floor, old.serial)
    assert outside["in_warranty"] is False and outside["verdict"] == "out of warranty"
    assert outside["days"] == f"{(utcnow().date() - old.warranty_ends_on).days} days over"
    assert count_movements(floor) == before  # a read


def test_the_check_refuses_saying_which(floor, sold):
    item, never = sold("SO-1001"), floor.item(status="in_stock")
    unknown = check(floor, "NO-SUCH-SERIAL")
    assert unknown["result"] == "refused" and "Unknown serial NO-SUCH-SERIAL" in unknown["message"]
    not_sold = check(floor, never.serial)
    assert not_sold["result"] == "refused" and not_sold["code"] == "not_sold"
    assert "never sold" in not_sold["message"]
    mismatch = check(floor, item.serial, "SO-9999")
    assert mismatch["result"] == "refused" and mismatch["code"] == "order_mismatch"
    assert "sold under order SO-1001, not SO-9999" in mismatch["message"]
    assert "bin label" in check(floor, floor.label(floor.bin_a))["message"]
    order = check(floor, "SO-2002")  # an order reference scanned where the serial is due
    assert order == {"result": "order", "order_ref": "SO-2002",
                     "message": "Order SO-2002: now scan the returned serial."}


# --- the outcomes ---------------------------------------------------------------------------


def test_back_in_stock_with_a_condition_into_a_scanned_bin(floor, sold, take):
    item = sold("SO-1001")
    answer = take(item.serial, "restock", order_ref="SO-1001", condition="damaged", bin=floor.label(floor.bin_b))
    assert answer["result"] == "accepted", answer["message"]
    assert answer["warranty"]["in_warranty"] is True and answer["warranty"]["days_left"] > 300
    assert f"back in stock in {floor.warehouse.code}/B-02 as damaged" in answer["message"]
    floor.session.refresh(item)
    assert (item.status, item.bin_id, item.condition) == ("in_stock", floor.bin_b.id, "damaged")
    last = floor.session.scalars(select(Movement).where(Movement.item_id == item.id)
                                 .order_by(Movement.id.desc()).limit(1)).one()
    assert (last.kind, last.client_scan_id) == ("restocked", answer["client_scan_id"])
    assert answer["item"]["status"] == "in_stock" and answer["item"]["bin"] == f"{floor.warehouse.code}/B-02"
    assert answer["undoable"] is False


def test_defective_out_of_warranty_goes_to_quarantine_found_at_customer_return(floor, sold, take):
    item = sold("SO-1001", days_ago=400)
    answer = take(item.serial, "defective", reason="functional", note="no picture <b>")
    assert answer["result"] == "accepted", answer["message"]
    assert answer["warranty"]["in_warranty"] is False and "out of warranty" in answer["message"]
    assert f"take it to {floor.warehouse.code}/QUARANTINE" in answer["message"]
    floor.session.refresh(item)
    assert (item.status, item.bin_id) == ("defective", quarantine(floor).id)
    report = floor.session.scalars(select(DefectReport).where(DefectReport.item_id == item.id)).one()
    assert (report.reason_code, report.stage_found, report.note) == ("functional", "customer_return", "no picture <b>")


def test_an_exchange_sells_a_replacement_on_the_same_order_keeping_the_warranty_end(floor, sold, take):
    item = sold("SO-1001", days_ago=100)
    replacement = floor.item(status="in_stock", bin=floor.bin_b)
    answer = take(item.serial, "exchange", reason="dead_on_arrival", replacement_serial=replacement.serial.lower())
    assert answer["result"] == "accepted", answer["message"]
    assert f"Give the customer {replacement.serial}" in answer["message"]
    assert answer["replacement"]["serial"] == replacement.serial
    assert answer["replacement"]["order_ref"] == "SO-1001"
    floor.session.refresh(item)
    floor.session.refresh(replacement)
    assert item.status == "defective" and item.bin_id == quarantine(floor).id
    assert (replacement.status, replacement.order_ref) == ("sold", "SO-1001")
    assert replacement.warranty_ends_on == item.warranty_ends_on
    assert answer["replacement"]["warranty_ends_on"] == item.warranty_ends_on.isoformat()


# --- refusals: each a refused scan, nothing changed ---------------------------------------


@pytest.mark.parametrize(("outcome", "fields", "expected"), [
    ("restock", {"bin": "BIN:{wh}/B-02"}, "needs a condition"),
    ("restock", {"condition": "regular"}, "needs a bin"),
    ("restock", {"condition": "shiny", "bin": "BIN:{wh}/B-02"}, "'shiny' is not a condition"),
    ("restock", {"condition": "regular", "bin": "BIN:{wh}/Z-99"}, "No bin {wh}/Z-99"),
    ("restock", {"condition": "regular", "bin": "BIN:{wh}/QUARANTINE"}, "not a storage bin"),
    ("defective", {}, "needs a reason"),
    ("defective", {"reason": "overheats"}, "'overheats' is not a defect reason in use"),
    ("defective", {"reason": "cosmetic"}, "'cosmetic' is not a defect reason in use"),  # deactivated
    ("exchange", {"reason": "functional"}, "needs a replacement_serial"),
    ("exchange", {"reason": "functional", "replacement_serial": "NOPE-1"}, "No item has the serial NOPE-1"),
    ("exchange", {"reason": "functional", "replacement_serial": "{sold}"}, "the replacement is a unit"),
    ("refund", {}, "'refund' is not an outcome"),
    ("restock", {"order_ref": "SO-7", "condition": "regular", "bin": "BIN:{wh}/B-02"},
     "sold under order SO-1001, not SO-7"),
])
def test_a_return_missing_or_wrong_in_what_its_outcome_needs_is_refused(floor, sold, take, outcome, fields, expected):
    defects.set_reason_active(floor.session, code="cosmetic", active=False)
    item, other = sold("SO-1001"), sold("SO-1002")
    fill = {"wh": floor.warehouse.code, "sold": other.serial}
    before = count_movements(floor)
    answer = take(item.serial, outcome, **{k: v.format(**fill) for k, v in fields.items()})
    assert answer["result"] == "refused"
    assert expected.format(**fill) in answer["message"]
    assert count_movements(floor) == before
    floor.session.refresh(item)
    assert item.status == "sold"
    assert floor.session.scalar(select(func.count()).select_from(DefectReport)) == 0


def test_a_return_of_an_unknown_never_sold_or_bin_label_code_is_refused(floor, take):
    never = floor.item(status="in_stock")
    before = count_movements(floor)
    unknown = take("NO-SUCH-1", "defective", reason="functional")
    assert unknown["result"] == "refused" and "Unknown serial NO-SUCH-1" in unknown["message"]
    not_sold = take(never.serial, "defective", reason="functional")
    assert not_sold["result"] == "refused" and "never sold" in not_sold["message"]
    label = take(floor.label(floor.bin_a), "defective", reason="functional")
    assert label["result"] == "refused" and "bin label" in label["message"]
    assert count_movements(floor) == before


def test_a_return_is_not_undone_at_the_station(floor, sold, take):
    item = sold("SO-1001")
    answer = take(item.serial, "restock", condition="regular", bin=floor.label(floor.bin_b))
    undo = services.undo_scan(floor.session, actor=floor.user, client_scan_id="undo-return-1",
                              target_scan_id=answer["client_scan_id"], page_task="return")
    assert undo["result"] == "refused" and "not undone at the station" in undo["message"]
    floor.session.refresh(item)
    assert item.status == "in_stock"


def test_a_refused_part_leaves_nothing_half_done(floor, sold, take):
    """An exchange whose warehouse has no quarantine bin is refused after the checks
    passed: neither the original nor the replacement has changed."""
    item = sold("SO-1001")
    replacement = floor.item(status="in_stock", bin=floor.bin_b)
    floor.session.delete(quarantine(floor))
    floor.session.flush()
    before = count_movements(floor)
    answer = take(item.serial, "exchange", reason="functional", replacement_serial=replacement.serial)
    assert answer["result"] == "refused" and "no quarantine bin" in answer["message"]
    assert count_movements(floor) == before
    assert floor.session.scalars(select(SerialItem.status).where(
        SerialItem.id.in_((item.id, replacement.id))).order_by(SerialItem.id)).all() == ["sold", "in_stock"]


# --- the defect task's details ---------------------------------------------------------------


def test_a_defect_scan_takes_a_stage_and_a_note(floor, scan):
    item = floor.item(status="in_stock")
    answer = scan("defect", item.serial, defect_reason="missing_parts", defect_stage="receiving", note="no cable")
    assert answer["result"] == "accepted", answer["message"]
    report = floor.session.scalars(select(DefectReport).where(DefectReport.item_id == item.id)).one()
    assert (report.reason_code, report.stage_found, report.note) == ("missing_parts", "receiving", "no cable")


def test_a_sold_item_in_the_defect_task_is_sent_to_the_customer_return_task(floor, scan, sold):
    item = sold("SO-1001")
    before = count_movements(floor)
    answer = scan("defect", item.serial, defect_reason="functional")
    assert answer["result"] == "refused" and "Customer return task" in answer["message"]
    assert "order SO-1001" in answer["message"]
    assert count_movements(floor) == before


@pytest.mark.parametrize(("status", "expected"), [
    ("missing", "is missing: it cannot be flagged defective"),
    ("returned_to_supplier", "is returned to supplier: it cannot be flagged defective"),
])
def test_the_defect_task_refuses_what_cannot_become_defective(floor, scan, status, expected):
    item = floor.item(status=status)
    before = count_movements(floor)
    answer = scan("defect", item.serial, defect_reason="functional")
    assert answer["result"] == "refused" and expected in answer["message"]
    assert count_movements(floor) == before


def test_the_defect_task_refuses_an_unknown_stage(floor, scan):
    item = floor.item(status="in_stock")
    answer = scan("defect", item.serial, defect_reason="functional", defect_stage="picking")
    assert answer["result"] == "refused" and "'picking' is not a stage" in answer["message"]
