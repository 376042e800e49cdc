"""Transfers between warehouses through the services on both databases: the
flow open → dispatched → received → closed, every refusal with its code, the
database keeping a serial on one unfinished transfer, aging untouched."""

from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.errors import Conflict, Invalid, NotFound
from portal.items.timeline import item_timeline
from portal.models import ItemStatus, Movement, SerialItem
from portal.transfers import queries, services
from portal.transfers.models import TransferItem
from tests import factories

RECEIVED = datetime(2026, 1, 5, 9, 0)


@pytest.fixture
def setting(session):
    """WH-A (shelf A-01) with units T-1..T-3 received on 5 January, WH-B (shelves B-01, B-02), WH-C (shelf C-01)."""
    source = factories.warehouse(session, code="WH-A")
    shelf = factories.bin_(session, warehouse_id=source.id, code="A-01")
    destination = factories.warehouse(session, code="WH-B")
    for code in ("B-01", "B-02"):
        factories.bin_(session, warehouse_id=destination.id, code=code)
    elsewhere = factories.warehouse(session, code="WH-C")
    factories.bin_(session, warehouse_id=elsewhere.id, code="C-01")
    items = [factories.item(session, serial=f"T-{n}", bin_id=shelf.id, received_at=RECEIVED) for n in (1, 2, 3)]
    session.flush()
    return source, destination, items


def _open(session, reference="REF-1"):
    return services.open_transfer(session, from_warehouse="wh-a", to_warehouse="WH-B", reference=reference,
                                  actor=None)


def _movements(session, item, kind):
    return session.scalars(select(Movement).where(Movement.item_id == item.id, Movement.kind == kind)).all()


def test_a_transfer_goes_open_dispatched_received_closed(session, setting):
    source, destination, items = setting
    actor = factories.user(session, role="operator")
    found = _open(session, reference="<b>REF & 1</b>")
    assert (found.status, found.reference, found.from_warehouse.code, found.to_warehouse.code) == (
        "open", "<b>REF & 1</b>", "WH-A", "WH-B")
    for serial in ("t-1", "T-2", "T-3", "T-3"):  # the second T-3 changes nothing
        services.add_item(session, transfer_id=found.id, serial=serial, actor=actor)
    assert [(line.serial, line.state) for line in queries.lines(session, found)] == [
        ("T-1", "on_transfer"), ("T-2", "on_transfer"), ("T-3", "on_transfer")]
    services.dispatch(session, transfer_id=found.id, actor=actor)
    services.dispatch(session, transfer_id=found.id, actor=actor)  # a double click
    for item in items:
        session.refresh(item)
        assert (item.status, item.bin_id, item.warehouse_id) == (ItemStatus.IN_TRANSIT, None, source.id)
        assert len(_movements(session, item, "dispatched")) == 1
    assert queries.counts(session, found) == queries.Counts(on_it=3, received=0, still_missing=3)

    services.receive(session, transfer_id=found.id, serial="T-1", bin="B-01", actor=actor)
    services.receive(session, transfer_id=found.id, serial="T-1", bin="B-01", actor=actor)  # again: no change
    services.receive(session, transfer_id=None, serial="T-2", bin="BIN:WH-B/B-02", actor=actor)  # its transfer found
    assert queries.counts(session, found) == queries.Counts(on_it=3, received=2, still_missing=1)
    assert [(line.serial, line.state, line.bin) for line in queries.lines(session, found)] == [
        ("T-1", "received", "WH-B/B-01"), ("T-2", "received", "WH-B/B-02"), ("T-3", "in_transit", None)]
    first = session.get(SerialItem, items[0].id)
    assert (first.status, first.warehouse_id, first.bin.code) == (ItemStatus.IN_STOCK, destination.id, "B-01")
    assert first.received_at == RECEIVED  # aging does not restart on transfer
    assert len(_movements(session, first, "arrived")) == 1

    closed = services.close(session, transfer_id=found.id, actor=actor)
    services.close(session, transfer_id=found.id, actor=actor)  # again: no change
    assert closed.status == "closed"
    third = session.get(SerialItem, items[2].id)
    assert third.status == ItemStatus.MISSING
    [missing] = _movements(session, third, "marked_missing")
    assert f"transfer #{found.id}" in missing.note and "closed without it" in missing.note
    assert queries.counts(session, found) == queries.Counts(on_it=3, received=2, still_missing=1)
    assert [line.state for line in queries.lines(session, found)] == ["received", "received", "missing"]
    assert [t.id for t in queries.transfers(session)] == [found.id]


