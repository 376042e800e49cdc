"""The stock aging report: the database groups the in-stock units, pandas
shapes the small frame into tables, facts and a chart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy.orm import Session

from ..errors import Invalid
from . import queries
from .charts import Bar, bar_chart
from .filters import AgingFilters, next_day_start
from .formatting import integer, money
from .results import Column, Fact, Report, Table, total_label

TITLE = "Stock aging"
BREAKDOWN_LIMIT = 15  # rows per breakdown on the page and in the PDF; downloads hold all
OLDEST_LIMIT = 50
EXPIRY_LIMIT = 100
EXPIRY_SHOWN = 15
FIFO_SHOWN = 10
NOTES = [
    "Age counts whole days from each unit's own receipt date to the as-of date; "
    "value at cost uses the unit's own cost, else its product's.",
    "FIFO: a shipped unit counts as oldest-first when no unit of its SKU received earlier was in stock "
    "in the same warehouse when it shipped.",
    "Units in transit between warehouses are not in stock: they have their own line, under the warehouse "
    "they left, and keep aging from their own receipt (a transfer does not restart it).",
]


def check_buckets(buckets) -> list[int]:
    """AGING_BUCKETS: ascending whole numbers of days, e.g. [30, 60, 90, 180, 365]."""
    try:
        limits = [int(b) for b in buckets]
    except (TypeError, ValueError):
        raise Invalid("AGING_BUCKETS must be a list of whole numbers of days.", code="bad_config") from None
    if not limits or limits[0] < 1 or any(later <= earlier for earlier, later in zip(limits, limits[1:], strict=False)):
        raise Invalid("AGING_BUCKETS must be ascending whole numbers of days.", code="bad_config")
    return limits


def bucket_labels(limits: list[int]) -> list[str]:
    labels, low = [], 0
    for limit in limits:
        labels.append(f"{low}–{limit} days")
        low = limit + 1
    labels.append(f"over {limits[-1]} days")
    return labels


def units_text(units: int) -> str:
    return f"{integer(units)} unit{'' if units == 1 else 's'}"


def _breakdown(groups: pd.DataFrame, keys: list[str], labels: list[str]) -> list[dict]:
    """Units, value, average and oldest age and units per bucket for each ``keys`` group."""
    bucket_columns = [f"b{i}" for i in range(len(labels))]
    frame = (
        groups.groupby(keys, dropna=False)[["units", "value", "age_days", "oldest_age", *bucket_columns]]
        .agg({"units": "sum", "value": "sum", "age_days": "sum", "oldest_age": "max",
              **dict.fromkeys(bucket_columns, "sum")})
        .reset_index()
        .sort_values(["value", "units"], ascending=False, kind="stable")
    )
    rows = []
    for record in frame.to_dict("records"):
        units = int(record["units"])
        row = {key: record[key] for key in keys}
        row.update(
            units=units,
            value=round(float(record["value"] or 0), 2),
            average_age=round(float(record["age_days"]) / units, 1) if units else None,
            oldest_age=int(record["oldest_age"]),
        )
        row.update({column: int(record[column]) for column in bucket_columns})
        rows.append(row)
    return rows


def _breakdown_columns(first: list[Column], labels: list[str]) -> list[Column]:
    return first + [
        Column("units", "Units", "int"),
        Column("value", "Value at cost", "money"),
        Column("average_age", "Avg age (days)", "number"),
        Column("oldest_age", "Oldest (days)", "days"),
    ] + [Column(f"b{i}", label.replace(" days", ""), "int") for i, label in enumerate(labels)]


def _unit_rows(frame: pd.DataFrame, as_of: date, *, expiry: bool) -> list[dict]:
    rows = []
    for record in frame.to_dict("records"):
        row = {
            "serial": record["serial"],
            "sku": record["sku"],
            "product_name": record["product_name"],
            "supplier": record["supplier_code"],
            "warehouse": record["warehouse_code"],
            "bin": record["bin_code"],
            "received_on": pd.Timestamp(record["received_at"]).date(),
            "cost": round(float(record["cost"] or 0), 2),
        }
        if expiry:
            expires_on = pd.Timestamp(record["expires_on"]).date()
            row.update(expires_on=expires_on, days_left=(expires_on - as_of).days)
        else:
            row["age_days"] = int(record["age_days"])
        rows.append(row)
    return rows


UNIT_COLUMNS = [
    Column("serial", "Serial"),
    Column("sku", "SKU"),
    Column("product_name", "Product", detail=True),
    Column("supplier", "Supplier"),
    Column("warehouse", "Warehouse"),
    Column("bin", "Bin"),
    Column("received_on", "Received", "date"),
]


@dataclass
class AgingReads:
    """What the report reads from the database: per-group totals and three short lists."""

    groups: pd.DataFrame
    oldest: pd.DataFrame | None
    expiring: pd.DataFrame | None
    fifo: pd.DataFrame
    in_transit: pd.DataFrame  # groups of the units in transit, as ``groups`` (their warehouse: the one they left)


def read_stock_aging(session: Session, filters: AgingFilters, limits: list[int]) -> AgingReads:
    """One pass over the in-stock units (:func:`queries.aging_groups`); the
    unit lists then read only the slices the groups point to."""
    as_of = filters.as_of
    groups = queries.aging_groups(session, filters, limits)
    oldest = expiring = None
    if not groups.empty:
        # every group holds a unit of its oldest age: the OLDEST_LIMIT-th oldest group bounds the oldest units
        received_before = None
        if len(groups) >= OLDEST_LIMIT:
            age = int(groups["oldest_age"].nlargest(OLDEST_LIMIT).min())
            received_before = next_day_start(as_of - timedelta(days=age))
        oldest = queries.oldest_units(session, filters, OLDEST_LIMIT, received_before=received_before,
                                      product_ids=sorted(int(i) for i in groups["product_id"].unique()))
        expiring_groups = groups[groups["expired_units"] + groups["near_expiry_units"] > 0]
        if not expiring_groups.empty:
            youngest = int(expiring_groups["youngest_expiring_age"].min())
            expiring = queries.expiring_units(
                session, filters, EXPIRY_LIMIT, received_before=next_day_start(as_of - timedelta(days=youngest)),
                product_ids=sorted(int(i) for i in expiring_groups["product_id"].unique()),
            )
    in_transit = queries.aging_groups(session, filters, limits, status=queries.IN_TRANSIT)
    return AgingReads(groups, oldest, expiring, queries.fifo_shipments(session, filters), in_transit)


def breakdown_totals(rows: list[dict], bucket_count: int) -> dict:
    """The totals row of a breakdown: sums, the unit-weighted average age and the oldest age."""
    units = sum(r["units"] for r in rows)
    totals = {"units": units, "value": round(sum(r["value"] for r in rows), 2)}
    if units:
        totals["average_age"] = round(sum(r["average_age"] * r["units"] for r in rows) / units, 1)
        totals["oldest_age"] = max(r["oldest_age"] for r in rows)
    totals.update({f"b{i}": sum(r[f"b{i}"] for r in rows) for i in range(bucket_count)})
    return totals


def stock_aging_report(session: Session, *, filters: AgingFilters, buckets, now: datetime | None = None,
                       currency: str = "") -> Report:
    """The whole report for these filters (the page, the PDF, the downloads,
    the API and the CLI all call this)."""
    limits = check_buckets(buckets)
    labels = bucket_labels(limits)
    as_of = filters.as_of
    reads = read_stock_aging(session, filters, limits)
    groups = reads.groups
    total_units = int(groups["units"].sum()) if not groups.empty else 0
    total_value = round(float(groups["value"].sum()), 2) if not groups.empty else 0.0

    bucket_rows = []
    for index, label in enumerate(labels):
        units = int(groups[f"b{index}"].sum()) if not groups.empty else 0
        value = round(float(groups[f"v{index}"].sum()), 2) if not groups.empty else 0.0
        bucket_rows.append({
            "bucket": label, "units": units, "unit_share": units / total_units if total_units else None,
            "total_units": total_units, "value": value,
            "value_share": value / total_value if total_value else None,
        })

    expired_units = int(groups["expired_units"].sum()) if not groups.empty else 0
    near_units = int(groups["near_expiry_units"].sum()) if not groups.empty else 0
    fifo = reads.fifo
    fifo_shipped = int(fifo["shipped"].sum()) if not fifo.empty else 0
    fifo_oldest = int(fifo["oldest_first"].sum()) if not fifo.empty else 0

    if total_units:
        average_age = round(float(groups["age_days"].sum()) / total_units, 1)
        oldest_age = int(groups["oldest_age"].max())
    else:
        average_age = oldest_age = None

    transit = reads.in_transit
    transit_units = int(transit["units"].sum()) if not transit.empty else 0
    transit_value = round(float(transit["value"].sum()), 2) if not transit.empty else 0.0

    facts = [
        Fact("units", "Units in stock", total_units),
        Fact("value", "Value at cost", total_value, "money"),
        Fact("average_age", "Average age", average_age, "days"),
        Fact("oldest_age", "Oldest unit", oldest_age, "days"),
        Fact("expired_units", "Units past expiry", expired_units),
        Fact("near_expiry_units", f"Units expiring within {filters.near_expiry_days} days", near_units),
        Fact("fifo", "Shipped oldest-first (FIFO)", fifo_oldest / fifo_shipped if fifo_shipped else None,
             "pct", numerator=fifo_oldest, denominator=fifo_shipped),
        Fact("in_transit_units", "Units in transit", transit_units),
        Fact("in_transit_value", "Value in transit", transit_value, "money"),
    ]

    tables: dict[str, Table] = {
        "buckets": Table(
            "buckets", "Age buckets",
            [Column("bucket", "Age"), Column("units", "Units", "int"),
             Column("unit_share", "Share of units", "pct", of="total_units"),
             Column("value", "Value at cost", "money"), Column("value_share", "Share of value", "pct")],
            bucket_rows,
            totals={"bucket": "Total", "units": total_units, "value": total_value,
                    "unit_share": 1.0 if total_units else None, "total_units": total_units,
                    "value_share": 1.0 if total_value else None},
        )
    }
    def breakdown(key: str, title: str, first: list[Column], of: pd.DataFrame = groups) -> Table:
        rows = _breakdown(of, [c.key for c in first], labels) if not of.empty else []
        totals = total_label(first[0].key, rows, breakdown_totals(rows, len(labels))) if rows else None
        return Table(key, title, _breakdown_columns(first, labels), rows, BREAKDOWN_LIMIT, totals=totals)

    tables["by_product"] = breakdown("by_product", "By product",
                                     [Column("sku", "SKU"), Column("product_name", "Product")])
    tables["by_supplier"] = breakdown("by_supplier", "By supplier",
                                      [Column("supplier_code", "Code"), Column("supplier_name", "Supplier")])
    tables["by_warehouse"] = breakdown("by_warehouse", "By warehouse",
                                       [Column("warehouse_code", "Code"), Column("warehouse_name", "Warehouse")])
    tables["oldest"] = Table(
        "oldest", f"The {OLDEST_LIMIT} oldest units (first-in-first-out pick list)",
        UNIT_COLUMNS + [Column("age_days", "Age (days)", "days"), Column("cost", "Cost", "money", detail=True)],
        _unit_rows(reads.oldest, as_of, expiry=False) if reads.oldest is not None else [],
    )
    expiry_total = expired_units + near_units
    tables["expiry"] = Table(
        "expiry", "Past or near expiry (soonest first)",
        UNIT_COLUMNS + [Column("expires_on", "Expires", "date"), Column("days_left", "Days to expiry", "expiry"),
                        Column("cost", "Cost", "money", detail=True)],
        _unit_rows(reads.expiring, as_of, expiry=True) if reads.expiring is not None else [], EXPIRY_SHOWN,
        note=(f"{integer(expiry_total)} units in all; the downloads list the first {EXPIRY_LIMIT}."
              if expiry_total > EXPIRY_LIMIT else ""),
    )
    fifo_rows = []
    if fifo_shipped:
        fifo = fifo.sort_values(["shipped", "sku"], ascending=[False, True], kind="stable")
        fifo_rows = [
            {"sku": r["sku"], "product_name": r["product_name"], "shipped": int(r["shipped"]),
             "oldest_first": int(r["oldest_first"]), "share": int(r["oldest_first"]) / int(r["shipped"])}
            for r in fifo.to_dict("records")
        ]
    tables["fifo"] = Table(
        "fifo", "First-in-first-out compliance by product (shipments in the FIFO period)",
        [Column("sku", "SKU"), Column("product_name", "Product"), Column("shipped", "Shipped", "int"),
         Column("oldest_first", "Oldest first", "int"), Column("share", "Share oldest first", "pct", of="shipped")],
        fifo_rows, FIFO_SHOWN,
        totals=(total_label("sku", fifo_rows, {"shipped": fifo_shipped, "oldest_first": fifo_oldest,
                                               "share": fifo_oldest / fifo_shipped}) if fifo_rows else None),
    )
    # last, so that the tables and sheets before it keep their places
    tables["in_transit"] = breakdown("in_transit", "In transit between warehouses (by the warehouse they left)",
                                     [Column("warehouse_code", "From"), Column("warehouse_name", "Warehouse")],
                                     of=transit)

    charts = {}
    if total_units:
        charts["buckets"] = bar_chart(
            [Bar(row["bucket"], row["units"], f"{units_text(row['units'])} · {money(row['value'])} {currency}".rstrip())
             for row in bucket_rows],
            title="Units in stock by age",
        )
    return Report.of("stock-aging", TITLE, filters, now, facts, tables, charts=charts, notes=list(NOTES),
                     empty=total_units == 0 and fifo_shipped == 0 and transit_units == 0)
