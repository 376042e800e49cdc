"""Recalls through the services on both databases: criteria ANDed, the units
fixed when it opens, quarantine all or nothing and once, shipping refused
while open, the timeline, and every refusal with its code."""

from datetime import datetime

import pytest
from sqlalchemy import func, select

from portal.customer_returns import services as customer_returns
from portal.errors import Conflict, Invalid, NotFound
from portal.items.timeline import item_timeline
from portal.models import Bin, BinKind, DefectReport, ItemStatus, Movement, Receipt, utcnow
from portal.recalls import queries, services
from portal.scanning import services as scanning
from tests import factories


@pytest.fixture
def setting(session):
    """Supplier ACME with product P1 in two warehouses (lot L1 and L2), one sold, one from another supplier."""
    acme, other = factories.supplier(session, code="ACME"), factories.supplier(session, code="OTHER")
    p1, p2 = factories.product(session, sku="P1"), factories.product(session, sku="P2")
    wh1, wh2 = factories.warehouse(session, code="W1"), factories.warehouse(session, code="W2")
    b1, b2 = factories.bin_(session, warehouse_id=wh1.id), factories.bin_(session, warehouse_id=wh2.id)
    receipt = Receipt(supplier_id=acme.id, warehouse_id=wh1.id, reference="R-1")
    session.add(receipt)
    session.flush()
    items = {
        "A1": factories.item(session, serial="A1", supplier_id=acme.id, product_id=p1.id, bin_id=b1.id,
                             receipt_id=receipt.id, received_at=datetime(2026, 3, 1, 10)),
        "A2": factories.item(session, serial="A2", supplier_id=acme.id, product_id=p1.id, bin_id=b2.id,
                             received_at=datetime(2026, 3, 5, 23, 59)),
        "A3": factories.item(session, serial="A3", supplier_id=acme.id, product_id=p2.id, bin_id=b1.id,
                             received_at=datetime(2026, 4, 1)),
        "S1": factories.item(session, serial="S1", supplier_id=acme.id, product_id=p1.id, status="sold",
                             order_ref="ORD-9", received_at=datetime(2026, 3, 2)),
        "O1": factories.item(session, serial="O1", supplier_id=other.id, product_id=p1.id, bin_id=b1.id),
    }
    for serial, lot in (("A1", "L1"), ("A2", "L1"), ("A3", "L2"), ("S1", "L1"), ("O1", "L1")):
        items[serial].lot = lot
    session.flush()
    return items, receipt


def _open(session, **criteria):
    return services.open_recall(session, reason=criteria.pop("reason", "battery swell"), actor=None, **criteria)


def _serials(session, recall):
    return [u.serial for u in queries.units(session, recall.id)]


def test_criteria_are_anded_and_the_units_fixed_when_it_opens(session, setting):
    items, receipt = setting
    by_supplier = _open(session, supplier="acme").recall
    assert _serials(session, by_supplier) == ["A1", "A2", "A3", "S1"] and by_supplier.affected == 4
    assert _serials(session, _open(session, supplier="ACME", product="P1", lot="L1").recall) == ["A1", "A2", "S1"]
    assert _serials(session, _open(session, lot="L1", received_from="2026-03-02",
                                   received_to="2026-03-05").recall) == ["A2", "S1"]
    assert _serials(session, _open(session, receipts=[receipt.id]).recall) == ["A1"]
    listed = _open(session, serials=[" a1", "S1", "NOPE-1", "nope-1", "<b>X</b>"]).recall
    assert _serials(session, listed) == ["A1", "S1"]
    assert (listed.serials_given, listed.unknown_count, queries.unknown_serials(listed)) == (
        5, 2, ["NOPE-1", "<b>X</b>"])
    assert _serials(session, _open(session, serials=["A1", "A3"], product="P1").recall) == ["A1"]
    # fixed: a unit received later for the same supplier is not added
    factories.item(session, serial="A9", supplier_id=by_supplier.supplier_id)
    assert by_supplier.affected == 4 and len(_serials(session, by_supplier)) == 4


def test_criteria_matching_nothing_give_an_empty_recall_with_a_message(session, setting):
    opened = _open(session, supplier="ACME", lot="NO-SUCH-LOT")
    assert opened.recall.id and opened.recall.affected == 0 and opened.message == services.EMPTY_MESSAGE
    assert _open(session, serials=["UNKNOWN-1"]).recall.affected == 0
    assert services.quarantine(session, recall_id=opened.recall.id, actor=None) == 0


