"""Use cases of returns to the supplier: open one, put defective items on it
or take them off, ship it (every item returned to the supplier through the
ledger, all or nothing) and close it with the credit note. Nothing here commits."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..defects.services import item_by_serial
from ..errors import Conflict, Invalid, NotFound
from ..items import ledger
from ..models import ItemStatus, MovementKind, SerialItem, Supplier, User, Warehouse, utcnow
from . import queries
from .models import ReturnStatus, SupplierReturn, SupplierReturnLine, SupplierReturnRemoval

#: Who works returns to the supplier (admins always may).
RETURN_ROLES = ("receiver", "manager")
MAX_NUMBER = 100


def _number(value: str | None, what: str) -> str | None:
    """An RMA or credit note number, stored as typed (surrounding blanks aside)."""
    value = (value or "").strip()
    if len(value) > MAX_NUMBER:
        raise Invalid(f"A {what} has at most {MAX_NUMBER} characters.", code=f"invalid_{what.replace(' ', '_')}")
    return value or None


def open_return(session: Session, *, supplier: str, warehouse: str, rma_number: str | None,
                actor: User | None) -> SupplierReturn:
    """A new open return for one supplier (its code) and one warehouse (its code)."""
    supplier_row = session.scalars(select(Supplier).where(Supplier.code == (supplier or "").strip().upper())).first()
    if supplier_row is None:
        raise NotFound(f"There is no supplier {(supplier or '').strip().upper()[:40]}.")
    warehouse_row = session.scalars(
        select(Warehouse).where(Warehouse.code == (warehouse or "").strip().upper())).first()
    if warehouse_row is None:
        raise NotFound(f"There is no warehouse {(warehouse or '').strip().upper()[:40]}.")
    created = SupplierReturn(supplier=supplier_row, warehouse=warehouse_row,
                             rma_number=_number(rma_number, "RMA number"), status=ReturnStatus.OPEN,
                             created_by_id=actor.id if actor else None, created_at=utcnow())
    session.add(created)
    session.flush()
    return created


def get_return(session: Session, return_id: int, *, lock: bool = False) -> SupplierReturn:
    found = queries.supplier_return(session, return_id, lock=lock)
    if found is None:
        raise NotFound(f"There is no return to supplier #{return_id}.")
    return found


def _still_open(found: SupplierReturn, doing: str) -> None:
    if found.status != ReturnStatus.OPEN:
        raise Conflict(f"Return #{found.id} is {found.status}: {doing} only while it is open.", code="not_open")


def add_item(session: Session, *, return_id: int, serial: str, actor: User | None) -> SupplierReturn:
    """Put a defective item of the return's supplier and warehouse on it. The
    return and then the item are locked, so two users adding the same serial to
    two returns at once end with it on exactly one. Already on it: nothing changes."""
    found = get_return(session, return_id, lock=True)
    _still_open(found, "items are added")
    item = item_by_serial(session, serial, lock=True)
    if queries.line(session, return_id=found.id, item_id=item.id) is not None:
        return found
    if item.supplier_id != found.supplier_id:
        raise Conflict(f"{item.serial} came from {item.supplier.code}, not {found.supplier.code}: it goes on a "
                       f"return to {item.supplier.code}.", code="other_supplier")
    if item.status != ItemStatus.DEFECTIVE:
        raise Conflict(f"{item.serial} is {ledger.human(item.status)}: only a defective item in quarantine goes "
                       "back to the supplier.", code="not_defective")
    if item.warehouse_id != found.warehouse_id:
        where = item.warehouse.code if item.warehouse else "no warehouse"
        raise Conflict(f"{item.serial} is in {where}, not {found.warehouse.code}: it goes on a return from there.",
                       code="other_warehouse")
    other = queries.other_return_holding(session, item_id=item.id, return_id=found.id)
    if other is not None:
        raise Conflict(f"{item.serial} is already on return #{other.id} ({other.status}): take it off there "
                       "first.", code="on_another_return")
    session.add(SupplierReturnLine(return_id=found.id, item_id=item.id, added_by_id=actor.id if actor else None,
                                   added_at=utcnow()))
    session.flush()
    return found


def remove_item(session: Session, *, return_id: int, serial: str, actor: User | None = None) -> SupplierReturn:
    """Take an item off an open return (it stays defective in quarantine); the
    removal is kept for the item's timeline."""
    found = get_return(session, return_id, lock=True)
    _still_open(found, "items are taken off")
    item = item_by_serial(session, serial)
    line = queries.line(session, return_id=found.id, item_id=item.id)
    if line is None:
        raise NotFound(f"{item.serial} is not on return #{found.id}.")
    session.add(SupplierReturnRemoval(return_id=found.id, item_id=item.id, added_by_id=line.added_by_id,
                                      added_at=line.added_at, removed_by_id=actor.id if actor else None,
                                      removed_at=utcnow()))
    session.delete(line)
    session.flush()
    return found


def ship(session: Session, *, return_id: int, actor: User | None) -> SupplierReturn:
    """Every item on the return becomes returned to supplier, one movement
    each, in bulk and all or nothing. Shipping it again (a double click)
    changes nothing."""
    found = get_return(session, return_id, lock=True)
    if found.status != ReturnStatus.OPEN:
        return found
    on_it = SerialItem.id.in_(select(SupplierReturnLine.item_id).where(SupplierReturnLine.return_id == found.id))
    count = session.scalar(select(func.count()).select_from(SupplierReturnLine)
                           .where(SupplierReturnLine.return_id == found.id))
    if not count:
        raise Conflict(f"Return #{found.id} has no items: add the defective serials first.", code="empty")
    not_defective = session.scalars(
        select(SerialItem.serial).where(on_it, SerialItem.status != ItemStatus.DEFECTIVE).limit(5)).all()
    if not_defective:
        raise Conflict(f"No longer defective, take them off first: {', '.join(not_defective)}.",
                       code="not_defective")
    note = f"return to supplier #{found.id}" + (f", RMA {found.rma_number}" if found.rma_number else "")
    ledger.bulk_transition(session, where=on_it, to_status=ItemStatus.RETURNED_TO_SUPPLIER,
                           kind=MovementKind.RETURNED, actor=actor, note=note)
    found = get_return(session, return_id)
    found.status = ReturnStatus.SHIPPED
    found.shipped_at = utcnow()
    session.flush()
    return found


def close(session: Session, *, return_id: int, credit_note: str | None,
          actor: User | None = None) -> SupplierReturn:
    """A shipped return closed, with the supplier's credit note number if there
    is one. Closing it again changes nothing."""
    found = get_return(session, return_id, lock=True)
    if found.status == ReturnStatus.CLOSED:
        return found
    if found.status != ReturnStatus.SHIPPED:
        raise Conflict(f"Return #{found.id} is {found.status}: ship it before closing it.", code="not_shipped")
    found.credit_note = _number(credit_note, "credit note")
    found.status = ReturnStatus.CLOSED
    found.closed_at = utcnow()
    found.closed_by_id = actor.id if actor else None
    session.flush()
    return found
