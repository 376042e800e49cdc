"""The demo warehouse: what a manager would recognise, deterministic, and a
ledger that agrees with every item. The plan is checked without a database;
the loaded warehouse once per database (loaded through the CLI command)."""

from collections import Counter
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal import create_app
from portal.catalog.services import clean_gtin
from portal.demo import DEMO_LOGINS, plan_demo
from portal.extensions import db
from portal.items.ledger import can_transition
from portal.models import (
    Bin,
    DefectReport,
    ItemStatus,
    Movement,
    Product,
    Receipt,
    SerialItem,
    Supplier,
    Warehouse,
    utcnow,
)
from tests.conftest import _empty_all_tables, _test_config

NOW = datetime(2026, 6, 1, 12, 0, 0)


@pytest.fixture(scope="module")
def plan():
    return plan_demo(seed=42, now=NOW)


def test_same_seed_gives_the_same_warehouse(plan):
    again = plan_demo(seed=42, now=NOW + timedelta(days=3))  # ages are relative to now
    assert [i.serial for i in again.items] == [i.serial for i in plan.items]
    assert [i.status for i in again.items] == [i.status for i in plan.items]
    other = plan_demo(seed=7, now=NOW)
    assert {i.serial for i in other.items} != {i.serial for i in plan.items}


#: The demo is also seeded into the 0004 schema by the migration tests, which
#: knows no status added since (scrapped, migration 0009): it plans the others.
DEMO_STATUSES = set(ItemStatus) - {ItemStatus.SCRAPPED, ItemStatus.IN_TRANSIT}


def test_plan_has_about_20000_unique_serials_in_every_status(plan):
    assert len(plan.items) == 20_000
    assert len({i.serial.upper() for i in plan.items}) == 20_000
    counts = Counter(i.status for i in plan.items)
    assert set(counts) == DEMO_STATUSES
    assert counts[ItemStatus.IN_STOCK] > 5_000 and counts[ItemStatus.SOLD] > 5_000
    assert all(counts[s] >= 100 for s in DEMO_STATUSES)


def test_every_planned_change_is_allowed_and_in_order(plan):
    for item in plan.items:
        previous = None
        for movement in item.movements:
            assert movement["from_status"] == previous
            assert can_transition(previous, movement["to_status"])
            previous = movement["to_status"]
        times = [m["at"] for m in item.movements]
        assert times == sorted(times) and times[-1] < NOW
        assert previous == item.status


# --- loaded into SQLite and PostgreSQL ------------------------------------------------


@pytest.fixture(scope="module")
def demo(database_url, tmp_path_factory):
    """The demo loaded once per database through `flask seed-demo`; emptied afterwards."""
    app = create_app(_test_config(database_url, tmp_path_factory.mktemp("demo")))
    with app.app_context():  # as `flask` does for every command
        result = app.test_cli_runner().invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
        db.session.remove()
    yield app, result.output
    _empty_all_tables(app)


@pytest.fixture
def s(demo):
    app, _ = demo
    with app.app_context():
        yield db.session
        db.session.rollback()


def test_cli_prints_the_summary_with_its_time_and_the_logins(demo):
    _, output = demo
    assert "Demo warehouse loaded in " in output and " s (seed 42)" in output
    assert "20,000 serials" in output and "6 suppliers" in output and "40 products" in output
    for username, password, role in DEMO_LOGINS:
        assert f"{username:10} {password:14} {role}" in output


def test_second_load_is_refused_cleanly(demo):
    app, _ = demo
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["seed-demo"])
        db.session.remove()
    assert result.exit_code != 0
    assert "already a user called admin" in result.output


def test_master_data_a_manager_would_recognise(s):
    assert s.scalar(select(func.count()).select_from(Warehouse)) == 2
    bins = s.scalar(select(func.count()).select_from(Bin))
    assert 200 <= bins <= 500
    assert s.scalar(select(func.count()).select_from(Bin).where(Bin.kind == "quarantine")) == 2
    names = set(s.scalars(select(Supplier.name)))
    assert len(names) == 6 and "Société Générale d'Électronique" in names
    products = s.scalars(select(Product)).all()
    assert len(products) == 40
    phones = [p for p in products if p.sku.startswith("PHN-")]
    assert phones and all(clean_gtin(p.gtin) == p.gtin for p in phones)
    assert any(p.shelf_life_days for p in products if p.sku.startswith("TON-"))


