"""Returns to the supplier through the services on both databases: the flow
open → shipped → closed, every refusal with its code, shipping all or nothing."""

import pytest
from sqlalchemy import select

from portal.defects import services as defects
from portal.errors import Conflict, NotFound
from portal.models import ItemStatus, Movement
from portal.supplier_returns import queries, services
from tests import factories


@pytest.fixture
def setting(session):
    """Warehouse WH-R with a shelf, supplier ACME, and two of its items flagged defective."""
    warehouse = factories.warehouse(session, code="WH-R")
    shelf = factories.bin_(session, warehouse_id=warehouse.id, code="A-01-1")
    acme = factories.supplier(session, code="ACME")
    items = [factories.item(session, serial=f"R-{n}", bin_id=shelf.id, supplier_id=acme.id) for n in (1, 2)]
    for item in items:
        defects.flag_defect(session, item=item, reason="functional", stage="storage", actor=None)
    session.flush()
    return warehouse, shelf, acme, items


def _open(session, rma="RMA-1"):
    return services.open_return(session, supplier="acme", warehouse="wh-r", rma_number=rma, actor=None)


def test_a_return_goes_open_shipped_closed_with_one_movement_per_item(session, setting):
    _, _, _, items = setting
    actor = factories.user(session, role="receiver")
    found = _open(session, rma="<b>RMA & 1</b>")
    assert (found.status, found.rma_number, found.supplier.code) == ("open", "<b>RMA & 1</b>", "ACME")
    for serial in ("r-1", "R-2", "R-2"):  # the second R-2 changes nothing
        services.add_item(session, return_id=found.id, serial=serial, actor=actor)
    assert [(line.serial, line.reason) for line in queries.lines(session, found.id)] == [
        ("R-1", "functional"), ("R-2", "functional")]
    services.ship(session, return_id=found.id, actor=actor)
    services.ship(session, return_id=found.id, actor=actor)  # a double click
    for item in items:
        session.refresh(item)
        moves = session.scalars(select(Movement).where(Movement.item_id == item.id, Movement.kind == "returned"))
        assert item.status == ItemStatus.RETURNED_TO_SUPPLIER and item.bin_id is None
        assert len(moves.all()) == 1
    assert [r.id for r in queries.unfinished(session, now=found.created_at)] == [found.id]
    closed = services.close(session, return_id=found.id, credit_note="CN-9")
    assert (closed.status, closed.credit_note) == ("closed", "CN-9")
    assert queries.unfinished(session, now=found.created_at) == []


def test_every_refusal_has_its_code(session, setting):
    warehouse, shelf, acme, _ = setting
    found = _open(session)
    other = factories.item(session, serial="R-OTHER", bin_id=shelf.id)
    defects.flag_defect(session, item=other, reason="functional", stage="storage", actor=None)
    factories.item(session, serial="R-GOOD", bin_id=shelf.id, supplier_id=acme.id)
    elsewhere = factories.item(session, serial="R-FAR", supplier_id=acme.id,
                               bin_id=factories.bin_(session, warehouse_id=factories.warehouse(session).id).id)
    defects.flag_defect(session, item=elsewhere, reason="functional", stage="storage", actor=None)
    for serial, code in (("R-OTHER", "other_supplier"), ("R-GOOD", "not_defective"), ("R-FAR", "other_warehouse")):
        with pytest.raises(Conflict) as refused:
            services.add_item(session, return_id=found.id, serial=serial, actor=None)
        assert refused.value.code == code, serial
    with pytest.raises(NotFound):
        services.add_item(session, return_id=found.id, serial="NOT-THERE", actor=None)
    services.add_item(session, return_id=found.id, serial="R-1", actor=None)
    second = _open(session, rma=None)
    with pytest.raises(Conflict) as taken:
        services.add_item(session, return_id=second.id, serial="R-1", actor=None)
    assert taken.value.code == "on_another_return" and f"#{found.id}" in taken.value.message
    with pytest.raises(Conflict) as empty:
        services.ship(session, return_id=second.id, actor=None)
    assert empty.value.code == "empty"
    with pytest.raises(Conflict) as early:
        services.close(session, return_id=second.id, credit_note=None)
    assert early.value.code == "not_shipped"
    services.ship(session, return_id=found.id, actor=None)
    for doing in (lambda: services.add_item(session, return_id=found.id, serial="R-2", actor=None),
                  lambda: services.remove_item(session, return_id=found.id, serial="R-1")):
        with pytest.raises(Conflict) as closed:
            doing()
        assert closed.value.code == "not_open"


def test_an_item_taken_off_can_go_on_another_return_and_ship_is_all_or_nothing(session, setting):
    _, shelf, _, items = setting
    first, second = _open(session), _open(session, rma="RMA-2")
    services.add_item(session, return_id=first.id, serial="R-1", actor=None)
    services.remove_item(session, return_id=first.id, serial="R-1")
    assert queries.lines(session, first.id) == []
    services.add_item(session, return_id=second.id, serial="R-1", actor=None)
    services.add_item(session, return_id=second.id, serial="R-2", actor=None)
    defects.repair(session, item=items[1], warehouse="WH-R", bin_code=shelf.code, actor=None)
    with pytest.raises(Conflict) as refused:
        services.ship(session, return_id=second.id, actor=None)
    assert refused.value.code == "not_defective" and "R-2" in refused.value.message
    session.refresh(items[0])
    assert items[0].status == ItemStatus.DEFECTIVE
