"""What an item was at a past moment, rebuilt from the ledger: the one rule.

Status and bin are on every movement (before and after): at a moment ``at``
an item was what its latest movement up to ``at`` made it (by ledger order,
the movement id), and it did not exist yet if it had none.

Warehouse, condition and ownership are written only on a movement that
changes them (``portal.models.Movement``): at ``at`` the item had the
``from_*`` value of its first such change after ``at`` or, if none came
after, the value it has now. Those changes are few and indexed by time
(migration 0014), so the subqueries here read only them.

A serial corrected after ``at`` was, at ``at``, the ``old_serial`` of its
first correction after it (:func:`serial_then`), the same rule as the others.

Set-based (subqueries to join) for reports over many items, :func:`items_in_bins_at`
for what was in a bin or warehouse, and :func:`item_at` for one item; a moment
typed by a person or a client is read by :func:`parse_moment`. Nothing here writes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Select, Subquery, case, func, select
from sqlalchemy.orm import Session, aliased

from ..models import Bin, Movement, Product, SerialItem, Warehouse
from .models import SerialCorrection

#: attribute -> (the movement's from column, its to column: set only where it changes)
CHANGES = {
    "warehouse_id": (Movement.from_warehouse_id, Movement.to_warehouse_id),
    "condition": (Movement.from_condition, Movement.to_condition),
    "ownership": (Movement.from_ownership, Movement.to_ownership),
}


def latest_movements(at: datetime, *, item_ids=None) -> Subquery:
    """(item_id, movement_id): each item's latest movement up to ``at`` (inclusive);
    an item with none did not exist yet. ``item_ids``: a column or list to narrow to."""
    stmt = select(Movement.item_id, func.max(Movement.id).label("movement_id")).where(Movement.at <= at)
    if item_ids is not None:
        stmt = stmt.where(Movement.item_id.in_(item_ids))
    return stmt.group_by(Movement.item_id).subquery("latest_movements")


def changed_after(attribute: str, at: datetime) -> Subquery:
    """(item_id, value): for each item whose ``attribute`` (warehouse_id,
    condition or ownership) changed after ``at``, the value it had at ``at``
    (the first later change's ``from_*``, which may be NULL: it had none).
    An item not in it had at ``at`` the value it has now: LEFT JOIN this and
    take ``value`` where ``item_id`` matched, else the item's own column
    (:func:`value_at`)."""
    before, after = CHANGES[attribute]
    first = (
        select(Movement.item_id, func.min(Movement.id).label("movement_id"))
        .where(after.is_not(None), Movement.at > at)
        .group_by(Movement.item_id)
        .subquery()
    )
    return (
        select(Movement.item_id, before.label("value"))
        .join(first, first.c.movement_id == Movement.id)
        .subquery(f"{attribute}_at")
    )


def value_at(changes: Subquery, current):
    """The value at the moment, given a LEFT JOIN of :func:`changed_after`'s ``changes``
    and the item's ``current`` column."""
    return case((changes.c.item_id.is_not(None), changes.c.value), else_=current)


#: "+02:00" sent unencoded in a query string arrives as " 02:00"
_OFFSET_AS_SPACE = re.compile(r" (\d{2}(?::?\d{2})?)$")


def parse_moment(text: str) -> datetime:
    """An ISO 8601 moment (a date alone is its midnight), with ``Z``, an offset or
    neither (then UTC), as the naive UTC the database holds. ValueError if it is not one."""
    text = _OFFSET_AS_SPACE.sub(r"+\1", (text or "").strip())
    if not text or len(text) > 40:
        raise ValueError(text)
    moment = datetime.fromisoformat(text)
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def serial_then(at: datetime) -> Subquery:
    """(item_id, value): for each item whose serial was corrected after ``at``, the
    serial it had at ``at`` (its first later correction's old value). LEFT JOIN it
    and take :func:`value_at` with the item's ``serial``."""
    first = (select(SerialCorrection.item_id, func.min(SerialCorrection.id).label("correction_id"))
             .where(SerialCorrection.corrected_at > at).group_by(SerialCorrection.item_id).subquery())
    return (select(SerialCorrection.item_id, SerialCorrection.old_serial.label("value"))
            .join(first, first.c.correction_id == SerialCorrection.id).subquery("serial_at"))


def items_in_bins_at(at: datetime, bins) -> Select:
    """What was in ``bins`` (a list or subquery of bin ids) at ``at``: the items
    whose latest movement up to ``at`` left them in one of those bins. Rows of
    (SerialItem, serial then, sku, status, bin code, condition, ownership then),
    by serial. Only items that ever went into one of the bins by then are read."""
    entered = select(Movement.item_id).where(Movement.to_bin_id.in_(bins), Movement.at <= at)
    latest = latest_movements(at, item_ids=entered)
    last = aliased(Movement)
    condition, ownership, serial = changed_after("condition", at), changed_after("ownership", at), serial_then(at)
    return (
        select(SerialItem, value_at(serial, SerialItem.serial).label("serial_then"), Product.sku,
               last.to_status.label("status"), Bin.code.label("bin"),
               value_at(condition, SerialItem.condition).label("condition"),
               value_at(ownership, SerialItem.ownership).label("ownership"))
        .join(latest, latest.c.item_id == SerialItem.id)
        .join(last, last.id == latest.c.movement_id)
        .join(Bin, Bin.id == last.to_bin_id)
        .join(Product, Product.id == SerialItem.product_id)
        .outerjoin(condition, condition.c.item_id == SerialItem.id)
        .outerjoin(ownership, ownership.c.item_id == SerialItem.id)
        .outerjoin(serial, serial.c.item_id == SerialItem.id)
        .where(last.to_bin_id.in_(bins))
        .order_by(SerialItem.serial_key)
    )


def bins_of(warehouse_id: int, bin_code: str | None = None) -> Select:
    """The ids of a warehouse's bins (one bin, by its code, when given)."""
    stmt = select(Bin.id).where(Bin.warehouse_id == warehouse_id)
    return stmt.where(Bin.code == bin_code.strip().upper()) if bin_code else stmt


@dataclass(frozen=True)
class ItemAt:
    """One item as it was at a moment (ids; the caller names bins and warehouses)."""

    item_id: int
    at: datetime
    movement_id: int  # the latest movement up to the moment
    status: str
    bin_id: int | None
    warehouse_id: int | None
    condition: str
    ownership: str
    serial: str  # the serial it had then (before a later correction)
    bin_code: str | None = None
    warehouse_code: str | None = None


def item_at(session: Session, item: SerialItem, at: datetime) -> ItemAt | None:
    """``item`` as it was at ``at`` (None: it was not on any list yet), with the
    codes of its bin and warehouse then."""
    last = session.scalars(
        select(Movement).where(Movement.item_id == item.id, Movement.at <= at).order_by(Movement.id.desc()).limit(1)
    ).first()
    if last is None:
        return None
    values = {}
    for attribute, (before, after) in CHANGES.items():
        first_later = session.execute(
            select(before).where(Movement.item_id == item.id, after.is_not(None), Movement.at > at)
            .order_by(Movement.id).limit(1)
        ).first()
        values[attribute] = first_later[0] if first_later else getattr(item, attribute)
    corrected_later = session.scalar(select(SerialCorrection.old_serial).where(
        SerialCorrection.item_id == item.id, SerialCorrection.corrected_at > at).order_by(SerialCorrection.id).limit(1))
    bin_code = session.scalar(select(Bin.code).where(Bin.id == last.to_bin_id)) if last.to_bin_id else None
    warehouse_code = (session.scalar(select(Warehouse.code).where(Warehouse.id == values["warehouse_id"]))
                      if values["warehouse_id"] else None)
    return ItemAt(item_id=item.id, at=at, movement_id=last.id, status=last.to_status, bin_id=last.to_bin_id,
                  serial=corrected_later or item.serial, bin_code=bin_code, warehouse_code=warehouse_code, **values)
