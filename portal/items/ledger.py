"""The ledger: the only code that changes an item's status, bin, warehouse,
condition or ownership, and the only code that writes movements.

Every change appends one movement in the caller's transaction (the database
refuses UPDATE and DELETE on movements, migration 0006_ledger). For one item:
:func:`transition` (status, bin, warehouse, and condition or ownership with
it), :func:`change_condition`, :func:`change_ownership`, :func:`correct_serial`
(the serial typed wrong put right), :func:`reverse_last_movement` (undo) and :func:`list_item`. In bulk, set-based
with SQLAlchemy Core, a fixed number of statements whatever the number of
items: :func:`list_items` (a supplier list's "listed" movements as one
INSERT ... SELECT) and :func:`bulk_transition`. :func:`record_history` writes
the past of items created in their present state (the demo, test data).

Nothing here commits: the request, API call or CLI command does, once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    Integer,
    String,
    any_,
    bindparam,
    case,
    column,
    func,
    insert,
    literal,
    null,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from ..errors import Conflict, Invalid
from ..feed.clock import transaction_number
from ..models import (
    Bin,
    BinKind,
    Condition,
    ItemStatus,
    Movement,
    MovementKind,
    Ownership,
    SerialItem,
    User,
    Warehouse,
    utcnow,
)

S = ItemStatus

#: The allowed status changes, written once. A status may "change" to itself
#: (a move or a count that confirms where it is) only where listed.
TRANSITIONS: dict[ItemStatus, frozenset[ItemStatus]] = {
    S.EXPECTED: frozenset({S.IN_STOCK, S.MISSING, S.DEFECTIVE}),
    S.IN_STOCK: frozenset({S.IN_STOCK, S.SOLD, S.DEFECTIVE, S.MISSING, S.RETURNED_TO_SUPPLIER, S.IN_TRANSIT}),
    S.SOLD: frozenset({S.IN_STOCK, S.DEFECTIVE}),  # customer returns
    S.DEFECTIVE: frozenset({S.DEFECTIVE, S.IN_STOCK, S.RETURNED_TO_SUPPLIER, S.SCRAPPED}),
    S.MISSING: frozenset({S.IN_STOCK}),  # found again
    S.RETURNED_TO_SUPPLIER: frozenset(),
    S.SCRAPPED: frozenset(),
    S.IN_TRANSIT: frozenset({S.IN_STOCK, S.MISSING}),  # arrives at the destination, or the transfer closes without it
}

#: Quarantine is enforced: a defective item stays in its warehouse's quarantine
#: bin and leaves it only by one of these outcomes (repaired back into stock,
#: returned to the supplier, scrapped). An undo is a reversal, not a transition.
QUARANTINE_OUTCOMES = frozenset({MovementKind.RESTOCKED, MovementKind.RETURNED, MovementKind.SCRAPPED})

#: Statuses in which an item physically sits in a bin.
IN_A_BIN = frozenset({S.IN_STOCK, S.DEFECTIVE})

#: Movements that cannot be undone: the listing starts the story, an undo is not undone, and a serial
#: correction is put right by another correction (an undo restores status and bin, not the serial).
NOT_REVERSIBLE = frozenset({MovementKind.LISTED, MovementKind.REVERSED, MovementKind.SERIAL_CORRECTED})

#: Rows per statement when writing history (SQLite binds at most 32,766 values).
HISTORY_CHUNK = 2_000


def human(status: str) -> str:
    return status.replace("_", " ")


def can_transition(from_status: str | None, to_status: str) -> bool:
    if from_status is None:
        return to_status == S.EXPECTED
    return ItemStatus(to_status) in TRANSITIONS[ItemStatus(from_status)]


def _refuse(serial: str, from_status: str | None, to_status: str) -> Invalid:
    return Invalid(
        f"{serial} is {human(from_status or 'new')}; it cannot become {human(to_status)}",
        code="status_not_allowed",
    )


def quarantine_refusal(item: SerialItem, *, to_status: str, kind: str, to_bin: Bin | None) -> str | None:
    """Why a change would take a defective item out of quarantine other than by
    an outcome (None if it would not): what the item is and what is allowed."""
    if item.status != S.DEFECTIVE:
        return None
    if to_status == S.DEFECTIVE and (to_bin is None or to_bin.kind == BinKind.QUARANTINE):
        return None
    if to_status != S.DEFECTIVE and kind in QUARANTINE_OUTCOMES:
        return None
    return (f"{item.serial} is defective and in quarantine: it leaves quarantine only by repair, "
            "scrap or a return to the supplier.")


def _changed(before, after) -> tuple:
    """(from, to) for a movement's columns of an attribute: both set when it changes, else neither."""
    return (before, after) if after is not None and after != before else (None, None)


