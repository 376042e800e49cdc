"""Reads for transfers: one transfer, the line holding an item, the units on a
transfer with their state, its counts, and the list of transfers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, aliased

from ..models import Bin, Product, SerialItem, Warehouse
from ..scanning.barcodes import bin_name
from .models import Transfer, TransferItem, TransferStatus

#: How many lines a page shows (the API and CSV answer every one).
PAGE_LINES = 500


def transfer(session: Session, transfer_id: int, *, lock: bool = False) -> Transfer | None:
    statement = select(Transfer).where(Transfer.id == transfer_id)
    if lock:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return session.scalars(statement).first()


def unfinished_on(transfer_id: int) -> ColumnElement[bool]:
    """The lines of a transfer still holding their item (on it, or in transit)."""
    return (TransferItem.transfer_id == transfer_id) & TransferItem.holding_item_id.is_not(None)


def items_on(transfer_id: int) -> ColumnElement[bool]:
    """``serial_items`` whose line on the transfer is unfinished: what dispatch and close change."""
    return SerialItem.id.in_(select(TransferItem.item_id).where(unfinished_on(transfer_id)))


def holding_line(session: Session, *, item_id: int) -> TransferItem | None:
    """The unfinished line (there is at most one, by constraint) that holds the item."""
    return session.scalars(select(TransferItem).where(TransferItem.holding_item_id == item_id)).first()


def transfer_holding(session: Session, item_id: int) -> Transfer | None:
    return session.scalars(select(Transfer).join(TransferItem, TransferItem.transfer_id == Transfer.id)
                           .where(TransferItem.holding_item_id == item_id)).first()


def line_of(session: Session, *, transfer_id: int, item_id: int) -> TransferItem | None:
    """The item's line on the transfer that was not taken off."""
    return session.scalars(select(TransferItem).where(
        TransferItem.transfer_id == transfer_id, TransferItem.item_id == item_id,
        TransferItem.removed_at.is_(None)).order_by(TransferItem.id.desc())).first()


def last_received_line(session: Session, *, item_id: int) -> TransferItem | None:
    return session.scalars(select(TransferItem).where(
        TransferItem.item_id == item_id, TransferItem.received_at.is_not(None))
        .order_by(TransferItem.id.desc()).limit(1)).first()


def _state(transfer_status: str, received_at, holding: bool) -> str:
    """A line's state: on_transfer (not dispatched yet), in_transit, received, missing, cancelled."""
    if received_at is not None:
        return "received"
    if transfer_status in (TransferStatus.OPEN, TransferStatus.CANCELLED):
        return "on_transfer" if transfer_status == TransferStatus.OPEN else "cancelled"
    return "in_transit" if holding else "missing"


@dataclass(frozen=True)
class Line:
    serial: str
    sku: str
    product: str
    status: str  # the item's status now
    state: str  # on_transfer, in_transit, received, missing, cancelled
    bin: str | None  # where it was received
    added_at: datetime
    received_at: datetime | None


def lines(session: Session, found: Transfer, *, limit: int | None = None, item_id: int | None = None) -> list[Line]:
    """The serials on a transfer (those taken off left out) in the order they were added; or only
    ``item_id``'s line (a scan's answer)."""
    received_bin, bin_warehouse = aliased(Bin), aliased(Warehouse)
    statement = (
        select(SerialItem.serial, Product.sku, Product.name, SerialItem.status, TransferItem.holding_item_id,
               bin_warehouse.code, received_bin.code, TransferItem.added_at, TransferItem.received_at)
        .join(SerialItem, SerialItem.id == TransferItem.item_id)
        .join(Product, Product.id == SerialItem.product_id)
        .outerjoin(received_bin, received_bin.id == TransferItem.bin_id)
        .outerjoin(bin_warehouse, bin_warehouse.id == received_bin.warehouse_id)
        .where(TransferItem.transfer_id == found.id, TransferItem.removed_at.is_(None))
        .order_by(TransferItem.id)
    )
    if limit is not None:
        statement = statement.limit(limit)
    if item_id is not None:
        statement = statement.where(TransferItem.item_id == item_id)
    return [Line(serial, sku, name, status, _state(found.status, received, holding is not None),
                 bin_name(wh, code) if code else None, added, received)
            for serial, sku, name, status, holding, wh, code, added, received in session.execute(statement)]


@dataclass(frozen=True)
class Counts:
    on_it: int  # serials on the transfer
    received: int
    still_missing: int  # dispatched, not received (after close: marked missing)


def counts(session: Session, found: Transfer) -> Counts:
    total, received = session.execute(
        select(func.count(), func.count(TransferItem.received_at))
        .where(TransferItem.transfer_id == found.id, TransferItem.removed_at.is_(None))).one()
    missing = total - received if found.status in (TransferStatus.DISPATCHED, TransferStatus.CLOSED) else 0
    return Counts(on_it=total, received=received, still_missing=missing)


@dataclass(frozen=True)
class Listed:
    id: int
    from_warehouse: str
    to_warehouse: str
    reference: str | None
    status: str
    created_at: datetime
    items: int
    received: int


def transfers(session: Session, *, limit: int = 200) -> list[Listed]:
    """The latest transfers, newest first, with how many serials are on each and how many arrived."""
    per = (select(TransferItem.transfer_id, func.count().label("n"),
                  func.count(TransferItem.received_at).label("received"))
           .where(TransferItem.removed_at.is_(None)).group_by(TransferItem.transfer_id).subquery())
    source, destination = aliased(Warehouse), aliased(Warehouse)
    rows = session.execute(
        select(Transfer.id, source.code, destination.code, Transfer.reference, Transfer.status, Transfer.created_at,
               func.coalesce(per.c.n, 0), func.coalesce(per.c.received, 0))
        .join(source, source.id == Transfer.from_warehouse_id)
        .join(destination, destination.id == Transfer.to_warehouse_id)
        .outerjoin(per, per.c.transfer_id == Transfer.id)
        .order_by(Transfer.id.desc()).limit(limit))
    return [Listed(*row) for row in rows]
