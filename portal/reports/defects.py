"""The defects-by-supplier report.

Cohort definition: the units received in the period (per supplier), and of
those, the units with a defect report filed by the end of the period. So the
rate is a proportion of a known denominator, and a 95 % Wilson interval says
how sure it is: a supplier with 3 units and 1 defect is not ranked above one
with 30,000 units and 900. Suppliers are ranked by the interval's lower
bound and flagged when even that is above the overall rate.
"""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from ..models import DefectReason, DefectStage
from . import queries
from .charts import Bar, Legend, bar_chart
from .filters import DefectFilters
from .formatting import integer, percent
from .results import Column, Fact, Report, Table, total_label
from .returns import returns_part

TITLE = "Defects by supplier"
Z95 = 1.959963984540054
SUPPLIER_LIMIT = 30
PRODUCT_LIMIT = 15
CHART_SUPPLIERS = 20
FLAG = "above overall"
NOTES = [
    "Received: units received in the period. Defective: those of them with a defect report filed by the "
    "period's end. Rates are defective / received; the interval is the 95 % Wilson score interval.",
    f"Flagged ({FLAG}): the interval's lower bound is above the overall rate.",
    "By stage: where the units were found defective: at receiving, in storage (older picking scans "
    "included) or brought back by a customer. A unit found defective at two stages counts under each, "
    "and once in Defective. A defect report withdrawn (its scan undone) is not counted.",
    "Returns to suppliers: every return opened by the period's end and not closed before its start, in its "
    "state at the period's end: open, shipped and awaiting the supplier's credit, credited (closed with a "
    "credit note) or closed without one. Units are the serials on the returns then; a unit the supplier "
    "replaced (linked to the unit it sent instead) counts as replaced, no longer as owed.",
]
STAGES = [
    (DefectStage.RECEIVING.value, "At receiving", "Found at receiving"),
    (DefectStage.STORAGE.value, "In storage", "Found in storage"),
    (DefectStage.CUSTOMER_RETURN.value, "On customer return", "Found on customer return"),
]
STAGE_COLUMNS = [
    Column("supplier_code", "Code"), Column("supplier_name", "Supplier"), Column("received", "Received", "int"),
    *[Column(stage, label, "int") for stage, label, _ in STAGES],
    Column("defective", "Defective", "int"), Column("rate", "Defect rate", "pct", of="received"),
]


