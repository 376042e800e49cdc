"""What an item was at a past moment, rebuilt from the ledger: the one rule.

Status and bin are on every movement (before and after): at a moment ``at``
an item was what its latest movement up to ``at`` made it (by ledger order,
the movement id), and it did not exist yet if it had none.

Warehouse, condition and ownership are written only on a movement that
changes them (``portal.models.Movement``): at ``at`` the item had the
``from_*`` value of its first such change after ``at`` or, if none came
after, the value it has now. Those changes are few and indexed by time
(migration 0014), so the subqueries here read only them.

Set-based (subqueries to join) for reports over many items at one moment,
:func:`value_after` for many movements each at its own moment (a report's
shipments), and :func:`item_at` for one item. Nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Subquery, case, func, select, union
from sqlalchemy.orm import Session, aliased

from ..models import Movement, SerialItem

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


def maybe_in(status: str, at: datetime):
    """The ids of the items that may have been in ``status`` at ``at`` (a
    superset: narrow :func:`latest_movements` with it for a rare status, e.g.
    in transit): those in it now, and those whose movements after ``at``
    include one leaving it. An item in that status at ``at`` either still is,
    or its first movement after ``at`` starts from it. Both read by index
    (the items' status, the movements' time)."""
    return union(
        select(SerialItem.id).where(SerialItem.status == status),
        select(Movement.item_id).where(Movement.at > at, Movement.from_status == status),
    )


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


def value_after(attribute: str, item_id, movement_id, current):
    """The value ``attribute`` had right after one movement (``item_id`` and
    ``movement_id``: columns of the caller's query, e.g. a shipment's): the
    ``from_*`` of the item's first change after it, else the item's ``current``
    column. A correlated subquery on ix_movements_item_at, for lists of
    movements (a report's shipments), where :func:`changed_after` takes one moment."""
    before, after = CHANGES[attribute]
    later = aliased(Movement)
    changes = (select(getattr(later, before.key))
               .where(later.item_id == item_id, later.id > movement_id, getattr(later, after.key).is_not(None))
               .correlate_except(later))
    first_later = changes.order_by(later.id).limit(1).scalar_subquery()
    has_later = changes.exists()
    return case((has_later, first_later), else_=current)


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


def item_at(session: Session, item: SerialItem, at: datetime) -> ItemAt | None:
    """``item`` as it was at ``at`` (None: it was not on any list yet)."""
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
    return ItemAt(item_id=item.id, at=at, movement_id=last.id, status=last.to_status, bin_id=last.to_bin_id,
                  **values)