def test_the_timeline_names_the_transfer(session, setting):
    _, _, items = setting
    found = _open(session)
    for serial in ("T-1", "T-2"):
        services.add_item(session, transfer_id=found.id, serial=serial, actor=None)
    services.dispatch(session, transfer_id=found.id, actor=None)
    services.receive(session, transfer_id=found.id, serial="T-1", bin="B-01", actor=None)
    services.close(session, transfer_id=found.id, actor=None)
    arrived = [(e.what, e.facts) for e in item_timeline(session, items[0].id)]
    assert ("Arrived from a transfer", [f"arrived on transfer #{found.id} (WH-A → WH-B, ref REF-1)"]) in arrived
    assert ("Dispatched on a transfer", [f"dispatched on transfer #{found.id} (WH-A → WH-B, ref REF-1)"]) in arrived
    lost = [(e.what, e.facts) for e in item_timeline(session, items[1].id)]
    assert ("Marked missing", [f"missing: transfer #{found.id} (WH-A → WH-B, ref REF-1) closed without it"]) in lost


def test_every_refusal_has_its_code(session, setting):
    _, destination, items = setting
    with pytest.raises(Invalid) as same:
        services.open_transfer(session, from_warehouse="WH-A", to_warehouse="wh-a", reference=None, actor=None)
    assert same.value.code == "same_warehouse"
    with pytest.raises(NotFound):
        services.open_transfer(session, from_warehouse="WH-A", to_warehouse="NOWHERE", reference=None, actor=None)
    found = _open(session)
    far = factories.item(session, serial="FAR-1", bin_id=factories.bin_(session, warehouse_id=destination.id).id)
    sold = factories.item(session, serial="SOLD-1", status=ItemStatus.SOLD, order_ref="SO-1")
    session.flush()
    for serial, code in (("FAR-1", "wrong_warehouse"), ("SOLD-1", "status_not_allowed")):
        with pytest.raises(Conflict) as refused:
            services.add_item(session, transfer_id=found.id, serial=serial, actor=None)
        assert refused.value.code == code, serial
    assert far and sold
    with pytest.raises(NotFound):
        services.add_item(session, transfer_id=found.id, serial="NOT-THERE", actor=None)
    with pytest.raises(Conflict) as empty:
        services.dispatch(session, transfer_id=found.id, actor=None)
    assert empty.value.code == "empty"
    services.add_item(session, transfer_id=found.id, serial="T-1", actor=None)
    with pytest.raises(Conflict) as early:
        services.receive(session, transfer_id=found.id, serial="T-1", bin="B-01", actor=None)
    assert early.value.code == "transfer_open"
    services.dispatch(session, transfer_id=found.id, actor=None)
    with pytest.raises(Conflict) as late:
        services.add_item(session, transfer_id=found.id, serial="T-2", actor=None)
    assert late.value.code == "transfer_dispatched"
    for serial, bin_code, code in (("T-1", "BIN:WH-C/C-01", "wrong_warehouse"), ("T-1", "WH-C/C-01", "wrong_warehouse"),
                                   ("T-2", "B-01", "not_on_transfer")):
        with pytest.raises(Conflict) as refused:
            services.receive(session, transfer_id=found.id, serial=serial, bin=bin_code, actor=None)
        assert refused.value.code == code, (serial, bin_code)
    with pytest.raises(NotFound) as no_bin:
        services.receive(session, transfer_id=found.id, serial="T-1", bin="B-99", actor=None)
    assert no_bin.value.code == "unknown_bin"
    with pytest.raises(Conflict) as nowhere:
        services.receive(session, transfer_id=None, serial="T-2", bin="B-01", actor=None)
    assert nowhere.value.code == "not_on_transfer"
    assert session.get(SerialItem, items[0].id).status == ItemStatus.IN_TRANSIT  # refusals changed nothing


