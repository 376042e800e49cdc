"""Warranty dates: pure rules, no database, no Flask."""

from __future__ import annotations

import calendar
from datetime import date


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def warranty_ends_on(sold_on: date, warranty_months: int) -> date | None:
    """The last day of a warranty that starts at the sale (none for 0 months)."""
    return add_months(sold_on, warranty_months) if warranty_months else None
