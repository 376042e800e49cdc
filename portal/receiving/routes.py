"""Receiving pages: the receipt form and upload, the preview with its column
mapping, commit, and the receipt page. Views are thin: parse, call one
service, commit once, render."""

from __future__ import annotations

import csv
import io
import json

from flask import Response, current_app, flash, redirect, render_template, request, stream_with_context, url_for
from flask_login import current_user

from ..auth.access import blueprint_roles
from ..errors import DomainError, Invalid
from ..exports import neutralise_cell
from ..extensions import db
from ..models import ReceiptStatus
from ..web import add_trigger, is_htmx_request, render_page_or_fragment
from . import bp, queries, services
from . import supplier_lists as lists
from .forms import CONDITIONS, OWNERSHIPS, ReceiptForm

blueprint_roles(bp, "receiver", "manager")

PREVIEW_ERRORS_SHOWN = 50


def _form_context(form: ReceiptForm | None = None) -> dict:
    return {"form": form or ReceiptForm(), "conditions": CONDITIONS, "ownerships": OWNERSHIPS,
            **queries.choices(db.session),
            "max_upload_mb": int(current_app.config["MAX_UPLOAD_MB"])}


def _redirect(endpoint: str, **values):
    """Go to another page: HX-Redirect for HTMX, a 303 otherwise."""
    url = url_for(endpoint, **values)
    if is_htmx_request():
        return Response(status=204, headers={"HX-Redirect": url})
    return redirect(url, 303)


@bp.route("/")
def index():
    receipts = db.session.scalars(queries.recent_receipts()).all()
    return render_template("receiving/index.html", receipts=receipts, **_form_context())


@bp.route("/uploads", methods=["POST"])
def upload():
    """Stage the file and show its preview. Nothing becomes a receipt yet."""
    form = ReceiptForm.from_request(request.form)
    context = _form_context(form)
    upload_file = request.files.get("file")
    content = upload_file.read() if upload_file else b""
    v = form.values
    try:
        header = services.receipt_header(
            db.session, supplier=v["supplier"], warehouse=v["warehouse"], reference=v["reference"],
            expected_date=v["expected_date"], product=v["product"], condition=v["condition"],
            ownership=v["ownership"], unit_cost=v["unit_cost"])
    except Invalid as error:
        form.errors.update(error.details or {})
        header = None
    if not content:
        form.errors["file"] = "Choose the supplier's file (or drop it on the box)."
    if header is None or not content:
        db.session.rollback()
        response = render_page_or_fragment("receiving/index.html", "receiving/_form.html", status=422,
                                           receipts=[], **context)
        if is_htmx_request():
            response.headers["HX-Retarget"] = "#receipt-form"
            response.headers["HX-Reswap"] = "outerHTML"
        return response
    staged = services.stage_upload(db.session, header=header, content=content,
                                   file_name=upload_file.filename or "upload", actor=current_user,
                                   sheet=v["sheet"] or None)
    db.session.commit()
    preview = services.preview_staged(db.session, staged)
    response = render_page_or_fragment("receiving/upload.html", "receiving/_preview.html",
                                       **_preview_context(staged, preview))
    if is_htmx_request():
        response.headers["HX-Push-Url"] = url_for("receiving.staged", staged_id=staged.id)
    return response


def _preview_context(staged, preview: services.Preview, message: str | None = None) -> dict:
    if preview.table is not None:
        headers = preview.table.headers
        start = preview.table.data_start
        sample = preview.table.rows[start:start + 5]
        sheets, sheet = preview.table.sheets, preview.table.sheet
    else:
        details = preview.refusal.details if preview.refusal else {}
        headers = details.get("columns", [])
        sample = []
        sheets, sheet = details.get("sheets") or [], details.get("sheet")
    mapped = {}
    if preview.mapping is not None:
        mapped = {index: name for name, index in preview.mapping.columns.items()}
    return {
        "staged": staged,
        "preview": preview,
        "headers": headers,
        "sample": sample,
        "sheets": sheets,
        "sheet": sheet,
        "mapped": mapped,
        "fields": lists.FIELDS,
        "field_labels": lists.FIELD_LABELS,
        "serial_kinds": lists.SERIAL_KINDS,
        "errors_shown": preview.errors[:PREVIEW_ERRORS_SHOWN],
        "message": message,
    }


