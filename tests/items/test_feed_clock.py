"""Every movement carries the feed's clock: one number per writing
transaction, rising from one committed transaction to the next (issue 15
point 7; portal.feed.clock)."""

from __future__ import annotations

from sqlalchemy import select

from portal.items import ledger
from portal.models import Movement, MovementKind, SerialItem


def test_one_transaction_stamps_one_number_and_the_next_a_larger_one(session, make_item, make_bin):
    shelf = make_bin()
    first, second = make_item(bin_id=shelf.id), make_item(bin_id=shelf.id)
    other = make_bin(warehouse_id=shelf.warehouse_id)
    for serial in (first.serial, second.serial):
        item = session.scalar(select(SerialItem).where(SerialItem.serial == serial))
        ledger.transition(session, item, to_status="in_stock", kind=MovementKind.MOVED, actor=None,
                          to_bin=session.get(type(other), other.id))
    session.commit()
    item = session.get(SerialItem, first.id)
    ledger.transition(session, item, to_status="in_stock", kind=MovementKind.MOVED, actor=None,
                      to_bin=session.get(type(shelf), shelf.id))
    session.commit()
    moves = session.scalars(select(Movement).where(Movement.kind == MovementKind.MOVED).order_by(Movement.id)).all()
    assert len(moves) == 3
    assert moves[0].txid == moves[1].txid
    assert moves[2].txid > moves[1].txid
    assert all(m.txid is not None for m in session.scalars(select(Movement)))