def _append(
    session: Session,
    item: SerialItem,
    *,
    kind: str,
    to_status: str,
    to_bin: Bin | None,
    to_warehouse_id: int | None,
    to_condition: str | None,
    to_ownership: str | None,
    actor: User | None,
    note: str | None,
    client_scan_id: str | None,
    at: datetime | None,
    keep_bin: bool = False,
    channel_id: int | None = None,
) -> Movement:
    """Apply a change to the item and append its movement (no rule checked
    here). ``keep_bin``: the item stays in its bin, whatever ``to_bin`` says."""
    from_status, from_bin_id = item.status, item.bin_id
    from_warehouse, to_warehouse = _changed(item.warehouse_id, to_warehouse_id)
    from_condition, to_condition = _changed(item.condition, to_condition)
    from_ownership, to_ownership = _changed(item.ownership, to_ownership)
    if not keep_bin:
        item.bin = to_bin
        item.bin_id = to_bin.id if to_bin else None
    if to_warehouse is not None:
        item.warehouse_id = to_warehouse
    if to_condition is not None:
        item.condition = to_condition
    if to_ownership is not None:
        item.ownership = to_ownership
    item.status = str(to_status)
    movement = Movement(
        item=item,
        kind=str(kind),
        from_bin_id=from_bin_id,
        to_bin_id=item.bin_id,
        from_status=from_status,
        to_status=str(to_status),
        from_warehouse_id=from_warehouse,
        to_warehouse_id=to_warehouse,
        from_condition=from_condition,
        to_condition=to_condition,
        from_ownership=from_ownership,
        to_ownership=to_ownership,
        actor_id=actor.id if actor else None,
        at=at or utcnow(),
        note=note,
        client_scan_id=client_scan_id,
        channel_id=channel_id if channel_id is not None else _actor_channel(actor),
        txid=transaction_number(session),
    )
    session.add(movement)
    return movement


def _actor_channel(actor: User | None) -> int | None:
    """A channel's integration account acts for its channel: its changes carry it."""
    return actor.channel_id if actor is not None else None


def transition(
    session: Session,
    item: SerialItem,
    *,
    to_status: str,
    kind: str,
    actor: User | None,
    to_bin: Bin | None = None,
    to_warehouse: Warehouse | None = None,
    to_condition: str | None = None,
    to_ownership: str | None = None,
    note: str | None = None,
    client_scan_id: str | None = None,
    at: datetime | None = None,
    channel_id: int | None = None,
) -> Movement:
    """Change one item's status (and bin) and append its movement.

    ``to_bin`` is where the item ends up (its warehouse becomes the item's);
    for statuses outside a bin the bin is cleared and ``to_warehouse``, if
    given, is where the item now belongs (a transfer). A condition or ownership
    given changes in the same movement (a repair comes back refurbished).
    ``channel_id``: the sales channel the change came through (an order's
    channel when its unit ships; else the actor's, if a channel's account).
    Raises :class:`Invalid` for a change the table does not allow.
    """
    if not can_transition(item.status, to_status):
        raise _refuse(item.serial, item.status, to_status)
    why = quarantine_refusal(item, to_status=to_status, kind=kind, to_bin=to_bin)
    if why:
        raise Conflict(why, code="in_quarantine")
    target = None
    warehouse_id = to_warehouse.id if to_warehouse else None
    if ItemStatus(to_status) in IN_A_BIN:
        target = to_bin or item.bin
        if target is None:
            raise Invalid(f"{item.serial}: a bin is needed", code="bin_required")
        warehouse_id = target.warehouse_id
    return _append(session, item, kind=kind, to_status=to_status, to_bin=target, to_warehouse_id=warehouse_id,
                   to_condition=_checked(Condition, to_condition), to_ownership=_checked(Ownership, to_ownership),
                   actor=actor, note=note, client_scan_id=client_scan_id, at=at, channel_id=channel_id)


