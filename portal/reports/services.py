"""The report use cases: filters in, a Report out. The page, the API and the
CLI call :func:`build_report` (reports write nothing, so nothing commits)."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..extensions import sqlite_pragma
from .aging import stock_aging_report
from .defects import defects_by_supplier_report
from .filters import parse_aging_filters, parse_defect_filters
from .results import Report

SQLITE_SORT_THREADS = 2


@contextmanager
def report_settings(session: Session):
    """Database settings for one report's reads.

    PostgreSQL, for this transaction only: enough work_mem for the grouping to
    stay in memory (it spilled 15 MB per worker to disk at a million serials),
    and no JIT (100 ms of compiling for a query that runs once).

    SQLite: up to two helper threads for the sorter, which does the grouping
    (about 0.15 s less at a million in-stock serials on two cores); back to
    none afterwards, so pooled connections stay as they were."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL work_mem = '96MB'"))
        session.execute(text("SET LOCAL jit = off"))
    with sqlite_pragma(session, "threads", SQLITE_SORT_THREADS, restore=0):
        yield


def build_report(session: Session, kind: str, args: Mapping, *, config: Mapping,
                 now: datetime | None = None) -> Report:
    currency = config.get("CURRENCY") or "EUR"
    with report_settings(session):
        if kind == "stock-aging":
            filters = parse_aging_filters(session, args)
            return priced_in(stock_aging_report(session, filters=filters, buckets=config["AGING_BUCKETS"], now=now,
                                                currency=currency), currency)
        if kind == "defects-by-supplier":
            return priced_in(defects_by_supplier_report(session, filters=parse_defect_filters(session, args),
                                                        now=now), currency)
    raise NotFound(f"No report called {kind!r}.")


def priced_in(report: Report, currency: str) -> Report:
    """Name the currency wherever money is shown: money columns' headings (page,
    PDF, CSV and XLSX headers) and money facts; a report without money names none."""
    if not any(f.kind == "money" for f in report.facts) and not any(
            c.kind == "money" for t in report.tables.values() for c in t.columns):
        return report
    for table in report.tables.values():
        table.columns = [replace(c, label=f"{c.label} ({currency})") if c.kind == "money" else c
                         for c in table.columns]
    report.facts = [replace(f, unit=currency) if f.kind == "money" else f for f in report.facts]
    report.currency = currency
    return report
