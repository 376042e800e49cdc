"""Report filters: parsed once from a query string (page, API) or options
(CLI) into plain values, with a clear message for each bad input.

Warehouses, suppliers and products are chosen by their codes (the words on
the floor), never by database ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Invalid
from ..models import Condition, Ownership, Product, Supplier, Warehouse, utcnow

EARLIEST = date(2000, 1, 1)
MAX_DEFECT_SPAN_DAYS = 3660


@dataclass(frozen=True)
class Chosen:
    """A warehouse, supplier or product picked by its code."""

    id: int
    code: str
    name: str


@dataclass(frozen=True)
class AgingFilters:
    as_of: date
    warehouse: Chosen | None = None
    supplier: Chosen | None = None
    product: Chosen | None = None
    condition: str | None = None
    ownership: str | None = None
    near_expiry_days: int = 30
    fifo_days: int = 30

    @property
    def fifo_from(self) -> date:
        return self.as_of - timedelta(days=self.fifo_days - 1)

    def describe(self) -> list[tuple[str, str]]:
        parts = [("As of", self.as_of.isoformat())]
        parts += _describe_common(self)
        if self.condition:
            parts.append(("Condition", self.condition))
        if self.ownership:
            parts.append(("Ownership", self.ownership))
        parts.append(("Near expiry", f"within {self.near_expiry_days} days"))
        parts.append(("FIFO period", f"{self.fifo_from.isoformat()} to {self.as_of.isoformat()}"))
        return parts

    def query_args(self) -> dict[str, str]:
        args = {"as_of": self.as_of.isoformat(), **_common_args(self)}
        if self.condition:
            args["condition"] = self.condition
        if self.ownership:
            args["ownership"] = self.ownership
        args["near_expiry_days"] = str(self.near_expiry_days)
        args["fifo_days"] = str(self.fifo_days)
        return args


@dataclass(frozen=True)
class DefectFilters:
    date_from: date
    date_to: date
    warehouse: Chosen | None = None
    supplier: Chosen | None = None
    product: Chosen | None = None

    def describe(self) -> list[tuple[str, str]]:
        return [("Received", f"{self.date_from.isoformat()} to {self.date_to.isoformat()}")] + _describe_common(
            self
        )

    def query_args(self) -> dict[str, str]:
        return {"date_from": self.date_from.isoformat(), "date_to": self.date_to.isoformat(), **_common_args(self)}


def _describe_common(filters) -> list[tuple[str, str]]:
    parts = []
    for label, chosen in (("Warehouse", filters.warehouse), ("Supplier", filters.supplier),
                          ("Product", filters.product)):
        parts.append((label, f"{chosen.code} ({chosen.name})" if chosen else "all"))
    return parts


def _common_args(filters) -> dict[str, str]:
    args = {}
    for key in ("warehouse", "supplier", "product"):
        chosen = getattr(filters, key)
        if chosen:
            args[key] = chosen.code
    return args


def today() -> date:
    return utcnow().date()


# --- parsing ------------------------------------------------------------------


def _text(args: Mapping, key: str) -> str:
    value = args.get(key)
    return (value or "").strip() if isinstance(value, str) else ("" if value is None else str(value).strip())


def _date(args: Mapping, key: str, label: str, default: date) -> date:
    raw = _text(args, key)
    if not raw:
        return default
    try:
        value = date.fromisoformat(raw[:10]) if len(raw) <= 10 else None
    except ValueError:
        value = None
    if value is None:
        raise Invalid(f"{label}: {raw[:40]!r} is not a date; use YYYY-MM-DD.", code="invalid_date",
                      details={"field": key})
    if value < EARLIEST or value > today():
        raise Invalid(f"{label} must be between {EARLIEST.isoformat()} and today.", code="invalid_date",
                      details={"field": key})
    return value


def _int(args: Mapping, key: str, label: str, default: int, low: int, high: int) -> int:
    raw = _text(args, key)
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise Invalid(f"{label} must be a whole number from {low} to {high}.", code="invalid_number",
                      details={"field": key})
    return int(raw)


def _choice(args: Mapping, key: str, label: str, allowed: type) -> str | None:
    raw = _text(args, key).lower()
    if not raw:
        return None
    values = [v.value for v in allowed]
    if raw not in values:
        raise Invalid(f"{label} must be one of: {', '.join(values)}.", code="invalid_choice",
                      details={"field": key})
    return raw


def _chosen(session: Session, args: Mapping, key: str) -> Chosen | None:
    raw = _text(args, key).upper()
    if not raw:
        return None
    model, code_column, label = {
        "warehouse": (Warehouse, Warehouse.code, "warehouse"),
        "supplier": (Supplier, Supplier.code, "supplier"),
        "product": (Product, Product.sku, "product (SKU)"),
    }[key]
    if len(raw) > 64 or not raw.isprintable():
        raise Invalid(f"No {label} with code {raw[:64]!r}.", code="unknown_code", details={"field": key})
    row = session.execute(select(model.id, code_column, model.name).where(code_column == raw)).first()
    if row is None:
        raise Invalid(f"No {label} with code {raw!r}.", code="unknown_code", details={"field": key})
    return Chosen(id=row[0], code=row[1], name=row[2])


def parse_aging_filters(session: Session, args: Mapping) -> AgingFilters:
    return AgingFilters(
        as_of=_date(args, "as_of", "As of", today()),
        warehouse=_chosen(session, args, "warehouse"),
        supplier=_chosen(session, args, "supplier"),
        product=_chosen(session, args, "product"),
        condition=_choice(args, "condition", "Condition", Condition),
        ownership=_choice(args, "ownership", "Ownership", Ownership),
        near_expiry_days=_int(args, "near_expiry_days", "Near expiry days", 30, 0, 365),
        fifo_days=_int(args, "fifo_days", "FIFO period days", 30, 1, 366),
    )


def default_defect_period(end: date) -> tuple[date, date]:
    """The twelve calendar months ending with ``end``'s month."""
    year, month = end.year, end.month - 11
    if month <= 0:
        year, month = year - 1, month + 12
    return date(year, month, 1), end


def parse_defect_filters(session: Session, args: Mapping) -> DefectFilters:
    end = _date(args, "date_to", "To", today())
    start = _date(args, "date_from", "From", default_defect_period(end)[0])
    if start > end:
        raise Invalid("The period's start comes after its end.", code="invalid_period",
                      details={"field": "date_from"})
    if (end - start).days > MAX_DEFECT_SPAN_DAYS:
        raise Invalid("Choose a period of at most ten years.", code="invalid_period",
                      details={"field": "date_from"})
    return DefectFilters(
        date_from=start,
        date_to=end,
        warehouse=_chosen(session, args, "warehouse"),
        supplier=_chosen(session, args, "supplier"),
        product=_chosen(session, args, "product"),
    )


def day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)


def next_day_start(day: date) -> datetime:
    return day_start(day + timedelta(days=1))

