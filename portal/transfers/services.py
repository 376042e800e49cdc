"""Use cases of transfers between warehouses: open one, put in-stock serials
of the source on it or take them off, dispatch it (every unit in transit, one
movement each, set-based through the ledger), receive each unit into a bin of
the destination, and close it (units still missing marked missing, the
transfer named). Closing a transfer never dispatched cancels it: nothing
moved, its serials are free again. Nothing here commits."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..defects.services import item_by_serial
from ..errors import Conflict, Invalid, NotFound
from ..items import ledger
from ..models import Bin, ItemStatus, MovementKind, SerialItem, User, Warehouse, utcnow
from ..scanning import barcodes
from . import queries
from .models import Transfer, TransferItem, TransferStatus

#: Who does transfers (admins always may).
TRANSFER_ROLES = ("receiver", "operator", "manager")
MAX_REFERENCE = 100
T = TransferStatus


def _warehouse(session: Session, code: str | None, which: str) -> Warehouse:
    wanted = (code or "").strip().upper()
    found = session.scalars(select(Warehouse).where(Warehouse.code == wanted)).first()
    if found is None:
        raise NotFound(f"There is no warehouse {wanted[:40]}.", code="unknown_warehouse")
    if not found.active:
        raise Conflict(f"Warehouse {found.code} is no longer in use: it cannot be the {which}.",
                       code="warehouse_inactive")
    return found


def open_transfer(session: Session, *, from_warehouse: str, to_warehouse: str, reference: str | None,
                  actor: User | None) -> Transfer:
    """A new open transfer between two active warehouses (their codes)."""
    source = _warehouse(session, from_warehouse, "source")
    destination = _warehouse(session, to_warehouse, "destination")
    if source.id == destination.id:
        raise Invalid(f"A transfer goes from one warehouse to another: both are {source.code}.",
                      code="same_warehouse")
    reference = (reference or "").strip()
    if len(reference) > MAX_REFERENCE:
        raise Invalid(f"A reference has at most {MAX_REFERENCE} characters.", code="invalid_reference")
    created = Transfer(from_warehouse=source, to_warehouse=destination, reference=reference or None,
                       status=T.OPEN, created_by_id=actor.id if actor else None, created_at=utcnow())
    session.add(created)
    session.flush()
    return created


def get_transfer(session: Session, transfer_id: int, *, lock: bool = False) -> Transfer:
    found = queries.transfer(session, transfer_id, lock=lock)
    if found is None:
        raise NotFound(f"There is no transfer #{transfer_id}.")
    return found


def _refused_status(found: Transfer, wanted: str, doing: str) -> Conflict:
    return Conflict(f"Transfer #{found.id} is {found.status}: {doing} only while it is {wanted}.",
                    code="transfer_" + found.status)


def _on_another(session: Session, item: SerialItem, transfer_id: int) -> Conflict | None:
    other = queries.transfer_holding(session, item.id)
    if other is None or other.id == transfer_id:
        return None
    return Conflict(f"{item.serial} is already on transfer #{other.id} ({other.status}): take it off there "
                    "first.", code="on_another_transfer", details={"transfer": other.id})


def add_item(session: Session, *, transfer_id: int, serial: str, actor: User | None) -> TransferItem:
    """Put an in-stock item of the source warehouse on an open transfer and
    answer its line. Already on it: nothing changes. The transfer, then the item
    are locked; the unique ``holding_item_id`` makes the database refuse the
    second of two concurrent adds to two transfers, which answers 409 naming
    the transfer that won."""
    found = get_transfer(session, transfer_id, lock=True)
    if found.status != T.OPEN:
        raise _refused_status(found, "open", "serials are added")
    item = item_by_serial(session, serial, lock=True)
    mine = queries.holding_line(session, item_id=item.id)
    if mine is not None and mine.transfer_id == found.id:
        return mine
    if item.status != ItemStatus.IN_STOCK:
        raise Conflict(f"{item.serial} is {ledger.human(item.status)}: only a unit in stock goes on a transfer.",
                       code="status_not_allowed")
    if item.warehouse_id != found.from_warehouse_id:
        raise Conflict(f"{item.serial} is in {item.warehouse.code}, not {found.from_warehouse.code}: a transfer "
                       "takes units of its source warehouse.", code="wrong_warehouse")
    taken = _on_another(session, item, found.id)
    if taken is not None:
        raise taken
    line = TransferItem(transfer_id=found.id, item_id=item.id, holding_item_id=item.id, added_at=utcnow(),
                        added_by_id=actor.id if actor else None)
    try:
        with session.begin_nested():
            session.add(line)
    except IntegrityError:
        # another transfer took it meanwhile (committed after our check): say which one
        session.expire_all()
        raise _on_another(session, item, found.id) or Conflict(
            f"{item.serial} was put on another transfer meanwhile: look again.", code="on_another_transfer") from None
    return line


def remove_item(session: Session, *, transfer_id: int, serial: str, actor: User | None) -> Transfer:
    """Take a serial off an open transfer: the line stays, marked removed (the
    item's timeline shows it), and the item is free for another transfer."""
    found = get_transfer(session, transfer_id, lock=True)
    if found.status != T.OPEN:
        raise _refused_status(found, "open", "serials are taken off")
    item = item_by_serial(session, serial)
    line = queries.holding_line(session, item_id=item.id)
    if line is None or line.transfer_id != found.id:
        raise NotFound(f"{item.serial} is not on transfer #{found.id}.", code="not_on_transfer")
    line.holding_item_id = None
    line.removed_at = utcnow()
    line.removed_by_id = actor.id if actor else None
    session.flush()
    return found


def words(found: Transfer) -> str:
    """How a movement's note names the transfer: ``transfer #3 (WH1 → WH2, ref X)``."""
    ref = f", ref {found.reference}" if found.reference else ""
    return f"transfer #{found.id} ({found.from_warehouse.code} → {found.to_warehouse.code}{ref})"


def dispatch(session: Session, *, transfer_id: int, actor: User | None) -> Transfer:
    """Every unit on the open transfer becomes in transit (no bin; its warehouse
    stays the source until it arrives), one movement each, in a fixed number of
    statements and all or nothing. Dispatching again changes nothing."""
    found = get_transfer(session, transfer_id, lock=True)
    if found.status in (T.DISPATCHED, T.CLOSED):
        return found
    if found.status != T.OPEN:
        raise _refused_status(found, "open", "it is dispatched")
    on_it = queries.items_on(found.id)
    if not session.scalar(select(func.count()).select_from(TransferItem).where(queries.unfinished_on(found.id))):
        raise Conflict(f"Transfer #{found.id} has no serials: scan them onto it first.", code="empty")
    moved = session.scalars(select(SerialItem.serial).where(
        on_it, (SerialItem.status != ItemStatus.IN_STOCK)
        | (SerialItem.warehouse_id != found.from_warehouse_id)).limit(5)).all()
    if moved:
        raise Conflict(f"No longer in stock at {found.from_warehouse.code}, take them off first: "
                       f"{', '.join(moved)}.", code="status_not_allowed")
    at = utcnow()
    ledger.bulk_transition(session, where=on_it, to_status=ItemStatus.IN_TRANSIT, kind=MovementKind.DISPATCHED,
                           actor=actor, note=f"dispatched on {words(found)}", at=at)
    found = get_transfer(session, transfer_id)
    found.status = T.DISPATCHED
    found.dispatched_at = at
    found.dispatched_by_id = actor.id if actor else None
    session.flush()
    return found


def destination_bin(session: Session, found: Transfer, code: str, *, bin_prefix: str = "BIN:") -> Bin:
    """The bin a scanned label or typed code names: ``BIN:WH2/A-01``, ``WH2/A-01``
    or ``A-01`` (a bin of the destination). A bin of another warehouse is refused."""
    text = (code or "").strip()
    if text.upper().startswith(bin_prefix.upper()):
        text = text[len(bin_prefix):]
    try:
        label = barcodes.read_bin_label(text)
    except barcodes.BadCode as error:
        raise Invalid(str(error), code="invalid_bin") from None
    warehouse_code = label.warehouse_code or found.to_warehouse.code
    if warehouse_code != found.to_warehouse.code:
        raise Conflict(f"Bin {barcodes.bin_name(warehouse_code, label.bin_code)} is not in "
                       f"{found.to_warehouse.code}: the units of transfer #{found.id} go into a bin of "
                       f"{found.to_warehouse.code}.", code="wrong_warehouse")
    target = session.scalars(select(Bin).where(Bin.warehouse_id == found.to_warehouse_id,
                                               Bin.code == label.bin_code)).first()
    if target is None:
        raise NotFound(f"There is no bin {barcodes.bin_name(warehouse_code, label.bin_code)}.", code="unknown_bin")
    if not target.active:
        raise Conflict(f"Bin {barcodes.bin_name(warehouse_code, target.code)} is no longer in use.",
                       code="bin_inactive")
    return target


def receive(session: Session, *, transfer_id: int | None, serial: str, bin: str, actor: User | None,
            bin_prefix: str = "BIN:", client_scan_id: str | None = None) -> TransferItem:
    """A dispatched unit scanned into a bin of the destination: in stock there
    (the ledger's arrival movement moves its warehouse; received_at stays, so
    aging does not restart). Without ``transfer_id`` (the scan station) the
    unit's own dispatched transfer is found. Received already: nothing changes."""
    item = item_by_serial(session, serial)
    if transfer_id is None:
        line = queries.holding_line(session, item_id=item.id)
        if line is None or queries.transfer(session, line.transfer_id).status != T.DISPATCHED:
            last = queries.last_received_line(session, item_id=item.id)
            if last is not None:
                return last
            raise Conflict(f"{item.serial} is not on a dispatched transfer.", code="not_on_transfer")
        transfer_id = line.transfer_id
    found = get_transfer(session, transfer_id, lock=True)
    if found.status != T.DISPATCHED:
        raise _refused_status(found, "dispatched", "units are received")
    item = item_by_serial(session, serial, lock=True)
    line = queries.line_of(session, transfer_id=found.id, item_id=item.id)
    if line is None:
        raise Conflict(f"{item.serial} is not on transfer #{found.id}.", code="not_on_transfer")
    if line.received_at is not None:
        return line
    if item.status != ItemStatus.IN_TRANSIT:
        raise Conflict(f"{item.serial} is {ledger.human(item.status)}, not in transit: it cannot arrive.",
                       code="status_not_allowed")
    target = destination_bin(session, found, bin, bin_prefix=bin_prefix)
    at = utcnow()
    ledger.transition(session, item, to_status=ItemStatus.IN_STOCK, kind=MovementKind.ARRIVED, actor=actor,
                      to_bin=target, note=f"arrived on {words(found)}", client_scan_id=client_scan_id, at=at)
    line.received_at = at
    line.received_by_id = actor.id if actor else None
    line.bin_id = target.id
    line.holding_item_id = None
    session.flush()
    return line


def close(session: Session, *, transfer_id: int, actor: User | None) -> Transfer:
    """A dispatched transfer closed: every unit that has not arrived becomes
    missing (one movement each, the transfer named in the note). An open
    transfer closed is cancelled: nothing was dispatched, its serials are free.
    Closing again changes nothing."""
    found = get_transfer(session, transfer_id, lock=True)
    if found.status in (T.CLOSED, T.CANCELLED):
        return found
    at = utcnow()
    if found.status == T.DISPATCHED:
        # a unit whose dispatch was undone meanwhile is no longer this transfer's to lose
        strays = (select(TransferItem.id).join(SerialItem, SerialItem.id == TransferItem.item_id)
                  .where(queries.unfinished_on(found.id), SerialItem.status != ItemStatus.IN_TRANSIT))
        session.execute(update(TransferItem).where(TransferItem.id.in_(strays)).values(holding_item_id=None)
                        .execution_options(synchronize_session=False))
        # no condition on the items' status here: PostgreSQL's statistics of a just-dispatched
        # transfer call in_transit rare, and its plan for such a condition took 2.7 s for 10,000 units
        ledger.bulk_transition(session, where=queries.items_on(found.id),
                               to_status=ItemStatus.MISSING, kind=MovementKind.MARKED_MISSING, actor=actor,
                               note=f"missing: {words(found)} closed without it", at=at)
    session.execute(update(TransferItem).where(TransferItem.transfer_id == found.id)
                    .values(holding_item_id=None).execution_options(synchronize_session=False))
    found = get_transfer(session, transfer_id)
    found.status = T.CLOSED if found.status == T.DISPATCHED else T.CANCELLED
    found.closed_at = at
    found.closed_by_id = actor.id if actor else None
    session.flush()
    return found
