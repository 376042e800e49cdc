"""The report use cases: filters in, a Report out. The page, the API and the
CLI call :func:`build_report` (reports write nothing, so nothing commits)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from ..errors import NotFound
from .aging import stock_aging_report
from .defects import defects_by_supplier_report
from .filters import parse_aging_filters, parse_defect_filters
from .results import Report

REPORT_KINDS = ("stock-aging", "defects-by-supplier")


def build_report(session: Session, kind: str, args: Mapping, *, config: Mapping,
                 now: datetime | None = None) -> Report:
    if kind == "stock-aging":
        filters = parse_aging_filters(session, args)
        return stock_aging_report(session, filters=filters, buckets=config["AGING_BUCKETS"], now=now)
    if kind == "defects-by-supplier":
        return defects_by_supplier_report(session, filters=parse_defect_filters(session, args), now=now)
    raise NotFound(f"No report called {kind!r}.")
