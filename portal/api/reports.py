"""API endpoints: the manager reports, with the page's filters and
``format=json|pdf|csv|xlsx`` (``table=`` picks the CSV table)."""

from __future__ import annotations

from flask import Response, current_app, request

from ..extensions import db
from ..reports.downloads import render_report
from ..reports.services import build_report
from . import bp
from .auth import api_roles


def _answer(kind: str):
    fmt = (request.args.get("format") or "json").lower()
    report = build_report(db.session, kind, request.args, config=current_app.config)
    download = render_report(report, fmt, table=request.args.get("table"))
    response = Response(download.body, mimetype=download.mimetype)
    if fmt != "json":
        response.headers["Content-Disposition"] = f'attachment; filename="{download.filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/reports/stock-aging")
@api_roles("manager")
def report_stock_aging():
    return _answer("stock-aging")


@bp.route("/reports/defects-by-supplier")
@api_roles("manager")
def report_defects_by_supplier():
    return _answer("defects-by-supplier")


def _param(name: str, description: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema or {"type": "string"}}


_COMMON = [
    _param("warehouse", "Warehouse code"),
    _param("supplier", "Supplier code"),
    _param("product", "Product SKU"),
    _param("format", "Answer format", {"type": "string", "enum": ["json", "pdf", "csv", "xlsx"], "default": "json"}),
    _param("table", "For format=csv: which table (the JSON answer lists them)"),
]
_ANSWERS = {
    "200": {
        "description": "The report: JSON (summary and tables), or a PDF, CSV or XLSX download",
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            "text/csv": {"schema": {"type": "string"}},
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                "schema": {"type": "string", "format": "binary"}},
        },
    },
    "401": {"description": "No or bad token", "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Error"}}}},
    "403": {"description": "Not a manager", "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Error"}}}},
    "422": {"description": "A filter is invalid (the message says which)", "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Error"}}}},
}

OPENAPI_PATHS: dict = {
    "/reports/stock-aging": {
        "get": {
            "summary": "Stock aging: in-stock units by age bucket, breakdowns, oldest units, expiry, FIFO compliance",
            "tags": ["reports"],
            "parameters": [
                _param("as_of", "Date (YYYY-MM-DD), default today", {"type": "string", "format": "date"}),
                *_COMMON[:3],
                _param("condition", "regular, sample, damaged or refurbished"),
                _param("ownership", "owned or consignment"),
                _param("near_expiry_days", "Window for 'near expiry', 0-365 (default 30)", {"type": "integer"}),
                _param("fifo_days", "FIFO period ending on as_of, 1-366 days (default 30)", {"type": "integer"}),
                *_COMMON[3:],
            ],
            "responses": _ANSWERS,
        }
    },
    "/reports/defects-by-supplier": {
        "get": {
            "summary": "Defects by supplier: rates with 95 % Wilson intervals, reasons, products, monthly trend",
            "tags": ["reports"],
            "parameters": [
                _param("date_from", "First day of receipt (default: 12 months back)", {"type": "string",
                                                                                      "format": "date"}),
                _param("date_to", "Last day of receipt (default today)", {"type": "string", "format": "date"}),
                *_COMMON,
            ],
            "responses": _ANSWERS,
        }
    },
}
