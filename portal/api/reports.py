"""API endpoints: the manager reports, with the page's filters and
``format=json|pdf|csv|xlsx`` (``table=`` picks the CSV table).

The filters are read and checked by ``reports.filters`` (the same rules as
the pages); the query models here declare them for the document."""

from __future__ import annotations

from typing import Annotated, Any

from flask import Response, current_app, request
from pydantic import Field, WithJsonSchema

from ..extensions import db
from ..models import Condition, Ownership
from ..reports.downloads import FORMATS, MIMETYPES, render_report
from ..reports.services import build_report
from . import bp
from .schema import ApiModel, Query, operation

Text = str | None


def _param(description: str, schema: dict | None = None) -> Any:
    """A filter as text (``reports.filters`` checks it), documented with its type."""
    if schema is None:
        return Annotated[Text, Field(description=description)]
    return Annotated[Text, Field(description=description), WithJsonSchema({**schema, "description": description})]


class ReportQuery(Query):
    warehouse: _param("Warehouse code") = None
    supplier: _param("Supplier code") = None
    product: _param("Product SKU") = None
    format: _param("Answer format (default json)", {"type": "string", "enum": list(FORMATS)}) = None
    table: _param("For format=csv: which table (the JSON answer lists them)") = None


class StockAgingQuery(ReportQuery):
    as_of: _param("Date (YYYY-MM-DD), default today", {"type": "string", "format": "date"}) = None
    condition: _param(f"One of {', '.join(Condition)}") = None
    ownership: _param(f"One of {', '.join(Ownership)}") = None
    near_expiry_days: _param("Window for 'near expiry', 0-365 (default 30)", {"type": "integer"}) = None
    fifo_days: _param("FIFO period ending on as_of, 1-366 days (default 30)", {"type": "integer"}) = None


class DefectsQuery(ReportQuery):
    date_from: _param("First day of receipt (default: 12 months back)", {"type": "string", "format": "date"}) = None
    date_to: _param("Last day of receipt (default today)", {"type": "string", "format": "date"}) = None


class ReportOut(ApiModel):
    """The report as JSON: its summary facts and tables."""

    model_config = {**ApiModel.model_config, "extra": "allow"}


#: the downloads besides JSON, by content type
DOWNLOADS = {MIMETYPES[fmt]: {"type": "string", "format": "binary"} for fmt in FORMATS if fmt != "json"}


def _answer(kind: str):
    fmt = (request.args.get("format") or "json").lower()
    report = build_report(db.session, kind, request.args, config=current_app.config)
    download = render_report(report, fmt, table=request.args.get("table"))
    response = Response(download.body, mimetype=download.mimetype)
    if fmt != "json":
        response.headers["Content-Disposition"] = f'attachment; filename="{download.filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/reports/stock-aging")
@operation(tag="reports", roles=("manager",), query=StockAgingQuery, answers={200: ReportOut}, downloads=DOWNLOADS,
           summary="Stock aging: in-stock units by age bucket, breakdowns, oldest units, expiry, FIFO compliance")
def report_stock_aging(query: StockAgingQuery):
    return _answer("stock-aging")


@bp.get("/reports/defects-by-supplier")
@operation(tag="reports", roles=("manager",), query=DefectsQuery, answers={200: ReportOut}, downloads=DOWNLOADS,
           summary="Defects by supplier: rates with 95 % Wilson intervals, defects by stage found, reasons, "
                   "products, monthly trend, returns to suppliers and their credit status")
def report_defects_by_supplier(query: DefectsQuery):
    return _answer("defects-by-supplier")
