"""How long an item has been with us and in its bin: plain rules over the
item and its movements, no database, no Flask.

A unit that left stock (sold, returned to the supplier, gone missing) stops
aging on the day it left; a defective unit is still on hand and keeps aging.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from ..models import ItemStatus

#: Statuses an item leaves stock by: its age stops at the movement into them.
LEFT_STOCK = frozenset({ItemStatus.SOLD, ItemStatus.RETURNED_TO_SUPPLIER, ItemStatus.MISSING})


@dataclass(frozen=True)
class Age:
    days: int
    received_at: datetime
    left_at: datetime | None  # None while the unit is still on hand


def _newest_first(movements: Iterable) -> list:
    return sorted(movements, key=lambda m: (m.at, m.id or 0), reverse=True)


def left_stock_at(item, movements: Iterable) -> datetime | None:
    """When the item went into the status it left stock by (None if on hand)."""
    if item.status not in LEFT_STOCK:
        return None
    for movement in _newest_first(movements):
        if movement.to_status == item.status:
            return movement.at
    return item.sold_at


def item_age(item, movements: Iterable, now: datetime) -> Age | None:
    """Received -> left stock (or now while on hand); None before receipt."""
    if item.received_at is None:
        return None
    left_at = left_stock_at(item, movements)
    end = left_at or now
    return Age(days=max((end - item.received_at).days, 0), received_at=item.received_at, left_at=left_at)


def in_bin_since(item, movements: Iterable) -> datetime | None:
    """The last movement into the item's current bin (None if in no bin)."""
    if item.bin_id is None:
        return None
    for movement in _newest_first(movements):
        if movement.to_bin_id == item.bin_id:
            return movement.at
    return None
