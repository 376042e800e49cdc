"""Issue 12.1, the failure as it was reported: two warehouses each have a bin
A-01, the portal prints their labels, and the station must put an item into
the bin whose label was scanned (a label without the warehouse was refused)."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.models import Movement, Receipt
from portal.reports.labels import bin_labels_pdf
from tests import factories
from tests.reports.test_labels import _decode


def test_a_printed_label_of_a_bin_code_two_warehouses_share_puts_away_into_its_own_warehouse(
        floor, scan, tmp_path):
    other = factories.warehouse(floor.session, code="WH-NORTH")
    other_a01 = factories.bin_(floor.session, warehouse_id=other.id, code="A-01")
    printed = {}
    for warehouse in (floor.warehouse, other):
        pdf = bin_labels_pdf(floor.session, warehouse_code=warehouse.code, bin_codes=["A-01"], prefix="BIN:")
        (printed[warehouse.code],) = _decode(pdf, tmp_path)  # what a handheld reads off the printed sheet
    assert printed == {floor.warehouse.code: f"BIN:{floor.warehouse.code}/A-01", "WH-NORTH": "BIN:WH-NORTH/A-01"}

    north_receipt = Receipt(supplier_id=floor.supplier.id, warehouse_id=other.id, reference="PO-NORTH")
    floor.session.add(north_receipt)
    floor.session.flush()
    for warehouse_code, bin_, receipt in ((floor.warehouse.code, floor.bin_a, floor.receipt),
                                          ("WH-NORTH", other_a01, north_receipt)):
        item = floor.item(status="expected", receipt_id=receipt.id)
        answer = scan("put_away", printed[warehouse_code], key=f"session-{warehouse_code}")
        assert answer["result"] == "accepted" and answer["context"]["bin"] == f"{warehouse_code}/A-01"
        answer = scan("put_away", item.serial, key=f"session-{warehouse_code}")
        assert answer["result"] == "accepted", answer["message"]
        floor.session.refresh(item)
        assert item.bin_id == bin_.id

    bare = scan("put_away", "BIN:A-01")  # an old label without the warehouse says what to print instead
    assert bare["result"] == "refused" and "several warehouses" in bare["message"]


def test_a_label_of_another_warehouse_is_refused_at_put_away_and_nothing_is_recorded(floor, scan):
    """Issue 12, bad input: an item received for one warehouse, scanned into a
    bin of another, is refused with what to do (before: put away without a word)."""
    other = factories.warehouse(floor.session, code="WH-SOUTH")
    factories.bin_(floor.session, warehouse_id=other.id, code="C-09")
    expected = floor.item(status="expected")
    in_stock = floor.item(status="in_stock", bin=floor.bin_b)
    ids = [expected.id, in_stock.id]
    before = floor.session.scalar(select(func.count()).select_from(Movement).where(Movement.item_id.in_(ids)))
    assert scan("put_away", "BIN:WH-SOUTH/C-09")["result"] == "accepted"  # the bin itself is a fine target
    for item, how in ((expected, "is expected in"), (in_stock, "is in")):
        answer = scan("put_away", item.serial)
        assert answer["result"] == "refused", answer["message"]
        assert f"{item.serial} {how} warehouse {floor.warehouse.code}" in answer["message"]
        assert f"scan a bin label of {floor.warehouse.code}. Nothing recorded." in answer["message"]
    floor.session.expire_all()
    assert expected.status == "expected" and in_stock.bin_id == floor.bin_b.id
    assert floor.session.scalar(
        select(func.count()).select_from(Movement).where(Movement.item_id.in_(ids))) == before
