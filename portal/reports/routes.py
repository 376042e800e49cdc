"""Report pages: a preview whose filters update it in place (HTMX), and the
same report as PDF, CSV, XLSX and JSON downloads; label sheets. Reads are in
queries.py, the report use cases in services.py."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from flask import Response, abort, current_app, render_template, request, url_for
from flask_login import current_user

from ..errors import Invalid
from ..exports import csv_options
from ..extensions import db
from ..web import render_page_or_fragment
from . import bp, formatting, queries
from .downloads import FORMATS, Download, render_report
from .filters import default_defect_period, today
from .labels import SHEETS, bin_labels_pdf, item_status, receipt_labels_pdf, receipt_parts
from .services import build_report

#: Views receivers may use as well: serial labels, printed from the receipt page.
RECEIVER_ENDPOINTS = frozenset({"reports.serial_labels"})


@bp.before_request
def check_role():
    """Managers see every report; receivers only print serial labels (admins always pass)."""
    roles = ("manager", "receiver") if request.endpoint in RECEIVER_ENDPOINTS else ("manager",)
    if current_user.is_authenticated and not current_user.has_role(*roles):
        abort(403, "Your role does not give access to this page.")


bp.add_app_template_global(formatting.cell, "report_cell")
bp.add_app_template_global(formatting.fact, "report_fact")
bp.add_app_template_global(formatting.numeric_kind, "report_numeric")
bp.add_app_template_global(formatting.total_cell, "report_total_cell")
bp.add_app_template_global(SHEETS, "label_sheets")  # the receipt page prints serial labels


def send_download(download: Download) -> Response:
    response = Response(download.body, mimetype=download.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{download.filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def fact_links(report) -> dict[str, str]:
    """Where the records behind each headline figure are: the item list with
    the report's filters, or the table of the same page that lists them."""
    common = {k: report.query[k] for k in ("warehouse", "supplier", "product") if k in report.query}
    if report.kind == "stock-aging":
        links = {"oldest_age": "#table-oldest", "expired_units": "#table-expiry",
                 "near_expiry_units": "#table-expiry", "average_age": "#table-buckets"}
        as_of = report.query["as_of"]
        if as_of == today().isoformat():  # the item list shows today's status
            links["units"] = links["value"] = url_for("items.list", status="in_stock", **common)
        fifo_from = (date.fromisoformat(as_of) - timedelta(days=int(report.query["fifo_days"]) - 1)).isoformat()
        links["fifo"] = url_for("items.list", shipped_from=fifo_from, shipped_to=as_of, **common)
        return links
    period = {"received_from": report.query["date_from"], "received_to": report.query["date_to"]}
    return {"received": url_for("items.list", **period, **common),
            "defective": url_for("items.list", defect="yes", **period, **common),
            "rate": url_for("items.list", defect="yes", **period, **common),
            "suppliers": "#table-suppliers", "flagged": "#table-suppliers",
            **dict.fromkeys(("receiving", "storage", "customer_return"), "#table-stages"),
            **dict.fromkeys(("open_return_units", "awaiting_credit_units", "replaced_units", "credited_units"),
                            "#table-supplier_returns"),
            "oldest_awaiting_days": "#table-returns"}


def with_links(report):
    links = fact_links(report)
    report.facts = [replace(f, link=links.get(f.key)) for f in report.facts]
    return report


def _preview(kind: str, page: str, download_endpoint: str):
    report, error, status = None, None, 200
    try:
        report = with_links(build_report(db.session, kind, request.args, config=current_app.config))
    except Invalid as invalid:
        error, status = invalid.message, 422
    return render_page_or_fragment(
        page, "reports/_report.html", status, report=report, error=error, args=request.args,
        download_endpoint=download_endpoint, today=today().isoformat(),
        default_from=default_defect_period(today())[0].isoformat(), choices=queries.filter_choices(db.session),
    )


def _download(kind: str, fmt: str):
    if fmt not in FORMATS:
        abort(404)
    report = build_report(db.session, kind, request.args, config=current_app.config)
    return send_download(render_report(report, fmt, table=request.args.get("table"),
                                       csv=csv_options(request.args, current_app.config)))


@bp.route("/")
def index():
    return render_template("reports/index.html", sheets=SHEETS)


def _report_pages(kind: str) -> None:
    """A report's preview page ``/<kind>`` (endpoint and template named after the kind with underscores)
    and its downloads ``/<kind>.<fmt>`` (endpoint ``<name>_download``)."""
    name = kind.replace("-", "_")
    bp.add_url_rule(f"/{kind}", name, lambda: _preview(kind, f"reports/{name}.html", f"reports.{name}_download"))
    bp.add_url_rule(f"/{kind}.<fmt>", f"{name}_download", lambda fmt: _download(kind, fmt))


_report_pages("stock-aging")
_report_pages("defects-by-supplier")


# --- labels -------------------------------------------------------------------


def _int_arg(name: str, default: int) -> int:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or len(raw) > 9:
        raise Invalid(f"{name.capitalize()} must be a whole number.", code="invalid_number")
    return int(raw)


@bp.route("/labels")
def labels():
    warehouses = queries.warehouse_choices(db.session)
    chosen = (request.args.get("warehouse") or (warehouses[0][0] if warehouses else "")).strip().upper()
    return render_template(
        "reports/labels.html", warehouses=warehouses, chosen=chosen,
        bins=queries.active_bins(db.session, chosen) if chosen else [],
        receipts=queries.receipts_to_label(db.session), sheets=SHEETS, parts=receipt_parts,
        prefix=current_app.config["BIN_LABEL_PREFIX"],
    )


@bp.route("/labels/bin-choices")
def bin_choices():
    chosen = (request.args.get("warehouse") or "").strip().upper()
    return render_template("reports/_bin_choices.html", bins=queries.active_bins(db.session, chosen), chosen=chosen)


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
    """A receipt's serial labels: every item, or those of one ``status``."""
    receipt_id = _int_arg("receipt", 0)
    part = _int_arg("part", 1)
    status = item_status(request.args.get("status"))
    body = receipt_labels_pdf(db.session, receipt_id=receipt_id, part=part, sheet_key=request.args.get("sheet"),
                              skip=request.args.get("skip"), status=status)
    which = f"-{status.value}" if status else ""
    name = f"serial-labels-receipt-{receipt_id}{which}-part-{part}.pdf"
    return send_download(Download(body, "application/pdf", name))
