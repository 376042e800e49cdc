"""The transition table is the one place that says how an item's status may
change; transition() enforces it and writes the ledger. The database holds
the constraints too."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.errors import Conflict, Invalid
from portal.items.ledger import IN_A_BIN, TRANSITIONS, can_transition, reverse_last_movement, transition
from portal.models import Bin, BinKind, ItemStatus, Movement, MovementKind, SerialItem
from tests import factories

ALL = list(ItemStatus)
ALLOWED = [(a, b) for a in ALL for b in ALL if b in TRANSITIONS[a]]
#: the movement that takes a defective item out of quarantine to each status
OUTCOME = {ItemStatus.IN_STOCK: MovementKind.RESTOCKED, ItemStatus.RETURNED_TO_SUPPLIER: MovementKind.RETURNED,
           ItemStatus.SCRAPPED: MovementKind.SCRAPPED}
REFUSED = [(a, b) for a in ALL for b in ALL if b not in TRANSITIONS[a]]


def test_the_table_covers_every_status_and_returned_is_final():
    assert set(TRANSITIONS) == set(ALL)
    assert TRANSITIONS[ItemStatus.RETURNED_TO_SUPPLIER] == frozenset()
    assert can_transition(None, ItemStatus.EXPECTED) and not can_transition(None, ItemStatus.IN_STOCK)
    assert not can_transition(ItemStatus.SOLD, ItemStatus.SOLD)  # nothing sells twice


def _item(session, status):
    return factories.item(session, status=status)


@pytest.mark.parametrize("from_status,to_status", ALLOWED, ids=lambda s: str(s))
def test_every_allowed_change_updates_the_item_and_writes_one_movement(session, from_status, to_status):
    item = _item(session, from_status)
    target = factories.bin_(session) if to_status in IN_A_BIN else None
    kind = MovementKind.MOVED
    if from_status == ItemStatus.DEFECTIVE:  # quarantine: it stays there, or leaves by an outcome
        kind = OUTCOME.get(to_status, MovementKind.MOVED)
        if to_status == ItemStatus.DEFECTIVE:
            target = session.scalars(select(Bin).where(Bin.warehouse_id == item.warehouse_id,
                                                       Bin.kind == BinKind.QUARANTINE)).one()
    before = session.scalar(select(func.count()).select_from(Movement).where(Movement.item_id == item.id))
    old_bin = item.bin_id
    movement = transition(session, item, to_status=to_status, kind=kind, actor=None, to_bin=target)
    session.flush()
    assert item.status == to_status
    assert (item.bin_id is not None) == (to_status in IN_A_BIN)
    assert movement.from_status == from_status and movement.to_status == to_status
    assert movement.from_bin_id == old_bin and movement.to_bin_id == item.bin_id
    after = session.scalar(select(func.count()).select_from(Movement).where(Movement.item_id == item.id))
    assert after == before + 1


@pytest.mark.parametrize("from_status,to_status", REFUSED, ids=lambda s: str(s))
def test_every_other_change_is_refused_and_changes_nothing(session, from_status, to_status):
    item = _item(session, from_status)
    bin_before = item.bin_id
    target = factories.bin_(session)
    with pytest.raises(Invalid) as refused:
        transition(session, item, to_status=to_status, kind=MovementKind.MOVED, actor=None, to_bin=target)
    assert refused.value.code == "status_not_allowed"
    assert item.status == from_status and item.bin_id == bin_before


def test_undo_writes_a_reversing_movement_and_cannot_be_undone_itself(session):
    item = _item(session, ItemStatus.IN_STOCK)
    first_bin = item.bin_id
    transition(session, item, to_status=ItemStatus.IN_STOCK, kind=MovementKind.MOVED, actor=None,
               to_bin=factories.bin_(session))
    session.flush()
    reversal = reverse_last_movement(session, item, actor=None)
    session.flush()
    assert item.bin_id == first_bin and reversal.kind == MovementKind.REVERSED
    with pytest.raises(Conflict):
        reverse_last_movement(session, item, actor=None)


def test_the_ledger_is_append_only(session):
    item = _item(session, ItemStatus.IN_STOCK)
    movement = session.scalars(select(Movement).where(Movement.item_id == item.id)).first()
    movement.note = "rewritten history"
    with pytest.raises(RuntimeError, match="append-only"):
        session.flush()


def test_the_database_refuses_an_in_stock_item_without_a_bin(session):
    item = _item(session, ItemStatus.SOLD)
    item.status = ItemStatus.IN_STOCK  # bypassing transition(): the database still says no
    with pytest.raises(IntegrityError):
        session.flush()


def test_the_database_refuses_a_second_item_with_the_same_normalised_serial(session):
    _item(session, ItemStatus.IN_STOCK).serial  # noqa: B018
    first = session.scalars(select(SerialItem)).first()
    clash = SerialItem(serial=" " + first.serial.lower(), serial_key=first.serial_key,
                       product_id=first.product_id, supplier_id=first.supplier_id, status="expected",
                       condition="regular", ownership="owned")
    session.add(clash)
    with pytest.raises(IntegrityError):
        session.flush()


def test_the_database_refuses_two_movements_with_the_same_scan_id_but_not_many_without(session):
    """A scan's movement is recorded once (the index covers only movements that carry a
    scan id: bulk lists write millions without one)."""
    item = _item(session, ItemStatus.IN_STOCK)
    for _ in range(3):
        session.add(Movement(item_id=item.id, kind="counted", from_status="in_stock", to_status="in_stock"))
    session.add(Movement(item_id=item.id, kind="moved", from_status="in_stock", to_status="in_stock",
                         client_scan_id="scan-0001"))
    session.flush()
    session.add(Movement(item_id=item.id, kind="moved", from_status="in_stock", to_status="in_stock",
                         client_scan_id="scan-0001"))
    with pytest.raises(IntegrityError):
        session.flush()