def test_serials_match_the_plan_and_cover_every_status(s, plan):
    serials = sorted(s.scalars(select(SerialItem.serial)))
    assert serials == sorted(i.serial for i in plan.items)  # deterministic across runs
    counts = dict(s.execute(select(SerialItem.status, func.count()).group_by(SerialItem.status)).all())
    assert counts == dict(Counter(i.status for i in plan.items))
    assert set(counts) == DEMO_STATUSES


def test_realistic_ages_conditions_and_ownership(s):
    now = utcnow()
    old = s.scalar(select(func.count()).where(
        SerialItem.status == ItemStatus.IN_STOCK, SerialItem.received_at < now - timedelta(days=365)))
    assert old > 100
    conditions = dict(s.execute(select(SerialItem.condition, func.count()).group_by(SerialItem.condition)).all())
    assert {"regular", "sample", "damaged", "refurbished"} <= set(conditions)
    consignment = s.scalar(select(func.count()).where(SerialItem.ownership == "consignment"))
    assert 500 < consignment < 10_000
    expired_toner = s.scalar(select(func.count()).where(SerialItem.expires_at.is_not(None)))
    assert expired_toner > 0
    with_lot = s.scalar(select(func.count()).where(SerialItem.lot.is_not(None)))
    assert 0 < with_lot <= s.scalar(select(func.count()).where(SerialItem.expires_at.is_not(None)))


def test_sold_items_have_order_sale_date_and_warranty(s):
    rows = s.execute(
        select(SerialItem.order_ref, SerialItem.sold_at, SerialItem.warranty_ends_on, Product.warranty_months)
        .join(Product).where(SerialItem.status == ItemStatus.SOLD)
    ).all()
    assert len(rows) > 5_000
    for order_ref, sold_at, warranty_ends_on, months in rows:
        assert order_ref.startswith("SO-") and sold_at is not None
        assert (warranty_ends_on is not None) == (months > 0)
        if months:
            assert warranty_ends_on > sold_at.date()


def test_receipts_open_and_closed_own_their_serials(s):
    assert s.scalar(select(func.count()).where(SerialItem.receipt_id.is_(None))) == 0
    by_receipt_status = dict(s.execute(
        select(Receipt.status, func.count(SerialItem.id)).join(SerialItem, SerialItem.receipt_id == Receipt.id)
        .where(SerialItem.status == ItemStatus.EXPECTED).group_by(Receipt.status)
    ).all())
    assert set(by_receipt_status) == {"open"}  # only open receipts still expect items
    assert s.scalar(select(func.count()).where(Receipt.status == "closed", Receipt.closed_at.is_(None))) == 0
    assert s.scalar(select(func.count()).where(Receipt.status == "open")) >= 3


def test_ledger_agrees_with_every_item(s):
    items = {i: (status, bin_id) for i, status, bin_id in
             s.execute(select(SerialItem.id, SerialItem.status, SerialItem.bin_id))}
    previous: dict[int, str | None] = {}
    last_bin: dict[int, int | None] = {}
    for item_id, from_status, to_status, from_bin, to_bin in s.execute(
        select(Movement.item_id, Movement.from_status, Movement.to_status, Movement.from_bin_id,
               Movement.to_bin_id).order_by(Movement.item_id, Movement.id)
    ):
        assert from_status == previous.get(item_id)
        assert can_transition(from_status, to_status)
        assert from_bin == last_bin.get(item_id)
        previous[item_id], last_bin[item_id] = to_status, to_bin
    assert set(previous) == set(items)
    for item_id, (status, bin_id) in items.items():
        assert previous[item_id] == status  # latest movement's to_status is the item's status
        assert last_bin[item_id] == bin_id


def test_defective_items_sit_in_quarantine_and_defects_skew_to_one_supplier(s):
    kinds = set(s.scalars(
        select(Bin.kind).join(SerialItem, SerialItem.bin_id == Bin.id).where(SerialItem.status == "defective")))
    assert kinds == {"quarantine"}
    per_supplier = s.execute(
        select(Supplier.code, func.count(DefectReport.id)).join(SerialItem, SerialItem.supplier_id == Supplier.id)
        .join(DefectReport, DefectReport.item_id == SerialItem.id).group_by(Supplier.code)
        .order_by(func.count(DefectReport.id).desc())
    ).all()
    (worst, worst_count), (_, runner_up) = per_supplier[0], per_supplier[1]
    assert worst == "PACIFIC" and worst_count > 1.5 * runner_up
    defect_moves = s.scalar(select(func.count()).where(Movement.kind == "defect"))
    assert s.scalar(select(func.count()).select_from(DefectReport)) == defect_moves