@bp.route("/uploads/<int:staged_id>")
def staged(staged_id: int):
    upload = services.get_staged(db.session, staged_id)
    preview = services.preview_staged(db.session, upload)
    return render_page_or_fragment("receiving/upload.html", "receiving/_preview.html",
                                   **_preview_context(upload, preview))


@bp.route("/uploads/<int:staged_id>/mapping", methods=["POST"])
def remap(staged_id: int):
    """The receiver's column mapping (or sheet): re-read the kept file, no new upload."""
    upload = services.get_staged(db.session, staged_id)
    columns = {name: request.form.get(f"column_{name}") or None for name in lists.FIELDS}
    try:
        services.remap_staged(db.session, staged=upload, columns=columns,
                              serial_kind=request.form.get("serial_kind", "any"),
                              sheet=request.form.get("sheet"))
    except Invalid as error:
        db.session.rollback()
        preview = services.preview_staged(db.session, upload)
        return render_page_or_fragment("receiving/upload.html", "receiving/_preview.html", status=422,
                                       **_preview_context(upload, preview, message=error.message))
    db.session.commit()
    preview = services.preview_staged(db.session, upload)
    return render_page_or_fragment("receiving/upload.html", "receiving/_preview.html",
                                   **_preview_context(upload, preview))


@bp.route("/uploads/<int:staged_id>/commit", methods=["POST"])
def commit(staged_id: int):
    upload = services.get_staged(db.session, staged_id)
    skip = request.form.get("skip_invalid") in ("1", "on", "true", "yes")
    try:
        expected_invalid = int(request.form.get("expected_invalid", ""))
    except ValueError:
        expected_invalid = None
    try:
        receipt, preview = services.commit_staged(db.session, staged=upload, actor=current_user,
                                                  skip_invalid=skip, expected_invalid=expected_invalid)
    except services.ListRefused as refused:
        db.session.rollback()
        upload = services.get_staged(db.session, staged_id)
        return render_page_or_fragment("receiving/upload.html", "receiving/_preview.html", status=422,
                                       **_preview_context(upload, refused.preview, message=refused.message))
    db.session.commit()
    skipped = f", {receipt.skipped_rows} invalid rows skipped" if receipt.skipped_rows else ""
    flash(f"Receipt #{receipt.id} created: {preview.valid} serials expected{skipped}.", "success")
    return _redirect("receiving.receipt", receipt_id=receipt.id)


@bp.route("/uploads/<int:staged_id>/discard", methods=["POST"])
def discard(staged_id: int):
    db.session.delete(services.get_staged(db.session, staged_id))
    db.session.commit()
    flash("Upload discarded; nothing was saved.", "info")
    return _redirect("receiving.index")


