"""The ledger is the one writer of movements and of an item's status, bin,
warehouse, condition and ownership; the database keeps it append-only."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import DBAPIError

from portal.errors import Conflict, Invalid
from portal.extensions import db
from portal.items import ledger
from portal.models import Bin, BinKind, ItemStatus, Movement, MovementKind, SerialItem
from tests import factories

PORTAL = Path(__file__).resolve().parents[2] / "portal"
LEDGER = PORTAL / "items" / "ledger.py"
#: The benchmark floor (registered only with BENCHMARK_ENDPOINTS) writes a column to itself: no change.
ITEM_UPDATES_ALLOWED = {PORTAL / "api" / "scans.py"}
RAW_WRITE = re.compile(r"\b(INSERT\s+INTO|UPDATE|DELETE\s+FROM|COPY)\s+movements\b", re.IGNORECASE)
WRITES = {"insert", "update", "delete"}


def _writers(path: Path) -> list[str]:
    """Where a module writes the ledger (or an item's row) itself."""
    found = []
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            target = node.args[0] if node.args else None
            target_name = getattr(target, "id", None) or getattr(target, "attr", None)
            if name == "Movement":
                found.append(f"{path.name}:{node.lineno} constructs Movement(...)")
            elif name in WRITES and target_name in ("Movement", "movements"):
                found.append(f"{path.name}:{node.lineno} {name}(Movement)")
            elif name == "update" and target_name == "SerialItem" and path not in ITEM_UPDATES_ALLOWED:
                found.append(f"{path.name}:{node.lineno} update(SerialItem)")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and RAW_WRITE.search(node.value):
            found.append(f"{path.name}:{node.lineno} writes movements in SQL text")
    return found


def test_no_module_but_the_ledger_writes_movements_or_moves_items():
    offenders = [
        hit for path in sorted(PORTAL.rglob("*.py")) if path != LEDGER and "migrations" not in path.parts
        for hit in _writers(path)
    ]
    assert offenders == [], "only portal/items/ledger.py may write the ledger:\n" + "\n".join(offenders)


def test_the_scan_finds_a_writer(tmp_path):
    """The check above would see each way of writing movements."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "session.add(Movement(item_id=1))\n"
        "session.execute(insert(Movement).values(item_id=1))\n"
        "session.execute(text('insert into movements (item_id) values (1)'))\n"
        "session.execute(update(SerialItem).values(status='sold'))\n"
    )
    assert len(_writers(sample)) == 4


# --- append-only in the database ------------------------------------------------------------


@pytest.mark.parametrize("statement", ["UPDATE movements SET note = 'rewritten'", "DELETE FROM movements"])
def test_the_database_refuses_to_change_or_remove_a_movement(app, statement):
    with app.app_context():
        item = factories.item(db.session, status=ItemStatus.IN_STOCK)
        db.session.commit()
        with pytest.raises(DBAPIError) as refused:
            db.session.execute(text(statement))
        assert "append-only" in str(refused.value)
        db.session.rollback()
        kept = db.session.scalars(select(Movement.note).where(Movement.item_id == item.id)).all()
        assert len(kept) == 2 and "rewritten" not in kept


def test_the_orm_refuses_too(session):
    item = factories.item(session, status=ItemStatus.IN_STOCK)
    movement = session.scalars(select(Movement).where(Movement.item_id == item.id)).first()
    movement.note = "rewritten"
    with pytest.raises(RuntimeError, match="append-only"):
        session.flush()


def test_a_movement_naming_a_warehouse_that_does_not_exist_is_refused(app):
    with app.app_context():
        item = factories.item(db.session, status=ItemStatus.IN_STOCK)
        db.session.commit()
        with pytest.raises(DBAPIError):
            db.session.execute(text(
                "INSERT INTO movements (item_id, kind, to_status, to_warehouse_id, at) "
                f"VALUES ({item.id}, 'moved', 'in_stock', 987654, CURRENT_TIMESTAMP)"))
            db.session.flush()
        db.session.rollback()


# --- one item ----------------------------------------------------------------------------------


def test_a_move_to_another_warehouse_records_both_warehouses_and_undo_puts_it_back(session):
    item = factories.item(session, status=ItemStatus.IN_STOCK)
    home = item.warehouse_id
    elsewhere = factories.bin_(session)
    moved = ledger.transition(session, item, to_status=ItemStatus.IN_STOCK, kind=MovementKind.MOVED, actor=None,
                              to_bin=elsewhere)
    session.flush()
    assert (moved.from_warehouse_id, moved.to_warehouse_id) == (home, elsewhere.warehouse_id)
    assert item.warehouse_id == elsewhere.warehouse_id
    undo = ledger.reverse_last_movement(session, item, actor=None)
    session.flush()
    assert item.warehouse_id == home and item.status == ItemStatus.IN_STOCK
    assert (undo.from_warehouse_id, undo.to_warehouse_id) == (elsewhere.warehouse_id, home)


def test_a_move_within_the_warehouse_records_no_warehouse_change(session):
    item = factories.item(session, status=ItemStatus.IN_STOCK)
    other = factories.bin_(session, warehouse_id=item.warehouse_id)
    moved = ledger.transition(session, item, to_status=ItemStatus.IN_STOCK, kind=MovementKind.MOVED, actor=None,
                              to_bin=other)
    assert (moved.from_warehouse_id, moved.to_warehouse_id) == (None, None)
    assert (moved.from_condition, moved.to_condition, moved.from_ownership, moved.to_ownership) == (None,) * 4


def test_a_condition_change_is_a_movement_and_leaves_status_and_bin(session):
    user = factories.user(session)
    item = factories.item(session, status=ItemStatus.IN_STOCK)
    bin_id = item.bin_id
    movement = ledger.change_condition(session, item, condition="damaged", actor=user, note="dropped <b>")
    session.flush()
    assert item.condition == "damaged" and item.status == ItemStatus.IN_STOCK and item.bin_id == bin_id
    assert (movement.kind, movement.from_condition, movement.to_condition) == ("condition_changed", "regular",
                                                                               "damaged")
    assert (movement.from_bin_id, movement.to_bin_id, movement.actor_id) == (bin_id, bin_id, user.id)
    assert movement.note == "dropped <b>"
    ledger.reverse_last_movement(session, item, actor=None)
    session.flush()
    assert item.condition == "regular"


def test_an_ownership_change_is_a_movement(session):
    item = factories.item(session, status=ItemStatus.IN_STOCK, ownership="consignment")
    movement = ledger.change_ownership(session, item, ownership="owned", actor=None, note="bought out")
    session.flush()
    assert item.ownership == "owned"
    assert (movement.kind, movement.from_ownership, movement.to_ownership) == ("ownership_changed", "consignment",
                                                                               "owned")
    with pytest.raises(Conflict) as unchanged:
        ledger.change_ownership(session, item, ownership="owned", actor=None)
    assert unchanged.value.code == "ownership_unchanged"


@pytest.mark.parametrize("value", ["broken", "", "=cmd|' /C calc'!A0", "<script>"])
def test_an_unknown_condition_is_refused_and_changes_nothing(session, value):
    item = factories.item(session, status=ItemStatus.IN_STOCK)
    before = session.scalar(select(func.count()).select_from(Movement))
    with pytest.raises(Invalid) as refused:
        ledger.change_condition(session, item, condition=value, actor=None)
    assert refused.value.code == "unknown_condition"
    session.flush()
    assert item.condition == "regular"
    assert session.scalar(select(func.count()).select_from(Movement)) == before


def test_a_status_change_can_carry_a_condition(session):
    """A repaired unit comes back in stock, refurbished: one movement."""
    item = factories.item(session, status=ItemStatus.DEFECTIVE)
    shelf = factories.bin_(session, warehouse_id=item.warehouse_id)
    movement = ledger.transition(session, item, to_status=ItemStatus.IN_STOCK, kind=MovementKind.RESTOCKED,
                                 actor=None, to_bin=shelf, to_condition="refurbished")
    session.flush()
    assert (item.status, item.condition, item.bin_id) == ("in_stock", "refurbished", shelf.id)
    assert (movement.from_status, movement.to_condition) == ("defective", "refurbished")


def test_a_status_outside_a_bin_can_name_its_warehouse(session):
    """What a transfer between warehouses needs: no bin, a new warehouse, in the movement."""
    item = factories.item(session, status=ItemStatus.IN_STOCK)
    source = item.warehouse_id
    destination = factories.warehouse(session)
    movement = ledger.transition(session, item, to_status=ItemStatus.MISSING, kind=MovementKind.MARKED_MISSING,
                                 actor=None, to_warehouse=destination)
    session.flush()
    assert item.bin_id is None and item.warehouse_id == destination.id
    assert (movement.from_warehouse_id, movement.to_warehouse_id) == (source, destination.id)


# --- in bulk -----------------------------------------------------------------------------------


def _count_statements(fn):
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        result = fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return result, len(statements)


def _quarantine(session, warehouse_id):
    return session.scalar(select(Bin).where(Bin.warehouse_id == warehouse_id, Bin.kind == BinKind.QUARANTINE))


def test_a_bulk_change_writes_one_movement_per_item_in_a_fixed_number_of_statements(session):
    """A recall's quarantine: items in several bins go defective into the quarantine bin."""
    warehouse = factories.warehouse(session)
    bins = [factories.bin_(session, warehouse_id=warehouse.id) for _ in range(3)]
    product = factories.product(session)
    counts = {}
    for n in (2, 30):
        made = [factories.item(session, status=ItemStatus.IN_STOCK, product_id=product.id,
                               bin_id=bins[i % 3].id, serial=f"BULK{n}-{i}") for i in range(n)]
        session.commit()
        ids = [i.id for i in made]
        quarantine = _quarantine(session, warehouse.id)
        changed, counts[n] = _count_statements(lambda ids=ids, q=quarantine: ledger.bulk_transition(
            session, where=SerialItem.id.in_(ids), to_status=ItemStatus.DEFECTIVE, kind=MovementKind.DEFECT,
            actor=None, to_bin_id=q.id, note="recall R-1"))
        assert changed == n
        session.commit()
        latest = session.scalars(select(Movement).where(Movement.item_id.in_(ids), Movement.kind == "defect")
                                 .order_by(Movement.item_id)).all()
        assert [m.from_bin_id for m in latest] == [bins[i % 3].id for i in range(n)]
        assert {(m.to_bin_id, m.from_status, m.to_status, m.note) for m in latest} == {
            (quarantine.id, "in_stock", "defective", "recall R-1")}
        assert {(m.from_warehouse_id, m.to_warehouse_id) for m in latest} == {(None, None)}
        statuses = session.scalars(select(SerialItem.bin_id).where(SerialItem.id.in_(ids))).all()
        assert set(statuses) == {quarantine.id}
    assert counts[2] == counts[30] <= 4, counts


def test_a_bulk_change_is_all_or_nothing(session):
    bin_ = factories.bin_(session)
    fine = factories.item(session, status=ItemStatus.IN_STOCK, bin_id=bin_.id)
    sold = factories.item(session, status=ItemStatus.SOLD)
    session.commit()
    before = session.scalar(select(func.count()).select_from(Movement))
    with pytest.raises(Invalid) as refused:
        ledger.bulk_transition(session, where=SerialItem.id.in_([fine.id, sold.id]), to_status=ItemStatus.MISSING,
                               kind=MovementKind.MARKED_MISSING, actor=None)
    assert refused.value.code == "status_not_allowed" and "sold" in refused.value.message
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Movement)) == before
    assert session.get(SerialItem, fine.id).status == ItemStatus.IN_STOCK


def test_a_bulk_change_to_another_warehouse_records_it(session):
    item = factories.item(session, status=ItemStatus.IN_STOCK)
    home = item.warehouse_id
    there = factories.bin_(session)
    session.commit()
    assert ledger.bulk_transition(session, where=SerialItem.id == item.id, to_status=ItemStatus.IN_STOCK,
                                  kind=MovementKind.MOVED, actor=None, to_bin_id=there.id) == 1
    session.commit()
    last = ledger.latest_movement(session, item.id)
    assert (last.from_warehouse_id, last.to_warehouse_id, last.to_bin_id) == (home, there.warehouse_id, there.id)
    assert session.get(SerialItem, item.id).warehouse_id == there.warehouse_id
