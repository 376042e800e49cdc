"""Stock aging by history (issue 14 points 4 and 5): a past as-of date uses the
condition and ownership each unit had then (the ledger's from/to, through
portal.items.as_of), today the current ones; units in transit have their own
line (page, PDF, CSV, JSON, API) under the warehouse they left, and a transfer
does not restart their age. Both databases.

The world, relative to today T (every movement written in time order):
  R-DMG   WH-A  received T-100, regular; damaged at T-10
  R-REG   WH-A  received T-100, regular throughout
  C-BUY   WH-A  received T-100, consignment; bought out (owned) at T-10
  T-MOVE  WH-A  received T-50; dispatched at T-3: in transit now (from WH-A)
  T-DONE  WH-A  received T-60; dispatched at T-10, arrived in WH-B at T-2
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest

from portal.auth.services import issue_token
from portal.catalog import services as catalog
from portal.extensions import db
from portal.items import condition_changes, ledger
from portal.models import Bin, ItemStatus, MovementKind, SerialItem, utcnow
from tests import factories


def received(s, serial: str, *, product_id: int, supplier_id: int, bin_id: int, at: datetime,
             ownership: str = "owned") -> SerialItem:
    """A unit listed the day before ``at`` and received into the bin at ``at``, through the ledger."""
    item = SerialItem(serial=serial, serial_key=serial, product_id=product_id, supplier_id=supplier_id,
                      status="expected", condition="regular", ownership=ownership)
    s.add(item)
    s.flush()
    ledger.list_item(s, item, actor=None, at=at - timedelta(days=1))
    ledger.transition(s, item, to_status=ItemStatus.IN_STOCK, kind=MovementKind.RECEIVED, actor=None,
                      to_bin=s.get(Bin, bin_id), at=at)
    item.received_at = at
    s.flush()
    return item


@pytest.fixture
def history(app):
    with app.app_context():
        s = db.session
        now = utcnow().replace(microsecond=0)
        wh_a = catalog.create_warehouse(s, code="WH-A", name="South")
        wh_b = catalog.create_warehouse(s, code="WH-B", name="North")
        a01 = catalog.create_bin(s, warehouse=wh_a, code="A-01")
        b01 = catalog.create_bin(s, warehouse=wh_b, code="B-01")
        product = catalog.create_product(s, sku="P-T", name="Tablet", unit_cost="20.00")
        supplier = catalog.create_supplier(s, code="SUP-T", name="Tabs Ltd")
        manager = factories.user(s, role="manager", username="mona")
        _, token = issue_token(s, user=manager, name="tests")

        def days_ago(n: int, hour: int = 10) -> datetime:
            return now.replace(hour=hour, minute=0, second=0) - timedelta(days=n)

        def unit(serial: str, days: int, *, ownership: str = "owned") -> SerialItem:
            return received(s, serial, product_id=product.id, supplier_id=supplier.id, bin_id=a01.id,
                            at=days_ago(days), ownership=ownership)

        damaged, _, bought = unit("R-DMG", 100), unit("R-REG", 100), unit("C-BUY", 100, ownership="consignment")
        moving, arrived = unit("T-MOVE", 50), unit("T-DONE", 60)
        ledger.transition(s, arrived, to_status=ItemStatus.IN_TRANSIT, kind=MovementKind.DISPATCHED, actor=None,
                          at=days_ago(10))
        condition_changes.change(s, item=damaged, attribute="condition", value="damaged", note="<b>dropped</b>",
                                 actor=manager, at=days_ago(10, hour=11))
        condition_changes.change(s, item=bought, attribute="ownership", value="owned", note="bought out",
                                 actor=manager, at=days_ago(10, hour=12))
        ledger.transition(s, moving, to_status=ItemStatus.IN_TRANSIT, kind=MovementKind.DISPATCHED, actor=None,
                          at=days_ago(3))
        ledger.transition(s, arrived, to_status=ItemStatus.IN_STOCK, kind=MovementKind.ARRIVED, actor=None,
                          to_bin=b01, at=days_ago(2))
        s.commit()
        return {"today": now.date(), "token": token, "bin_a": a01.id, "product": product.id,
                "supplier": supplier.id}


def _report(manager, history, days_back: int | None = None, **filters) -> dict:
    query = dict(filters)
    if days_back is not None:
        query["as_of"] = (history["today"] - timedelta(days=days_back)).isoformat()
    return manager.get("/reports/stock-aging.json", query_string=query).get_json()


def _serials(body) -> set[str]:
    return {row["serial"] for row in body["tables"]["oldest"]["rows"]}


def test_a_past_date_shows_the_condition_each_unit_had_then(manager, history):
    then = _report(manager, history, 20, condition="regular")
    assert _serials(then) == {"R-DMG", "R-REG", "C-BUY", "T-MOVE", "T-DONE"}
    assert then["summary"]["units"] == 5
    assert _report(manager, history, 20, condition="damaged")["summary"]["units"] == 0
    # after the change (5 days ago) and today: damaged
    assert _serials(_report(manager, history, 5, condition="damaged")) == {"R-DMG"}
    assert _serials(_report(manager, history, condition="damaged")) == {"R-DMG"}
    assert "R-DMG" not in _serials(_report(manager, history, condition="regular"))


def test_a_past_date_shows_the_ownership_each_unit_had_then(manager, history):
    assert _serials(_report(manager, history, 20, ownership="consignment")) == {"C-BUY"}
    assert _report(manager, history, 5, ownership="consignment")["summary"]["units"] == 0
    assert _report(manager, history, ownership="consignment")["summary"]["units"] == 0
    assert "C-BUY" in _serials(_report(manager, history, ownership="owned"))
    assert "C-BUY" not in _serials(_report(manager, history, 20, ownership="owned"))


def test_the_approximation_note_is_gone(manager, history):
    notes = " ".join(_report(manager, history, 20)["notes"])
    assert "today's" not in notes and "does not record" not in notes
    assert "in transit" in notes


def test_stock_in_transit_is_its_own_line_and_keeps_its_age(manager, history):
    today = _report(manager, history)
    assert today["summary"]["units"] == 4  # T-MOVE is not in stock
    assert today["summary"]["in_transit_units"] == 1
    assert today["summary"]["in_transit_value"] == pytest.approx(20.0)
    [line] = today["tables"]["in_transit"]["rows"]
    assert (line["warehouse_code"], line["units"], line["oldest_age"]) == ("WH-A", 1, 50)
    assert "T-MOVE" not in _serials(today)
    # T-DONE arrived in WH-B: in stock there, aging from its first receipt (60 days), not from its arrival
    arrived = next(r for r in today["tables"]["oldest"]["rows"] if r["serial"] == "T-DONE")
    assert (arrived["warehouse"], arrived["bin"], arrived["age_days"]) == ("WH-B", "B-01", 60)
    by_warehouse = {r["warehouse_code"]: r["units"] for r in today["tables"]["by_warehouse"]["rows"]}
    assert by_warehouse == {"WH-A": 3, "WH-B": 1}


def test_a_past_date_shows_what_was_in_transit_then(manager, history):
    then = _report(manager, history, 5)  # T-DONE on its way from WH-A, T-MOVE still in stock in WH-A
    [line] = then["tables"]["in_transit"]["rows"]
    assert (line["warehouse_code"], line["units"], line["oldest_age"]) == ("WH-A", 1, 55)
    assert then["summary"]["in_transit_units"] == 1
    assert _serials(then) == {"R-DMG", "R-REG", "C-BUY", "T-MOVE"}
    before = _report(manager, history, 20)  # nothing had left yet
    assert before["summary"]["in_transit_units"] == 0 and before["tables"]["in_transit"]["rows"] == []
    # the warehouse filter takes the warehouse the units left
    assert _report(manager, history, 5, warehouse="WH-B")["tables"]["in_transit"]["rows"] == []
    assert len(_report(manager, history, warehouse="WH-A")["tables"]["in_transit"]["rows"]) == 1
    assert _report(manager, history, warehouse="WH-B")["summary"]["in_transit_units"] == 0


def test_the_in_transit_line_in_csv_pdf_and_the_api(manager, client, history, pdf_text, tmp_path):
    download = manager.get("/reports/stock-aging.csv?table=in_transit")
    assert download.status_code == 200
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["From", "Warehouse", "Units"] and rows[1][:3] == ["WH-A", "South", "1"]
    pdf = manager.get("/reports/stock-aging.pdf")
    text = " ".join(" ".join(pdf_text(pdf.data, tmp_path)).split())
    assert "In transit between warehouses" in text and "Units in transit" in text
    api = client.get("/api/v1/reports/stock-aging", headers={"Authorization": f"Bearer {history['token']}"})
    assert api.status_code == 200
    assert api.get_json()["summary"]["in_transit_units"] == 1
    assert api.get_json()["tables"]["in_transit"]["rows"][0]["warehouse_code"] == "WH-A"


def test_fifo_counts_a_shipment_by_the_condition_the_unit_had_when_it_shipped(app, manager, history):
    with app.app_context():
        s = db.session
        a01 = s.get(Bin, history["bin_a"])
        now = utcnow()
        item = received(s, "S-BACK", product_id=history["product"], supplier_id=history["supplier"], bin_id=a01.id,
                        at=now - timedelta(days=40))
        ledger.transition(s, item, to_status=ItemStatus.SOLD, kind=MovementKind.SHIPPED, actor=None,
                          at=now - timedelta(days=6))
        ledger.transition(s, item, to_status=ItemStatus.IN_STOCK, kind=MovementKind.RESTOCKED, actor=None,
                          to_bin=a01, to_condition="damaged", at=now - timedelta(days=4))  # a customer return
        s.commit()
    regular = _report(manager, history, condition="regular")["summary"]["fifo"]
    assert regular["denominator"] == 1  # it shipped regular, though it is damaged now
    assert _report(manager, history, condition="damaged")["summary"]["fifo"]["denominator"] == 0
    assert _report(manager, history, 1, condition="regular")["summary"]["fifo"]["denominator"] == 1


def test_a_unit_that_went_missing_in_transit_was_in_transit_before(app, manager, history):
    with app.app_context():
        s = db.session
        now = utcnow()
        item = received(s, "T-LOST", product_id=history["product"], supplier_id=history["supplier"],
                        bin_id=history["bin_a"], at=now - timedelta(days=30))
        ledger.transition(s, item, to_status=ItemStatus.IN_TRANSIT, kind=MovementKind.DISPATCHED, actor=None,
                          at=now - timedelta(days=8))
        ledger.transition(s, item, to_status=ItemStatus.MISSING, kind=MovementKind.MARKED_MISSING, actor=None,
                          note="transfer closed without it", at=now - timedelta(days=4))
        s.commit()
    then = _report(manager, history, 6)  # T-LOST and T-DONE on their way from WH-A
    assert then["summary"]["in_transit_units"] == 2
    assert then["tables"]["in_transit"]["rows"][0]["oldest_age"] == 54  # T-DONE: received 60 days ago
    assert _report(manager, history)["summary"]["in_transit_units"] == 1  # only T-MOVE now
