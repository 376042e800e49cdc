"""The returns to suppliers part of the defects-by-supplier report: what each
supplier has been sent back and what it still owes.

Each return the period saw (see :func:`queries.supplier_returns_in_period`)
is taken in its state at the period's end, from its own times: open (not
shipped yet), shipped and awaiting the supplier's credit (aged from the day
it was shipped), credited (closed with a credit note number) or closed
without one. Units are the serials on the return; a unit the supplier has
replaced (linked to the unit it sent instead) is settled, so it counts as
replaced, not as awaiting credit or credited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from .filters import DefectFilters, next_day_start
from .results import Column, Table, total_label

OPEN = "open"
AWAITING = "awaiting credit"
CREDITED = "credited"
UNCREDITED = "closed, no credit note"
RETURN_LIMIT = 30

SUPPLIER_COLUMNS = [
    Column("supplier_code", "Code"),
    Column("supplier_name", "Supplier"),
    Column("open_units", "On open returns", "int"),
    Column("awaiting_units", "Shipped, awaiting credit", "int"),
    Column("oldest_awaiting_days", "Oldest awaiting credit", "days"),
    Column("replaced_units", "Replaced", "int"),
    Column("credited_units", "Credited", "int"),
    Column("credit_notes", "Credit notes"),
    Column("uncredited_units", "Closed, no credit note", "int"),
]
RETURN_COLUMNS = [
    Column("return_no", "Return"),
    Column("supplier_code", "Supplier"),
    Column("supplier_name", "Supplier name", detail=True),
    Column("warehouse_code", "Warehouse"),
    Column("rma_number", "RMA"),
    Column("state", "State"),
    Column("units", "Units", "int"),
    Column("replaced", "Replaced", "int"),
    Column("opened_on", "Opened", "date"),
    Column("shipped_on", "Shipped", "date"),
    Column("days_awaiting", "Days awaiting credit", "days"),
    Column("credit_note", "Credit note"),
]
#: the returns list: awaiting credit first (oldest shipment first), then open, then closed
STATE_ORDER = {AWAITING: 0, OPEN: 1, UNCREDITED: 2, CREDITED: 3}


def _day(moment: datetime | None) -> date | None:
    return moment.date() if moment is not None else None


def state_at(row, end: datetime) -> str:
    """A return's state at ``end`` (the start of the day after the period)."""
    if row.closed_at is not None and row.closed_at < end:
        return CREDITED if row.credit_note else UNCREDITED
    if row.shipped_at is not None and row.shipped_at < end:
        return AWAITING
    return OPEN


@dataclass
class ReturnsPart:
    by_supplier: Table
    returns: Table
    totals: dict  # the supplier table's sums: open_units, awaiting_units, oldest_awaiting_days, ...

    @property
    def any(self) -> bool:
        return bool(self.returns.rows)


def returns_part(rows: list, filters: DefectFilters, supplier_order: list[str]) -> ReturnsPart:
    """The per-supplier summary and the list of returns. Suppliers come in
    ``supplier_order`` (the report's ranking), the others after, by code."""
    end = next_day_start(filters.date_to)
    listed: list[dict] = []
    suppliers: dict[str, dict] = {}
    for row in rows:
        state = state_at(row, end)
        units, replaced = int(row.units), int(row.replaced)
        owed = units - replaced  # by state: the units on open, awaiting credit, credited or closed without
        awaiting = (filters.date_to - row.shipped_at.date()).days if state == AWAITING and owed else None
        listed.append({
            "return_no": f"#{row.return_id}", "return_id": row.return_id, "supplier_code": row.supplier_code,
            "supplier_name": row.supplier_name, "warehouse_code": row.warehouse_code, "rma_number": row.rma_number,
            "state": state, "units": units, "replaced": replaced, "opened_on": _day(row.created_at),
            "shipped_on": _day(row.shipped_at) if row.shipped_at and row.shipped_at < end else None,
            "days_awaiting": awaiting, "credit_note": row.credit_note if state == CREDITED else None,
        })
        mine = suppliers.setdefault(row.supplier_code, {
            "supplier_code": row.supplier_code, "supplier_name": row.supplier_name, "open_units": 0,
            "awaiting_units": 0, "oldest_awaiting_days": None, "replaced_units": 0, "credited_units": 0,
            "notes": [], "uncredited_units": 0})
        key = {OPEN: "open_units", AWAITING: "awaiting_units", CREDITED: "credited_units",
               UNCREDITED: "uncredited_units"}[state]
        mine[key] += owed
        mine["replaced_units"] += replaced
        if awaiting is not None:
            mine["oldest_awaiting_days"] = max(awaiting, mine["oldest_awaiting_days"] or 0)
        if state == CREDITED and row.credit_note not in mine["notes"]:
            mine["notes"].append(row.credit_note)
    rank = {code: index for index, code in enumerate(supplier_order)}
    summary = sorted(suppliers.values(), key=lambda r: (rank.get(r["supplier_code"], len(rank)), r["supplier_code"]))
    for row in summary:
        row["credit_notes"] = ", ".join(sorted(row.pop("notes")))
    listed.sort(key=lambda r: (STATE_ORDER[r["state"]], -(r["days_awaiting"] or 0), r["return_id"]))
    sums = {key: sum(r[key] for r in summary)
            for key in ("open_units", "awaiting_units", "replaced_units", "credited_units", "uncredited_units")}
    ages = [r["oldest_awaiting_days"] for r in summary if r["oldest_awaiting_days"] is not None]
    sums["oldest_awaiting_days"] = max(ages) if ages else None
    return ReturnsPart(
        by_supplier=Table("supplier_returns", "Returns to suppliers: what each supplier still owes",
                          SUPPLIER_COLUMNS, summary,
                          totals=total_label("supplier_code", summary, sums) if summary else None,
                          note="State at the period's end. Days awaiting credit: since the return was shipped."),
        returns=Table("returns", "Returns to suppliers, awaiting credit first", RETURN_COLUMNS, listed, RETURN_LIMIT,
                      totals=(total_label("return_no", listed, {key: sum(r[key] for r in listed)
                                                                  for key in ("units", "replaced")})
                              if listed else None)),
        totals=sums,
    )
