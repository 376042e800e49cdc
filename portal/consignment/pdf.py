"""The statement as a report (``reports.results``): facts and tables that the
page, the PDF and the CSV all read, rendered by ``reports.downloads`` like
every other report. Hostile references are text in it: Jinja escapes them on
the page and in the PDF, the CSV writer neutralises formulas."""

from __future__ import annotations

import re
from dataclasses import replace

from flask import current_app

from ..exports import CsvOptions
from ..models import utcnow
from ..reports.downloads import Download, render_report
from ..reports.results import Column, Fact, Report, Table
from .services import Statement

#: Sale rows on the page and in the PDF; the CSV holds them all.
SHOWN_SALES = 200

SALE_COLUMNS = [
    Column("serial", "Serial"),
    Column("sku", "SKU"),
    Column("sold_at", "Sold at (UTC)", "date"),
    Column("order_ref", "Order"),
    Column("unit_cost", "Unit cost", "money"),
    Column("settled_in", "Paid in settlement"),
]
SETTLEMENT_COLUMNS = [
    Column("until", "Up to", "date"),
    Column("reference", "Supplier's reference"),
    Column("units", "Sales", "int"),
    Column("amount", "Amount", "money"),
    Column("created_by", "By"),
    Column("created_at", "Recorded (UTC)", "date"),
]


def _period(found: Statement) -> str:
    start = found.date_from.isoformat() if found.date_from else "the beginning"
    return f"{start} to {found.date_to.isoformat()}"


def statement_report(found: Statement, *, currency: str = "") -> Report:
    """The statement as a report. A statement listing only its first sales
    (the page, the PDF) says in the table's note how many there are."""
    totals = found.totals
    sales = [{**sale._asdict(), "sold_at": sale.sold_at.replace(microsecond=0)} for sale in found.sold]
    more = totals.count - len(sales)
    settled_note = (f"Settled up to {found.settled_until.isoformat()}." if found.settled_until
                    else "Nothing settled yet.")
    facts = [
        Fact("on_hand", "Consignment units on hand", found.on_hand),
        Fact("on_hand_value", "On hand at cost", found.on_hand_value, "money", unit=currency),
        Fact("sold", "Sales owed", totals.owed_count),
        Fact("owed", "Amount owed", found.owed, "money", unit=currency),
        Fact("settled_until", "Settled up to", found.settled_until.isoformat() if found.settled_until else None,
             "text"),
    ]
    tables = {
        "sold": Table("sold", f"Sold {_period(found)}", SALE_COLUMNS, sales, display_limit=SHOWN_SALES,
                      totals={"serial": f"Total ({totals.count:,} sales)", "unit_cost": totals.value}
                      if sales else None,
                      note=f"Showing the first {len(sales):,} of {totals.count:,} sales; the CSV holds them all."
                      if more else ""),
        "settlements": Table("settlements", "Settlements", SETTLEMENT_COLUMNS,
                             [vars(row) for row in reversed(found.settlements)]),
    }
    notes = [
        settled_note,
        "A sale is a shipment of the supplier's unit while it was on consignment; a unit bought out before its "
        "sale is ours and not owed. Each unit is paid for once: sold again after a customer return, it is not "
        "owed again.",
        "Units on hand: on consignment and in stock, in quarantine or in transit at the end of the period; "
        "value at the unit's own cost, else its product's.",
    ]
    return Report(kind="consignment-statement", title=f"Consignment statement: {found.supplier.name}",
                  filters=[("Supplier", found.supplier.code), ("Period", _period(found))],
                  query={"supplier": found.supplier.code, "date_to": found.date_to.isoformat(),
                         **({"date_from": found.date_from.isoformat()} if found.date_from else {})},
                  generated_at=utcnow(), facts=facts, tables=tables, notes=notes, currency=currency)


def statement_download(found: Statement, fmt: str, *, csv: CsvOptions | None = None) -> Download:
    """The statement as PDF (summary, the first sales) or CSV (every sale)."""
    report = statement_report(found, currency=current_app.config.get("CURRENCY", ""))
    download = render_report(report, fmt, table="sold", csv=csv)
    code = re.sub(r"[^A-Za-z0-9_.-]", "_", found.supplier.code)
    return replace(download, filename=f"consignment-{code}-{found.date_to.isoformat()}.{fmt}")