def test_a_serial_on_two_open_transfers_ends_on_one(session, setting):
    first, second = _open(session), _open(session, reference=None)
    services.add_item(session, transfer_id=first.id, serial="T-1", actor=None)
    with pytest.raises(Conflict) as taken:
        services.add_item(session, transfer_id=second.id, serial="T-1", actor=None)
    assert taken.value.code == "on_another_transfer" and f"#{first.id}" in taken.value.message
    assert taken.value.details == {"transfer": first.id}
    # the database itself refuses a second unfinished line, whatever slipped past the service
    item_id = session.scalar(select(SerialItem.id).where(SerialItem.serial == "T-1"))
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(TransferItem(transfer_id=second.id, item_id=item_id, holding_item_id=item_id))
        session.flush()
    # taken off the first, it goes on the second
    services.remove_item(session, transfer_id=first.id, serial="T-1", actor=None)
    services.add_item(session, transfer_id=second.id, serial="T-1", actor=None)
    assert [line.serial for line in queries.lines(session, first)] == []
    assert [line.serial for line in queries.lines(session, second)] == ["T-1"]


def test_closing_an_open_transfer_cancels_it_and_frees_its_serials(session, setting):
    found = _open(session)
    services.add_item(session, transfer_id=found.id, serial="T-1", actor=None)
    cancelled = services.close(session, transfer_id=found.id, actor=None)
    assert cancelled.status == "cancelled"
    item = session.scalars(select(SerialItem).where(SerialItem.serial == "T-1")).one()
    assert item.status == ItemStatus.IN_STOCK and _movements(session, item, "dispatched") == []
    with pytest.raises(Conflict) as refused:
        services.dispatch(session, transfer_id=found.id, actor=None)
    assert refused.value.code == "transfer_cancelled"
    other = _open(session)
    services.add_item(session, transfer_id=other.id, serial="T-1", actor=None)  # free again


def test_dispatch_refuses_the_lot_when_a_unit_left_stock_meanwhile(session, setting):
    _, _, items = setting
    found = _open(session)
    for serial in ("T-1", "T-2"):
        services.add_item(session, transfer_id=found.id, serial=serial, actor=None)
    from portal.items import ledger
    ledger.transition(session, session.get(SerialItem, items[1].id), to_status=ItemStatus.SOLD, kind="shipped",
                      actor=None)
    with pytest.raises(Conflict) as refused:
        services.dispatch(session, transfer_id=found.id, actor=None)
    assert refused.value.code == "status_not_allowed" and "T-2" in refused.value.message
    assert session.get(SerialItem, items[0].id).status == ItemStatus.IN_STOCK


def test_a_unit_whose_dispatch_was_undone_is_not_marked_missing_on_close(session, setting):
    from portal.items import ledger

    _, _, items = setting
    found = _open(session)
    for serial in ("T-1", "T-2"):
        services.add_item(session, transfer_id=found.id, serial=serial, actor=None)
    services.dispatch(session, transfer_id=found.id, actor=None)
    ledger.reverse_last_movement(session, session.get(SerialItem, items[0].id), actor=None)
    services.close(session, transfer_id=found.id, actor=None)
    assert session.get(SerialItem, items[0].id).status == ItemStatus.IN_STOCK
    assert session.get(SerialItem, items[1].id).status == ItemStatus.MISSING
