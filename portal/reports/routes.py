"""Report pages: a preview whose filters update it in place (HTMX), and the
same report as PDF, CSV, XLSX and JSON downloads; label sheets."""

from __future__ import annotations

from flask import Response, abort, current_app, render_template, request
from sqlalchemy import func, select

from ..auth.access import blueprint_roles
from ..errors import Invalid
from ..extensions import db
from ..models import Bin, Condition, Ownership, Receipt, SerialItem, Supplier, Warehouse
from ..web import is_htmx_request, render_page_or_fragment
from . import bp, formatting
from .downloads import FORMATS, Download, render_report
from .filters import default_defect_period, today
from .labels import SHEETS, bin_labels_pdf, receipt_labels_pdf, receipt_parts
from .services import build_report

blueprint_roles(bp, "manager")

bp.add_app_template_global(formatting.cell, "report_cell")
bp.add_app_template_global(formatting.fact, "report_fact")
bp.add_app_template_global(formatting.numeric_kind, "report_numeric")


def filter_choices() -> dict:
    return {
        "warehouses": db.session.execute(select(Warehouse.code, Warehouse.name).order_by(Warehouse.code)).all(),
        "suppliers": db.session.execute(select(Supplier.code, Supplier.name).order_by(Supplier.code)).all(),
        "conditions": [c.value for c in Condition],
        "ownerships": [o.value for o in Ownership],
    }


def send_download(download: Download) -> Response:
    response = Response(download.body, mimetype=download.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{download.filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _preview(kind: str, page: str, download_endpoint: str):
    report, error, status = None, None, 200
    try:
        report = build_report(db.session, kind, request.args, config=current_app.config)
    except Invalid as invalid:
        error, status = invalid.message, 422
    context = {"report": report, "error": error, "args": request.args, "download_endpoint": download_endpoint,
               "today": today().isoformat(), "default_from": default_defect_period(today())[0].isoformat()}
    if not is_htmx_request():
        context["choices"] = filter_choices()
    return render_page_or_fragment(page, "reports/_report.html", status, **context)


def _download(kind: str, fmt: str):
    if fmt not in FORMATS:
        abort(404)
    report = build_report(db.session, kind, request.args, config=current_app.config)
    return send_download(render_report(report, fmt, table=request.args.get("table")))


@bp.route("/")
def index():
    return render_template("reports/index.html")


@bp.route("/stock-aging")
def stock_aging():
    return _preview("stock-aging", "reports/stock_aging.html", "reports.stock_aging_download")


@bp.route("/stock-aging.<fmt>")
def stock_aging_download(fmt: str):
    return _download("stock-aging", fmt)


@bp.route("/defects-by-supplier")
def defects_by_supplier():
    return _preview("defects-by-supplier", "reports/defects_by_supplier.html", "reports.defects_by_supplier_download")


@bp.route("/defects-by-supplier.<fmt>")
def defects_by_supplier_download(fmt: str):
    return _download("defects-by-supplier", fmt)


# --- labels -------------------------------------------------------------------


def _int_arg(name: str, default: int) -> int:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or len(raw) > 9:
        raise Invalid(f"{name.capitalize()} must be a whole number.", code="invalid_number")
    return int(raw)


def _bins_of(warehouse_code: str):
    return db.session.execute(
        select(Bin.code, Bin.kind).join(Warehouse, Warehouse.id == Bin.warehouse_id)
        .where(Warehouse.code == warehouse_code.strip().upper(), Bin.active.is_(True))
        .order_by(Bin.code)
    ).all()


@bp.route("/labels")
def labels():
    warehouses = db.session.execute(select(Warehouse.code, Warehouse.name).order_by(Warehouse.code)).all()
    chosen = (request.args.get("warehouse") or (warehouses[0][0] if warehouses else "")).strip().upper()
    counts = (
        select(SerialItem.receipt_id, func.count().label("item_count")).group_by(SerialItem.receipt_id).subquery()
    )
    receipts = db.session.execute(
        select(Receipt.id, Receipt.reference, Receipt.created_at, Supplier.code, counts.c.item_count)
        .join(Supplier, Supplier.id == Receipt.supplier_id)
        .join(counts, counts.c.receipt_id == Receipt.id)
        .order_by(Receipt.id.desc())
        .limit(100)
    ).all()
    return render_template(
        "reports/labels.html", warehouses=warehouses, chosen=chosen, bins=_bins_of(chosen) if chosen else [],
        receipts=receipts, sheets=SHEETS, parts=receipt_parts, prefix=current_app.config["BIN_LABEL_PREFIX"],
    )


@bp.route("/labels/bin-choices")
def bin_choices():
    chosen = (request.args.get("warehouse") or "").strip().upper()
    return render_template("reports/_bin_choices.html", bins=_bins_of(chosen), chosen=chosen)


@bp.route("/labels/bins.pdf")
def bin_labels():
    body = bin_labels_pdf(
        db.session,
        warehouse_code=request.args.get("warehouse", ""),
        bin_codes=request.args.getlist("bin"),
        all_bins=request.args.get("all") == "1",
        prefix=current_app.config["BIN_LABEL_PREFIX"],
        sheet_key=request.args.get("sheet"),
        skip=request.args.get("skip"),
    )
    code = (request.args.get("warehouse") or "").strip().upper()
    return send_download(Download(body, "application/pdf", f"bin-labels-{code}.pdf"))


@bp.route("/labels/serials.pdf")
def serial_labels():
    receipt_id = _int_arg("receipt", 0)
    part = _int_arg("part", 1)
    body = receipt_labels_pdf(db.session, receipt_id=receipt_id, part=part, sheet_key=request.args.get("sheet"),
                              skip=request.args.get("skip"))
    return send_download(Download(body, "application/pdf", f"serial-labels-receipt-{receipt_id}-part-{part}.pdf"))