def test_refusals_name_their_code_and_field(session, setting):
    for criteria, code, field in (({}, "no_criteria", None), ({"lot": "   "}, "no_criteria", None),
                                  ({"received_from": "01/03/2026"}, "invalid_date", "received_from"),
                                  ({"received_to": "2026-02-30"}, "invalid_date", "received_to"),
                                  ({"received_from": "2026-03-05", "received_to": "2026-03-01"}, "invalid_range",
                                   "received_from"),
                                  ({"supplier": "ACME", "reason": "  "}, "reason_required", "reason")):
        with pytest.raises(Invalid) as refused:
            _open(session, **criteria)
        assert refused.value.code == code, criteria
        assert (refused.value.details or {}).get("field") == field
    for criteria, code in (({"supplier": "NOPE"}, "unknown_supplier"), ({"product": "NOPE"}, "unknown_product"),
                           ({"receipts": [999999]}, "unknown_receipt")):
        with pytest.raises(NotFound) as missing:
            _open(session, **criteria)
        assert missing.value.code == code
    with pytest.raises(Invalid) as bad:
        services.receipt_numbers("12, abc")
    assert bad.value.details == {"field": "receipts"}
    assert services.receipt_numbers("#12, 15 17") == [12, 15, 17]


def test_quarantine_moves_every_unit_in_stock_once_into_its_warehouse_quarantine(session, setting):
    items, _ = setting
    manager = factories.user(session, role="manager")
    recall = _open(session, supplier="ACME", reason="<script>alert(1)</script> =1+1").recall
    assert services.quarantine(session, recall_id=recall.id, actor=manager) == 3
    assert services.quarantine(session, recall_id=recall.id, actor=manager) == 0  # a second run changes nothing
    for serial in ("A1", "A2", "A3"):
        item = items[serial]
        session.refresh(item)
        assert item.status == ItemStatus.DEFECTIVE
        assert session.get(Bin, item.bin_id).kind == BinKind.QUARANTINE
        assert session.get(Bin, item.bin_id).warehouse_id == item.warehouse_id
        defects = session.scalars(select(Movement).where(Movement.item_id == item.id, Movement.kind == "defect"))
        assert len(defects.all()) == 1
        report = session.scalars(select(DefectReport).where(DefectReport.item_id == item.id)).one()
        assert (report.reason_code, report.stage_found, report.note) == ("recall", "storage", f"recall #{recall.id}")
    session.refresh(items["S1"])
    assert items["S1"].status == ItemStatus.SOLD
    progress = queries.Progress.of(recall.affected, queries.by_status(session, recall.id))
    assert (progress.affected, progress.located, progress.in_stock, progress.quarantined, progress.sold,
            progress.returned) == (4, 4, 0, 3, 1, 0)
    assert recall.reason == "<script>alert(1)</script> =1+1"
    words = [(e.what, tuple(e.facts)) for e in item_timeline(session, items["A1"].id)]
    assert (f"In recall #{recall.id}", (recall.reason,)) in words
    assert any(what == "Flagged defective" and "reason: recall, found at storage" in facts for what, facts in words)


def test_quarantine_is_all_or_nothing_when_a_warehouse_has_no_quarantine_bin(session, setting):
    items, _ = setting
    recall = _open(session, supplier="ACME").recall
    quarantine_bin = session.scalars(select(Bin).where(Bin.warehouse_id == items["A2"].warehouse_id,
                                                       Bin.kind == BinKind.QUARANTINE)).one()
    quarantine_bin.kind = BinKind.STORAGE  # no quarantine bin in W2 any more
    session.flush()
    before = session.scalar(select(func.count()).select_from(Movement))
    with pytest.raises(Conflict) as refused:
        services.quarantine(session, recall_id=recall.id, actor=None)
    assert refused.value.code == "no_quarantine" and "W2" in refused.value.message
    assert session.scalar(select(func.count()).select_from(Movement)) == before
    assert session.scalar(select(func.count()).select_from(DefectReport)) == 0


def _ship(session, serial, actor):
    return scanning.record_scan(session, actor=actor, client_scan_id=f"ship-{serial}-{utcnow().timestamp()}",
                                task="ship", code=serial, order_ref="ORD-1")


def test_an_open_recall_refuses_shipping_with_the_recall_named_and_a_closed_one_does_not(session, setting):
    items, _ = setting
    operator = factories.user(session, role="operator")
    recall = _open(session, serials=["A1"], reason="Faulty charger").recall
    assert services.shipping_refusal(session, items["A2"]) is None
    refusal = services.shipping_refusal(session, items["A1"])
    assert f"recall #{recall.id}" in refusal and "Faulty charger" in refusal
    answer = _ship(session, "A1", operator)
    assert answer["result"] == "refused" and f"recall #{recall.id}" in answer["message"]
    session.refresh(items["A1"])
    assert items["A1"].status == ItemStatus.IN_STOCK
    services.close(session, recall_id=recall.id, actor=None)
    assert services.shipping_refusal(session, items["A1"]) is None
    with pytest.raises(Conflict) as closed:
        services.quarantine(session, recall_id=recall.id, actor=None)
    assert closed.value.code == "recall_closed"


def test_a_recalled_unit_is_refused_as_an_exchange_replacement(session, setting):
    items, _ = setting
    recall = _open(session, serials=["A2"]).recall
    with pytest.raises(Conflict) as refused:
        customer_returns.take_return(session, serial="S1", outcome="exchange", actor=None, reason="functional",
                                     replacement_serial="A2", warehouse="W1")
    assert refused.value.code == "recalled" and f"recall #{recall.id}" in refused.value.message