def _csv_response(rows, file_name: str) -> Response:
    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for n, row in enumerate(rows):
            writer.writerow([neutralise_cell(v) for v in row])
            if n % 2000 == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return Response(stream_with_context(generate()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{file_name}"'})


@bp.route("/uploads/<int:staged_id>/errors.csv")
def errors_csv(staged_id: int):
    upload = services.get_staged(db.session, staged_id)
    preview = services.preview_staged(db.session, upload)
    rows = [("row", "column", "value", "code", "message")]
    rows += [(e.row, e.column, e.value, e.code, e.message) for e in preview.errors]
    return _csv_response(rows, f"errors-upload-{upload.id}.csv")


# --- the receipt page ----------------------------------------------------------------


def _receipt_context(receipt) -> dict:
    return {"receipt": receipt, "counts": queries.receipt_counts(db.session, receipt.id),
            "is_open": receipt.status == ReceiptStatus.OPEN}


@bp.route("/receipts/<int:receipt_id>")
def receipt(receipt_id: int):
    found = services.get_receipt(db.session, receipt_id)
    skipped = json.loads(found.skipped_detail) if found.skipped_detail else []
    return render_template("receiving/receipt.html", products=queries.receipt_products(db.session, found.id),
                           skipped=skipped, **_receipt_context(found), **_items_context(found))


@bp.route("/receipts/<int:receipt_id>/counts")
def counts(receipt_id: int):
    """The counts alone: the fragment re-polls itself while the receipt is open."""
    found = services.get_receipt(db.session, receipt_id)
    response = Response(render_template("receiving/_counts.html", **_receipt_context(found)))
    response.headers["Cache-Control"] = "no-store"
    return response


def _items_context(receipt) -> dict:
    show = request.args.get("show", "all")
    if show not in queries.ITEM_FILTERS:
        show = "all"
    search = request.args.get("q", "")[:64]
    try:
        page = max(1, min(int(request.args.get("page", "1")), 100_000))
    except ValueError:
        page = 1
    rows = db.session.execute(queries.receipt_items(receipt.id, show=show, search=search, page=page)).all()
    return {"items": rows[:queries.PAGE_SIZE], "has_more": len(rows) > queries.PAGE_SIZE, "page_number": page,
            "show": show, "q": search, "filters": queries.ITEM_FILTERS}


@bp.route("/receipts/<int:receipt_id>/items")
def items(receipt_id: int):
    found = services.get_receipt(db.session, receipt_id)
    if not is_htmx_request():
        return redirect(url_for("receiving.receipt", receipt_id=found.id, **request.args))
    return render_template("receiving/_items.html", receipt=found, **_items_context(found))


def _live_response(receipt_id: int, message: str):
    found = services.get_receipt(db.session, receipt_id)
    if not is_htmx_request():
        flash(message, "success")
        return redirect(url_for("receiving.receipt", receipt_id=receipt_id), 303)
    response = Response(render_template("receiving/_live.html", message=message, **_receipt_context(found)))
    return add_trigger(response, "receipt:changed")


@bp.route("/receipts/<int:receipt_id>/receive-all", methods=["POST"])
def receive_all(receipt_id: int):
    found = services.get_receipt(db.session, receipt_id)
    n = services.receive_all_at_dock(db.session, receipt=found, actor=current_user)
    db.session.commit()
    return _live_response(receipt_id, f"{n} item{'s' if n != 1 else ''} received into the dock bin.")


@bp.route("/receipts/<int:receipt_id>/close", methods=["POST"])
def close(receipt_id: int):
    found = services.get_receipt(db.session, receipt_id)
    n = services.close_receipt(db.session, receipt=found, actor=current_user)
    db.session.commit()
    return _live_response(receipt_id, f"Receipt closed; {n} item{'s' if n != 1 else ''} marked missing.")


@bp.route("/receipts/<int:receipt_id>/unexpected", methods=["POST"])
def unexpected(receipt_id: int):
    found = services.get_receipt(db.session, receipt_id)
    serial = request.form.get("serial", "")
    sku = request.form.get("product", "")
    try:
        item = services.add_unexpected(db.session, receipt=found, serial=serial, product_sku=sku, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        found = services.get_receipt(db.session, receipt_id)
        skipped = json.loads(found.skipped_detail) if found.skipped_detail else []
        return render_page_or_fragment(
            "receiving/receipt.html", "receiving/_unexpected.html", status=422, error=error.message,
            serial=serial, chosen_sku=sku, products=queries.receipt_products(db.session, found.id),
            skipped=skipped, **_receipt_context(found), **_items_context(found))
    db.session.commit()
    found = services.get_receipt(db.session, receipt_id)
    message = f"{item.serial} added as unexpected and received into the dock bin."
    if not is_htmx_request():
        flash(message, "success")
        return redirect(url_for("receiving.receipt", receipt_id=receipt_id), 303)
    response = Response(render_template(
        "receiving/_unexpected.html", added=message, chosen_sku=sku,
        products=queries.receipt_products(db.session, found.id), **_receipt_context(found)))
    return add_trigger(response, "receipt:changed")


@bp.route("/receipts/<int:receipt_id>/reconciliation.csv")
def reconciliation_csv(receipt_id: int):
    found = services.get_receipt(db.session, receipt_id)
    counts = queries.receipt_counts(db.session, found.id)
    head = [
        ("receipt", found.id), ("supplier", found.supplier.code), ("reference", found.reference),
        ("status", found.status if found.status == ReceiptStatus.CLOSED else "open (interim figures)"),
        ("listed", counts.listed), ("received", counts.received),
        ("missing", counts.missing), ("still expected", counts.expected), ("unexpected", counts.unexpected),
        ("skipped rows", found.skipped_rows), (),
        ("serial", "sku", "outcome", "status", "bin", "received_at"),
    ]

    def rows():
        yield from head
        yield from queries.reconciliation_rows(db.session, found.id)

    return _csv_response(rows(), f"receipt-{found.id}-reconciliation.csv")
