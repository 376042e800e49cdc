"""Warranty dates and whether an item is in warranty: pure rules, no database, no Flask."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def warranty_ends_on(sold_on: date, warranty_months: int) -> date | None:
    """The last day of a warranty that starts at the sale (none for 0 months)."""
    return add_months(sold_on, warranty_months) if warranty_months else None


@dataclass(frozen=True)
class WarrantyState:
    """What the counter needs about one item's warranty on one day."""

    sold_at: datetime | None
    order_ref: str | None
    ends_on: date | None
    in_warranty: bool
    days_left: int | None  # negative once it is over (days over), None with no end date

    @property
    def days_over(self) -> int | None:
        return -self.days_left if self.days_left is not None and self.days_left < 0 else None


def warranty_state(item, today: date) -> WarrantyState:
    """The one rule, for the API, the item page and customer returns: the
    warranty runs from the item's latest sale (its ``shipped`` movement, whose
    time the ship scan stores as ``sold_at``) to ``warranty_ends_on`` (stored at
    the sale; an exchange carries the original's end over), last day included.
    Only an item that is sold now is in warranty: one never sold has no sale, and
    one back with us (in stock, quarantine) keeps its last sale for the record.
    Reads the item's own columns only: no query beyond loading the item."""
    sold_at = item.sold_at
    ends_on = item.warranty_ends_on if sold_at is not None else None
    days_left = (ends_on - today).days if ends_on is not None else None
    in_warranty = item.status == "sold" and days_left is not None and days_left >= 0
    return WarrantyState(sold_at=sold_at, order_ref=item.order_ref if sold_at else None, ends_on=ends_on,
                         in_warranty=in_warranty, days_left=days_left)