def sell(
    session: Session,
    item: SerialItem,
    *,
    order_ref: str | None,
    warranty_ends_on: date | None,
    actor: User | None,
    channel_id: int | None = None,
    note: str | None = None,
    client_scan_id: str | None = None,
    at: datetime | None = None,
) -> Movement:
    """A sale: the item becomes sold (a ``shipped`` movement) and keeps the
    sale's time, order and warranty end, all from the one moment. Every way of
    selling (a ship scan, an order's pick, a sale at the counter, an exchange's
    replacement) comes here; an undo of the sale clears them again."""
    at = at or utcnow()
    movement = transition(session, item, to_status=S.SOLD, kind=MovementKind.SHIPPED, actor=actor, note=note,
                          client_scan_id=client_scan_id, at=at, channel_id=channel_id)
    item.sold_at = at
    item.order_ref = order_ref
    item.warranty_ends_on = warranty_ends_on
    return movement


def _checked(values: type, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return str(values(value))
    except ValueError:
        allowed = ", ".join(v.value for v in values)
        raise Invalid(f"{value!r} is not one of: {allowed}.", code=f"unknown_{values.__name__.lower()}") from None


#: What a change in place changes: the item's attribute, its allowed values, the movement's kind.
_IN_PLACE = {"condition": (Condition, MovementKind.CONDITION_CHANGED),
             "ownership": (Ownership, MovementKind.OWNERSHIP_CHANGED)}

#: The statuses in which an item's condition or ownership may change, written once.
#: Condition: only while the unit is in our hands to look at (on the receiving desk,
#: in stock, in quarantine); not in transit or missing (nobody can see it), not sold
#: (a customer return sets it when it comes back), not once it has left for good
#: (returned to the supplier, scrapped). Ownership (what the supplier is paid for) is
#: paperwork: it may change wherever the unit still is ours or the supplier's to
#: settle, but not once sold (the sale is settled under the ownership it had then)
#: and not after it left for good.
IN_PLACE_STATUSES: dict[str, frozenset[ItemStatus]] = {
    "condition": frozenset({S.EXPECTED, S.IN_STOCK, S.DEFECTIVE}),
    "ownership": frozenset({S.EXPECTED, S.IN_STOCK, S.DEFECTIVE, S.MISSING, S.IN_TRANSIT}),
}


def in_place_refusal(item: SerialItem, attribute: str) -> str | None:
    """Why ``item``'s ``attribute`` (condition or ownership) cannot change in its status, or None."""
    if ItemStatus(item.status) in IN_PLACE_STATUSES[attribute]:
        return None
    allowed = ", ".join(human(s) for s in ItemStatus if s in IN_PLACE_STATUSES[attribute])
    return f"{item.serial} is {human(item.status)}: its {attribute} cannot change (only when {allowed})."


def _change_in_place(session: Session, item: SerialItem, attribute: str, value: str, actor: User | None,
                     note: str | None, client_scan_id: str | None, at: datetime | None) -> Movement:
    """A change of condition or ownership: status and bin stay as they are. Refused
    (409) in a status :data:`IN_PLACE_STATUSES` does not list, and when unchanged."""
    values, kind = _IN_PLACE[attribute]
    wanted = _checked(values, value)
    why = in_place_refusal(item, attribute)
    if why:
        raise Conflict(why, code="status_not_allowed")
    if wanted == getattr(item, attribute):
        raise Conflict(f"{item.serial} is already {wanted}.", code=f"{attribute}_unchanged")
    return _append(session, item, kind=kind, to_status=item.status, to_bin=None, keep_bin=True,
                   to_warehouse_id=None, to_condition=wanted if attribute == "condition" else None,
                   to_ownership=wanted if attribute == "ownership" else None, actor=actor, note=note,
                   client_scan_id=client_scan_id, at=at)


def change_condition(session: Session, item: SerialItem, *, condition: str, actor: User | None,
                     note: str | None = None, client_scan_id: str | None = None,
                     at: datetime | None = None) -> Movement:
    """Regular, sample, damaged or refurbished (one movement, from and to)."""
    return _change_in_place(session, item, "condition", condition, actor, note, client_scan_id, at)


def change_ownership(session: Session, item: SerialItem, *, ownership: str, actor: User | None,
                     note: str | None = None, client_scan_id: str | None = None,
                     at: datetime | None = None) -> Movement:
    """Owned or on consignment (a consignment unit bought out): one movement, from and to."""
    return _change_in_place(session, item, "ownership", ownership, actor, note, client_scan_id, at)


def correct_serial(session: Session, item: SerialItem, *, serial: str, key: str, actor: User | None,
                   note: str | None = None, at: datetime | None = None) -> Movement:
    """A serial typed wrong put right: ``serial``/``serial_key`` take the new value
    (checked by the caller, :func:`portal.items.services.correct_serial`) and one
    movement names "old → new" (status and bin unchanged)."""
    words = f"{item.serial} → {serial}" + (f": {note}" if note else "")
    item.serial, item.serial_key = serial, key
    return _append(session, item, kind=MovementKind.SERIAL_CORRECTED, to_status=item.status, to_bin=None,
                   keep_bin=True, to_warehouse_id=None, to_condition=None, to_ownership=None, actor=actor,
                   note=words, client_scan_id=None, at=at)


def latest_movement(session: Session, item_id: int) -> Movement | None:
    return session.scalars(
        select(Movement).where(Movement.item_id == item_id).order_by(Movement.id.desc()).limit(1)
    ).first()


def reverse_last_movement(
    session: Session, item: SerialItem, *, actor: User | None, client_scan_id: str | None = None
) -> Movement:
    """Undo: write a movement that puts the item back where its latest movement
    took it from (status, bin, warehouse, condition, ownership). Only the latest
    movement of an item can be reversed, and a reversal cannot itself be reversed."""
    last = latest_movement(session, item.id)
    if last is None or last.kind in NOT_REVERSIBLE or last.from_status is None:
        raise Conflict(f"{item.serial}: nothing to undo", code="nothing_to_undo")
    back_bin = session.get(Bin, last.from_bin_id) if last.from_bin_id else None
    warehouse_id = last.from_warehouse_id or (back_bin.warehouse_id if back_bin else None)
    if last.kind == MovementKind.SHIPPED:
        item.sold_at = None
        item.order_ref = None
        item.warranty_ends_on = None
    if last.kind == MovementKind.RECEIVED:
        item.received_at = None
    return _append(session, item, kind=MovementKind.REVERSED, to_status=last.from_status, to_bin=back_bin,
                   to_warehouse_id=warehouse_id,
                   to_condition=last.from_condition if last.to_condition else None,
                   to_ownership=last.from_ownership if last.to_ownership else None,
                   actor=actor, note=f"reverses movement #{last.id} ({last.kind})", client_scan_id=client_scan_id,
                   at=None)


def list_item(session: Session, item: SerialItem, *, actor: User | None, note: str | None = None,
              at: datetime | None = None) -> Movement:
    """The first movement of a new item (status expected): it is on a list."""
    if item.status != S.EXPECTED:
        raise _refuse(item.serial, None, item.status)
    movement = Movement(item=item, kind=MovementKind.LISTED, to_status=S.EXPECTED,
                        actor_id=actor.id if actor else None, at=at or utcnow(), note=note,
                        txid=transaction_number(session))
    session.add(movement)
    return movement


def list_items(session: Session, *, where: ColumnElement[bool], actor: User | None, at: datetime,
               note: str | None = None) -> None:
    """One "listed" movement for every new item matching ``where`` (items just
    inserted as expected, e.g. a receipt's): a single INSERT ... SELECT."""
    source = select(
        SerialItem.id,
        literal(MovementKind.LISTED.value, String),
        literal(S.EXPECTED.value, String),
        literal(actor.id if actor else None, Integer),
        literal(at, DateTime),
        literal(note, String),
        literal(transaction_number(session), BigInteger),
    ).where(where, SerialItem.status == S.EXPECTED)
    session.execute(insert(Movement).from_select(
        ["item_id", "kind", "to_status", "actor_id", "at", "note", "txid"], source))


def _one_of_ids(session: Session, ids: list[int]) -> ColumnElement[bool]:
    """``serial_items.id`` among ``ids`` with one bound value whatever their number:
    an array on PostgreSQL, a JSON array read by json_each on SQLite."""
    if session.get_bind().dialect.name == "postgresql":
        return SerialItem.id == any_(bindparam("item_ids", ids, type_=ARRAY(Integer)))
    listed = func.json_each(bindparam("item_ids", json.dumps(ids))).table_valued(column("value", Integer))
    return SerialItem.id.in_(select(listed.c.value))


def bulk_transition(
    session: Session,
    *,
    where: ColumnElement[bool],
    to_status: str,
    kind: str,
    actor: User | None,
    to_bin_id: int | None = None,
    note: str | None = None,
    at: datetime | None = None,
    mark_received: bool = False,
) -> int:
    """Every item matching ``where`` changes to ``to_status``, one movement each,
    in four statements whatever their number: lock and read the items' ids and
    statuses, check the transition table, INSERT ... SELECT the movements (from
    the items' current status, bin and warehouse), UPDATE the items. Into a bin
    status the items go to ``to_bin_id`` (or stay in their bins); otherwise the
    bin is cleared. Returns how many changed. All or nothing: one status the
    table does not allow refuses the lot."""
    rows = session.execute(
        select(SerialItem.id, SerialItem.status, SerialItem.bin_id).where(where).with_for_update()
    ).all()
    if not rows:
        return 0
    for status in {row.status for row in rows}:
        if not can_transition(status, to_status):
            count = sum(1 for row in rows if row.status == status)
            raise Invalid(f"{count} of these items are {human(status)}; they cannot become {human(to_status)}.",
                          code="status_not_allowed")
    in_a_bin = ItemStatus(to_status) in IN_A_BIN
    if in_a_bin and to_bin_id is None and any(row.bin_id is None for row in rows):
        raise Invalid("A bin is needed for items that are in none.", code="bin_required")
    at = at or utcnow()
    chosen = _one_of_ids(session, [row.id for row in rows])
    if not in_a_bin:
        new_bin, new_warehouse = null(), None
    elif to_bin_id is None:
        new_bin, new_warehouse = SerialItem.bin_id, None
    else:
        new_bin, new_warehouse = literal(to_bin_id, Integer), session.get(Bin, to_bin_id).warehouse_id
    moves_warehouse = (SerialItem.warehouse_id.is_distinct_from(new_warehouse)
                       if new_warehouse is not None else literal(False))
    session.execute(insert(Movement).from_select(
        ["item_id", "kind", "from_bin_id", "to_bin_id", "from_status", "to_status", "from_warehouse_id",
         "to_warehouse_id", "actor_id", "at", "note", "channel_id", "txid"],
        select(
            SerialItem.id,
            literal(str(kind), String),
            SerialItem.bin_id,
            new_bin,
            SerialItem.status,
            literal(str(to_status), String),
            case((moves_warehouse, SerialItem.warehouse_id), else_=null()),
            case((moves_warehouse, literal(new_warehouse, Integer)), else_=null()),
            literal(actor.id if actor else None, Integer),
            literal(at, DateTime),
            literal(note, String),
            literal(_actor_channel(actor), Integer),
            literal(transaction_number(session), BigInteger),
        ).where(chosen),
    ))
    values = {"status": str(to_status), "bin_id": new_bin}
    if new_warehouse is not None:
        values["warehouse_id"] = new_warehouse
    if mark_received:
        values["received_at"] = at
    session.execute(update(SerialItem).where(chosen).values(**values).execution_options(synchronize_session=False))
    session.expire_all()
    return len(rows)


def record_history(session: Session, movements: Iterable[dict]) -> int:
    """The past of items created in their present state (the demo warehouse,
    test data): movements as dicts of Movement's columns, oldest first per item,
    written as given. The caller vouches for the story (the demo's plan checks
    every step against :data:`TRANSITIONS`). Multi-row INSERTs in chunks: a
    fixed number of rows per statement."""
    txid = transaction_number(session)
    rows = [{**row, "txid": txid} for row in movements]
    columns = sorted({key for row in rows for key in row})
    for start in range(0, len(rows), HISTORY_CHUNK):
        chunk = [{key: row.get(key) for key in columns} for row in rows[start:start + HISTORY_CHUNK]]
        session.execute(insert(Movement).values(chunk))
    return len(rows)
