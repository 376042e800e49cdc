"""A small fixed warehouse whose report figures are worked out by hand in
the tests (see the comments on each unit). Times are relative to today (T),
so the current-status path of the aging report is the one exercised; the
ledger is written in time order so the as-of-a-past-date path works too."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest

from portal.auth.services import issue_token
from portal.catalog import services as catalog
from portal.extensions import db
from portal.models import DefectReport, Movement, Receipt, SerialItem, utcnow
from tests import factories

EVIL_NAME = "<script>alert(1)</script>"


@dataclass
class Warehouse:
    today: date
    manager_token: str
    receipt_id: int

    def days_ago(self, n: int) -> date:
        return self.today - timedelta(days=n)


def _at(today: date, days_ago: int, hour: int = 10, minute: int = 0, second: int = 0) -> datetime:
    return datetime(today.year, today.month, today.day, hour, minute, second) - timedelta(days=days_ago)


@pytest.fixture
def fixed_warehouse(app) -> Warehouse:
    with app.app_context():
        s = db.session
        today = utcnow().date()
        wh1 = catalog.create_warehouse(s, code="WH1", name="Main")
        wh2 = catalog.create_warehouse(s, code="WH2", name="North")
        a01 = catalog.create_bin(s, warehouse=wh1, code="A-01")
        a02 = catalog.create_bin(s, warehouse=wh1, code="A-02")
        b01 = catalog.create_bin(s, warehouse=wh2, code="B-01")
        acme = catalog.create_supplier(s, code="ACME", name="Acme Parts")
        evil = catalog.create_supplier(s, code="EVIL", name=EVIL_NAME)
        clean = catalog.create_supplier(s, code="CLEAN", name="Clean Co")
        solo = catalog.create_supplier(s, code="SOLO", name="Solo Ltd")
        bad = catalog.create_supplier(s, code="BAD", name="Bad Batch GmbH")
        p1 = catalog.create_product(s, sku="P-100", name="Router", unit_cost="10.00")
        p2 = catalog.create_product(s, sku="P-200", name="Battery pack", unit_cost="25.00", shelf_life_days=100)
        p3 = catalog.create_product(s, sku="P-300", name="Cable", unit_cost="4.00")
        manager = factories.user(s, role="manager")
        _, token = issue_token(s, user=manager, name="tests")
        receipt = Receipt(supplier_id=acme.id, warehouse_id=wh1.id, reference="PO-7", status="closed")
        s.add(receipt)
        s.flush()

        def unit(serial, product, supplier, received_days, *, bin=None, hour=10, minute=0, second=0,
                 cost=None, ownership="owned", condition="regular", receipt_id=None):
            """An item received ``received_days`` ago (None: never received) into ``bin``."""
            received = _at(today, received_days, hour, minute, second) if received_days is not None else None
            item = SerialItem(
                serial=serial, serial_key=serial.upper(), product_id=product.id, supplier_id=supplier.id,
                status="expected", condition=condition, ownership=ownership, unit_cost=cost,
                receipt_id=receipt_id, received_at=received,
                warehouse_id=bin.warehouse_id if bin else None,
            )
            s.add(item)
            s.flush()
            s.add(Movement(item_id=item.id, kind="listed", to_status="expected",
                           at=(received or _at(today, 400)) - timedelta(hours=1)))
            if received is not None:
                item.status, item.bin_id = "in_stock", bin.id
                s.add(Movement(item_id=item.id, kind="received", from_status="expected", to_status="in_stock",
                               to_bin_id=bin.id, at=received))
            s.flush()
            return item

        def leave(item, kind, to_status, days_ago, *, hour=10):
            s.add(Movement(item_id=item.id, kind=kind, from_status=item.status, to_status=to_status,
                           from_bin_id=item.bin_id, at=_at(today, days_ago, hour)))
            if to_status == "sold":
                item.sold_at = _at(today, days_ago, hour)
            item.status, item.bin_id = to_status, None
            s.flush()

        def defect(item, reason, days_ago, stage="storage", *, move=True):
            s.add(DefectReport(item_id=item.id, reason_code=reason, stage_found=stage,
                               reported_at=_at(today, days_ago, 11)))
            if move:
                leave(item, "defect", "defective", days_ago, hour=11)

        # --- in stock today (8 units, value 99.50, ages sum 936) -------------------------
        unit("S-TODAY", p1, acme, 0, bin=a01, hour=8, receipt_id=receipt.id)      # age 0   -> 0-30
        unit("S-B30", p1, acme, 30, bin=a01, hour=23, minute=59, second=59,
             receipt_id=receipt.id)                                                # age 30  -> 0-30 (boundary)
        unit("S-B31", p1, acme, 31, bin=a02, hour=0)                              # age 31  -> 31-60
        unit("S-OLD", p3, clean, 400, bin=b01, cost="3.50")                       # age 400 -> over 365
        unit("S-EXP", p2, clean, 95, bin=a02)                                     # age 95, expires T+5 (near)
        unit("S-EXPD", p2, evil, 120, bin=b01)                                    # age 120, expired T-20
        unit("S-SOLO", p3, solo, 200, bin=a01, ownership="consignment")           # age 200 -> 181-365
        unit("S-E1", p1, evil, 60, bin=a01, cost="12.00")                         # age 60  -> 31-60 (boundary)

        # --- shipped (FIFO: 4 shipments in the last 30 days, 2 oldest-first) ---------------
        old_ship = unit("S-SHIP-OLD", p1, acme, 90, bin=a01)
        leave(old_ship, "shipped", "sold", 45)                                    # outside the period
        ship2 = unit("S-SHIP2", p3, acme, 500, bin=a01)
        ship4 = unit("S-SHIP4", p1, acme, 80, bin=a01)
        ship3 = unit("S-SHIP3", p1, acme, 70, bin=a02)
        ship1 = unit("S-SHIP1", p1, acme, 50, bin=a01)
        clean_sold = [unit(f"C-SOLD{i}", p3, clean, 300, bin=b01) for i in (1, 2, 3)]
        for item in clean_sold:
            leave(item, "shipped", "sold", 250)

        # --- defects (cohort received in the last 364 days) -----------------------------
        d_a1 = unit("D-A1", p1, acme, 40, bin=a01)
        d_a2 = unit("D-A2", p1, acme, 100, bin=a02)
        d_e1 = unit("D-E1", p2, evil, 150, bin=b01)
        d_e2 = unit("D-E2", p2, evil, None)                                       # never received
        bad_units = [unit(f"BAD-{i}", p1, bad, 20, bin=a02) for i in range(6)]
        defect(d_e1, "dead_on_arrival", 140)                                      # 10 days
        defect(d_a2, "cosmetic", 60)                                              # 40 days (first report)
        defect(d_a1, "functional", 35)                                            # 5 days
        for item in bad_units[:5]:
            defect(item, "functional", 18)                                        # 2 days each
        leave(bad_units[5], "marked_missing", "missing", 19)
        defect(d_a2, "functional", 20, move=False)                                # a second report
        defect(d_e2, "wrong_item", 15, stage="receiving")                         # 0 days
        # shipments, in time order
        leave(ship3, "shipped", "sold", 10)   # S-SHIP4 (older) still in stock then: not oldest-first
        leave(ship4, "shipped", "sold", 8)    # oldest P-100 in WH1: oldest-first
        leave(ship1, "shipped", "sold", 5)    # S-E1 (received 60 days ago) in stock: not oldest-first
        leave(ship2, "shipped", "sold", 3)    # oldest P-300 in WH1: oldest-first
        s.commit()
        return Warehouse(today=today, manager_token=token, receipt_id=receipt.id)


@pytest.fixture
def manager(client_as):
    return client_as("manager")


@pytest.fixture
def weasyprint_warnings():
    """Everything WeasyPrint logs at WARNING or above while the test runs."""
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record):
            records.append(record)

    logger = logging.getLogger("weasyprint")
    handler = Collect(level=logging.WARNING)
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.WARNING)
    yield records
    logger.removeHandler(handler)
    logger.setLevel(old_level)