def wilson_interval(defective: int, received: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval for defective/received (None without units)."""
    if received <= 0:
        return None
    p = defective / received
    z2 = z * z
    denominator = 1 + z2 / received
    centre = (p + z2 / (2 * received)) / denominator
    half = z * math.sqrt(p * (1 - p) / received + z2 / (4 * received * received)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def _rate_row(defective: int, received: int, overall: float | None) -> dict:
    interval = wilson_interval(defective, received)
    rate = defective / received if received else None
    return {
        "received": received,
        "defective": defective,
        "rate": rate,
        "interval": interval,
        "ppm": rate * 1_000_000 if rate is not None else None,
        "flag": FLAG if interval and overall is not None and interval[0] > overall else "",
    }


def rate_totals(first_key: str, rows: list[dict], defective: int, received: int) -> dict | None:
    """The totals row of a rate table: the overall figures (every row adds up to them)."""
    if not rows:
        return None
    totals = _rate_row(defective, received, None)
    del totals["flag"]
    return total_label(first_key, rows, totals)


RATE_COLUMNS = [
    Column("received", "Received", "int"),
    Column("defective", "Defective", "int"),
    Column("rate", "Defect rate", "pct", of="received"),
    Column("interval", "95 % interval", "interval"),
    Column("ppm", "PPM", "ppm"),
]


def _median_days(days: pd.DataFrame) -> dict:
    medians = {}
    for supplier_id, part in days.groupby("supplier_id"):
        values = np.repeat(part["days"].to_numpy(dtype=float), part["units"].to_numpy(dtype=int))
        medians[supplier_id] = float(np.median(values)) if len(values) else None
    return medians


def _empty_tables() -> dict[str, Table]:
    reason_columns = [Column(r.value, r.value.replace("_", " ").capitalize(), "int") for r in DefectReason]
    return {
        "suppliers": Table("suppliers", "Suppliers", [Column("supplier_code", "Code"),
                           Column("supplier_name", "Supplier"), *RATE_COLUMNS,
                           Column("median_days", "Median days to defect", "number"), Column("flag", "Flag", "flag")],
                           []),
        "reasons": Table("reasons", "Defective units by reason (first report)",
                         [Column("reason", "Reason"), Column("defective", "Defective units", "int")], []),
        "supplier_reasons": Table("supplier_reasons", "Defective units by supplier and reason",
                                  [Column("supplier_code", "Code"), Column("supplier_name", "Supplier"),
                                   Column("total", "Defective", "int"), *reason_columns], []),
        "products": Table("products", "Products", [Column("sku", "SKU"), Column("product_name", "Product"),
                          Column("supplier_code", "Supplier"), *RATE_COLUMNS], []),
        "months": Table("months", "Month by month", [Column("month", "Month"), *RATE_COLUMNS], []),
    }


def _stage_table(supplier_rows: list[dict], stages: pd.DataFrame, defective: int, received: int) -> Table:
    """Per supplier (in the report's ranking): units received, defective units by stage found and in total."""
    counts = {(int(r["supplier_id"]), r["stage"]): int(r["defective"]) for r in stages.to_dict("records")}
    rows = [{"supplier_code": r["supplier_code"], "supplier_name": r["supplier_name"], "received": r["received"],
             **{stage: counts.get((r["supplier_id"], stage), 0) for stage, _, _ in STAGES},
             "defective": r["defective"], "rate": r["rate"]} for r in supplier_rows]
    totals = {stage: sum(r[stage] for r in rows) for stage, _, _ in STAGES}
    totals.update(received=received, defective=defective, rate=defective / received if received else None)
    return Table("stages", "Defective units by supplier and stage found", STAGE_COLUMNS, rows, SUPPLIER_LIMIT,
                 totals=total_label("supplier_code", rows, totals) if rows else None,
                 note="A unit found defective at two stages counts under each, and once in Defective.")


def defects_by_supplier_report(session: Session, *, filters: DefectFilters, now: datetime | None = None) -> Report:
    cohorts = queries.defect_cohorts(session, filters)
    reasons = queries.defect_reasons(session, filters)
    days = queries.days_to_defect(session, filters)
    stages = queries.defects_by_stage(session, filters)
    sent_back = queries.supplier_returns_in_period(session, filters)
    received = int(cohorts["received"].sum()) if not cohorts.empty else 0
    defective = int(cohorts["defective"].sum()) if not cohorts.empty else 0
    overall = defective / received if received else None
    medians = _median_days(days) if not days.empty else {}
    all_days = (np.repeat(days["days"].to_numpy(dtype=float), days["units"].to_numpy(dtype=int))
                if not days.empty else np.array([]))

    tables: dict[str, Table] = {}
    charts = {}
    supplier_rows: list[dict] = []
    if not received:
        tables = _empty_tables()
    else:
        per_supplier = (
            cohorts.groupby(["supplier_id", "supplier_code", "supplier_name"])[["received", "defective"]]
            .sum().reset_index()
        )
        for record in per_supplier.to_dict("records"):
            row = {"supplier_id": int(record["supplier_id"]), "supplier_code": record["supplier_code"],
                   "supplier_name": record["supplier_name"]}
            row.update(_rate_row(int(record["defective"]), int(record["received"]), overall))
            median = medians.get(record["supplier_id"])
            row["median_days"] = median
            supplier_rows.append(row)
        supplier_rows.sort(key=lambda r: (-r["interval"][0], -r["received"], r["supplier_code"]))
        tables["suppliers"] = Table(
            "suppliers", "Suppliers, ranked by the lower bound of their 95 % interval",
            [Column("supplier_code", "Code"), Column("supplier_name", "Supplier"), *RATE_COLUMNS,
             Column("median_days", "Median days to defect", "number"), Column("flag", "Flag", "flag")],
            supplier_rows, SUPPLIER_LIMIT, totals=rate_totals("supplier_code", supplier_rows, defective, received),
        )

        reason_codes = [r.value for r in DefectReason]
        by_reason = reasons.groupby("reason_code")["defective"].sum() if not reasons.empty else pd.Series(dtype=int)
        tables["reasons"] = Table(
            "reasons", "Defective units by reason (first report)",
            [Column("reason", "Reason"), Column("defective", "Defective units", "int"),
             Column("share", "Share", "pct", of="total")],
            [{"reason": code.replace("_", " "), "defective": int(by_reason.get(code, 0)),
              "share": int(by_reason.get(code, 0)) / defective if defective else None, "total": defective}
             for code in reason_codes],
            totals={"reason": "Total", "defective": defective, "share": 1.0 if defective else None,
                    "total": defective},
        )
        matrix_rows = []
        if not reasons.empty:
            matrix = reasons.pivot_table(index=["supplier_code", "supplier_name"], columns="reason_code",
                                         values="defective", aggfunc="sum", fill_value=0)
            matrix = matrix.reindex(columns=reason_codes, fill_value=0)
            matrix["total"] = matrix.sum(axis=1)
            matrix = matrix.sort_values("total", ascending=False, kind="stable").reset_index()
            for record in matrix.to_dict("records"):
                matrix_rows.append({k: (int(v) if k in reason_codes or k == "total" else v)
                                    for k, v in record.items()})
        tables["supplier_reasons"] = Table(
            "supplier_reasons", "Defective units by supplier and reason",
            [Column("supplier_code", "Code"), Column("supplier_name", "Supplier"),
             Column("total", "Defective", "int")]
            + [Column(code, code.replace("_", " ").capitalize(), "int") for code in reason_codes],
            matrix_rows, SUPPLIER_LIMIT,
            totals=(total_label("supplier_code", matrix_rows,
                                {k: sum(r[k] for r in matrix_rows) for k in [*reason_codes, "total"]})
                    if matrix_rows else None),
        )

        per_product = (
            cohorts.groupby(["sku", "product_name", "supplier_code"])[["received", "defective"]].sum().reset_index()
        )
        product_rows = []
        for record in per_product.to_dict("records"):
            row = {"sku": record["sku"], "product_name": record["product_name"],
                   "supplier_code": record["supplier_code"]}
            row.update(_rate_row(int(record["defective"]), int(record["received"]), overall))
            product_rows.append(row)
        product_rows.sort(key=lambda r: (-r["interval"][0], -r["received"], r["sku"], r["supplier_code"]))
        tables["products"] = Table(
            "products", "Products, ranked by the lower bound of their 95 % interval",
            [Column("sku", "SKU"), Column("product_name", "Product"), Column("supplier_code", "Supplier"),
             *RATE_COLUMNS, Column("flag", "Flag", "flag")],
            product_rows, PRODUCT_LIMIT, totals=rate_totals("sku", product_rows, defective, received),
        )

        months = pd.period_range(filters.date_from, filters.date_to, freq="M").strftime("%Y-%m")
        per_month = cohorts.groupby("month")[["received", "defective"]].sum().reindex(months, fill_value=0)
        month_rows = []
        for month, record in per_month.iterrows():
            row = {"month": month}
            row.update(_rate_row(int(record["defective"]), int(record["received"]), overall))
            del row["flag"]
            month_rows.append(row)
        tables["months"] = Table(
            "months", "Month by month (by month of receipt)",
            [Column("month", "Month"), *RATE_COLUMNS], month_rows,
            totals=rate_totals("month", month_rows, defective, received),
            note="Recent months have had less time to show defects.",
        )

        shown = supplier_rows[:CHART_SUPPLIERS]
        charts["suppliers"] = bar_chart(
            [Bar(f"{r['supplier_code']} {r['supplier_name']}", r["rate"],
                 f"{percent(r['rate'], 2)} of {integer(r['received'])}", r["interval"][0], r["interval"][1],
                 flagged=bool(r["flag"])) for r in shown],
            title="Defect rate by supplier, with 95 % interval",
            reference=overall, reference_text=f"overall {percent(overall, 2)}",
            legend=Legend(
                whisker="95 % interval (Wilson): the supplier's true rate lies in it 19 times in 20",
                reference=f"overall rate, all suppliers: {percent(overall, 2)}",
                flagged=f"▲ black bar: {FLAG} (even the interval's low end is above the overall rate)",
            ),
        )
        charts["months"] = bar_chart(
            [Bar(r["month"], r["rate"] or 0, f"{percent(r['rate'], 2)} of {integer(r['received'])}")
             for r in month_rows],
            title="Defect rate by month of receipt",
        )

    returns = returns_part(sent_back, filters, [r["supplier_code"] for r in supplier_rows])
    stage_table = _stage_table(supplier_rows, stages, defective, received)
    tables = {"suppliers": tables["suppliers"], "stages": stage_table, "supplier_returns": returns.by_supplier,
              **{key: table for key, table in tables.items() if key != "suppliers"}, "returns": returns.returns}
    by_stage = stage_table.totals or {}

    flagged = sum(1 for r in supplier_rows if r["flag"])
    facts = [
        Fact("received", "Units received", received),
        Fact("defective", "Units found defective", defective),
        Fact("rate", "Overall defect rate", overall, "pct", numerator=defective, denominator=received),
        Fact("ppm", "Overall PPM", round(overall * 1_000_000) if overall is not None else None),
        Fact("median_days", "Median days from receipt to defect",
             float(np.median(all_days)) if len(all_days) else None, "days"),
        Fact("suppliers", "Suppliers", len(supplier_rows)),
        Fact("flagged", "Suppliers clearly above the overall rate", flagged),
        *[Fact(stage, label, by_stage.get(stage, 0)) for stage, _, label in STAGES],
        Fact("open_return_units", "Units on open returns to suppliers", returns.totals["open_units"]),
        Fact("awaiting_credit_units", "Units shipped back, awaiting credit", returns.totals["awaiting_units"]),
        Fact("oldest_awaiting_days", "Oldest shipment awaiting credit", returns.totals["oldest_awaiting_days"],
             "days"),
        Fact("replaced_units", "Units replaced by the supplier", returns.totals["replaced_units"]),
        Fact("credited_units", "Units credited", returns.totals["credited_units"]),
    ]
    return Report.of("defects-by-supplier", TITLE, filters, now, facts, tables, charts=charts, notes=list(NOTES),
                     empty=received == 0 and not returns.any)
