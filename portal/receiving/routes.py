"""Receiving pages: the receipt form and upload, the preview with its header
row and column mapping, commit, and the receipt page. Views are thin: parse
(a WTForms form), call one service, commit once, render (the web helpers
decide fragment or page)."""

from __future__ import annotations

from flask import Response, current_app, flash, render_template, request, stream_with_context, url_for
from flask_login import current_user

from ..auth.access import blueprint_roles
from ..errors import DomainError, Invalid
from ..exports import csv_lines, csv_options
from ..extensions import db
from ..models import ReceiptStatus
from ..web import fragment_or_redirect, redirect_to, render_page_or_fragment
from ..web.errors import ERROR_CODE_HEADER
from . import bp, queries, services
from . import supplier_lists as lists
from .forms import (
    CONDITIONS,
    OWNERSHIPS,
    ArticlesForm,
    CommitForm,
    MappingForm,
    ReceiptForm,
    ReceiptSearchForm,
    UnexpectedForm,
)

blueprint_roles(bp, "receiver", "manager")

PREVIEW = {"page": "receiving/upload.html", "fragment": "receiving/_preview.html"}


def _index_context(form: ReceiptForm | None = None, search: ReceiptSearchForm | None = None) -> dict:
    search = search or ReceiptSearchForm(request.args)
    page = search.page_number() if search.validate() else 1
    rows = db.session.scalars(queries.receipts(search=search.q.data or "", page=page)).all()
    return {"form": form or ReceiptForm(), "conditions": CONDITIONS, "ownerships": OWNERSHIPS,
            **queries.choices(db.session), "max_upload_mb": int(current_app.config["MAX_UPLOAD_MB"]),
            "search": search, "receipts": rows[:queries.RECEIPTS_PAGE_SIZE],
            "has_more": len(rows) > queries.RECEIPTS_PAGE_SIZE, "page_number": page, "q": search.q.data or ""}


@bp.route("/")
def index():
    """The receipt form and the receipts list (searchable, paged: the list alone for HTMX)."""
    return render_page_or_fragment("receiving/index.html", "receiving/_receipts.html", **_index_context())


@bp.route("/uploads", methods=["POST"])
def upload():
    """Stage the file (parsed once, here) and show its preview. Nothing becomes a receipt yet."""
    form = ReceiptForm()
    content = form.file.data.read() if form.file.data else b""
    header = None
    if form.validate():
        try:
            header = services.receipt_header(db.session, **form.header_values())
        except Invalid as error:
            form.show_messages(error.details or {"form": error.message})
    if not content:
        form.show_messages({"file": "Choose the supplier's file (or drop it on the box)."})
    if header is None or not content:
        return _upload_refused(form, code="invalid_receipt" if header is None else "file_required")
    try:
        staged, preview = services.stage_upload(db.session, header=header, content=content,
                                                file_name=form.file.data.filename or "upload", actor=current_user,
                                                sheet=form.sheet.data or None)
    except services.UnreadableUpload as refused:
        # the reader refused the file (hostile or not a list at all): nothing is kept, the form stays
        # filled in so that the receiver can choose another file
        form.show_messages({"file": refused.message})
        return _upload_refused(form, code=refused.code)
    db.session.commit()
    return render_page_or_fragment(**PREVIEW, push_url=url_for("receiving.staged", staged_id=staged.id),
                                   **_preview_context(staged, preview))


def _upload_refused(form: ReceiptForm, *, code: str):
    """The receipt form again with its messages (422), nothing saved."""
    db.session.rollback()
    response = render_page_or_fragment("receiving/index.html", "receiving/_form.html", status=422,
                                       retarget="#receipt-form", reswap="outerHTML", **_index_context(form))
    response.headers[ERROR_CODE_HEADER] = code
    return response


def _preview_context(staged, preview: services.Preview, message: str | None = None, notice: str | None = None) -> dict:
    table = preview.table
    if table is not None:
        names = preview.column_names
        sample = table.rows[table.data_start:table.data_start + 5]
        sheets, sheet = table.sheets, table.sheet
    else:
        details = preview.refusal.details if preview.refusal else {}
        names = details.get("columns", [])
        sample = []
        sheets, sheet = details.get("sheets") or [], details.get("sheet")
    mapped = {index: name for name, index in preview.mapping.columns.items()} if preview.mapping else {}
    return {
        "staged": staged,
        "preview": preview,
        "headers": names,
        "sample": sample,
        "sheets": sheets,
        "sheet": sheet,
        "mapped": mapped,
        "header_index": table.header_index if table is not None else None,
        "fields": lists.FIELDS,
        "field_labels": lists.FIELD_LABELS,
        "serial_kinds": lists.SERIAL_KINDS,
        "message": message,
        "notice": notice,
        "products": queries.choices(db.session)["products"] if preview.unknown_articles else [],
    }


def _preview(staged, status: int = 200, message: str | None = None, notice: str | None = None):
    preview = services.preview_staged(db.session, staged)
    return render_page_or_fragment(**PREVIEW, status=status, **_preview_context(staged, preview, message, notice))


def _refused(staged_id: int, error: DomainError):
    """A refused change of the preview: nothing kept, the preview again with the message (422)."""
    db.session.rollback()
    return _preview(services.get_staged(db.session, staged_id), status=422, message=error.message)


@bp.route("/uploads/<int:staged_id>")
def staged(staged_id: int):
    return _preview(services.get_staged(db.session, staged_id, actor=current_user))


@bp.route("/uploads/<int:staged_id>/mapping", methods=["POST"])
def remap(staged_id: int):
    """The receiver's header row, column mapping or sheet: the rows kept at upload, no new upload."""
    upload = services.get_staged(db.session, staged_id, actor=current_user)
    form = MappingForm()
    if not form.validate():
        return _refused(staged_id, Invalid(" ".join(e for errors in form.errors.values() for e in errors)))
    names = services.staged_column_names(upload)
    try:
        services.remap_staged(db.session, staged=upload, columns=form.column_choices(names),
                              serial_kind=form.serial_kind.data or "any", sheet=form.sheet.data,
                              header_row=form.header_row_choice())
    except DomainError as error:
        return _refused(staged_id, error)
    db.session.commit()
    return _preview(upload)


@bp.route("/uploads/<int:staged_id>/articles", methods=["POST"])
def articles(staged_id: int):
    """The product of each unknown article number, remembered for the supplier."""
    upload = services.get_staged(db.session, staged_id, actor=current_user)
    form = ArticlesForm()
    try:
        if not form.validate():
            raise Invalid("Too many article numbers at once, or one far too long.")
        n = services.remember_articles(db.session, supplier=upload.supplier, products=form.chosen())
    except DomainError as error:
        return _refused(staged_id, error)
    db.session.commit()
    return _preview(upload, notice=f"{n} article number{'s' if n != 1 else ''} mapped for {upload.supplier.name}.")


@bp.route("/uploads/<int:staged_id>/commit", methods=["POST"])
def commit(staged_id: int):
    upload = services.get_staged(db.session, staged_id, actor=current_user)
    form = CommitForm()
    form.validate()
    try:
        receipt, preview = services.commit_staged(db.session, staged=upload, actor=current_user,
                                                  skip_invalid=form.skip_invalid.data,
                                                  expected_invalid=form.expected_invalid_count())
    except services.ListRefused as refused:
        db.session.rollback()
        upload = services.get_staged(db.session, staged_id)
        return render_page_or_fragment(**PREVIEW, status=422,
                                       **_preview_context(upload, refused.preview, message=refused.message))
    except (Invalid, services.Conflict) as error:
        return _refused(staged_id, error)
    db.session.commit()
    skipped = f", {receipt.skipped_rows} invalid rows skipped" if receipt.skipped_rows else ""
    flash(f"Receipt #{receipt.id} created: {preview.valid} serials listed{skipped}.", "success")
    return redirect_to(url_for("receiving.receipt", receipt_id=receipt.id))


@bp.route("/uploads/<int:staged_id>/discard", methods=["POST"])
def discard(staged_id: int):
    upload = services.get_staged(db.session, staged_id, actor=current_user)
    db.session.delete(upload)
    db.session.commit()
    flash("Upload discarded; nothing was saved.", "info")
    return redirect_to(url_for("receiving.index"))


def _csv_response(rows, file_name: str) -> Response:
    """A CSV download written as every CSV of the portal (``exports.csv_lines``: a BOM, formulas
    neutralised, long identifiers kept as text, ``?sep=semicolon`` or the CSV_SEPARATOR setting),
    streamed. A bad ``sep`` is refused before anything is sent."""
    options = csv_options(request.args, current_app.config)
    return Response(stream_with_context(csv_lines(rows, options)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{file_name}"', "Cache-Control": "no-store"})


@bp.route("/uploads/<int:staged_id>/errors.csv")
def errors_csv(staged_id: int):
    upload = services.get_staged(db.session, staged_id, actor=current_user)
    preview = services.preview_staged(db.session, upload)
    rows = [("row", "column", "value", "code", "message")]
    rows += [(e.row, e.column, e.value, e.code, e.message) for e in preview.errors]
    return _csv_response(rows, f"errors-upload-{upload.id}.csv")


# --- the receipt page ----------------------------------------------------------------


def _receipt_context(receipt) -> dict:
    return {"receipt": receipt, "counts": queries.receipt_counts(db.session, receipt.id),
            "is_open": receipt.status == ReceiptStatus.OPEN}


def _receipt_page_context(receipt, **extra) -> dict:
    return {"products": queries.receipt_products(db.session, receipt.id), "skipped": queries.skipped_rows(receipt),
            "unexpected_form": extra.pop("unexpected_form", None) or UnexpectedForm(formdata=None),
            **_receipt_context(receipt), **_items_context(receipt), **extra}


@bp.route("/receipts/<int:receipt_id>")
def receipt(receipt_id: int):
    found = services.get_receipt(db.session, receipt_id)
    return render_template("receiving/receipt.html", **_receipt_page_context(found))


@bp.route("/receipts/<int:receipt_id>/counts")
def counts(receipt_id: int):
    """The counts alone: the fragment re-polls itself while the receipt is open."""
    found = services.get_receipt(db.session, receipt_id)
    response = fragment_or_redirect("receiving/_counts.html", url_for("receiving.receipt", receipt_id=found.id),
                                    **_receipt_context(found))
    response.headers["Cache-Control"] = "no-store"
    return response


def _items_context(receipt) -> dict:
    show = request.args.get("show", "all")
    if show not in queries.ITEM_FILTERS:
        show = "all"
    search = request.args.get("q", "")[:64]
    page = ReceiptSearchForm(request.args).page_number()
    rows = db.session.execute(queries.receipt_items(receipt.id, show=show, search=search, page=page)).all()
    return {"items": rows[:queries.PAGE_SIZE], "has_more": len(rows) > queries.PAGE_SIZE, "page_number": page,
            "show": show, "q": search, "filters": queries.ITEM_FILTERS}


@bp.route("/receipts/<int:receipt_id>/items")
def items(receipt_id: int):
    found = services.get_receipt(db.session, receipt_id)
    return fragment_or_redirect("receiving/_items.html",
                                url_for("receiving.receipt", receipt_id=found.id, **request.args),
                                receipt=found, **_items_context(found))


def _live_response(receipt_id: int, message: str):
    found = services.get_receipt(db.session, receipt_id)
    return fragment_or_redirect("receiving/_live.html", url_for("receiving.receipt", receipt_id=receipt_id),
                                message=message, trigger="receipt:changed", **_receipt_context(found))


def _receipt_action(receipt_id: int, action, message: str):
    """Runs ``action`` (a service taking the receipt and the actor, answering a number of items) on the
    receipt, commits, and answers the live part with ``message`` ("{items}": that number, in words)."""
    found = services.get_receipt(db.session, receipt_id)
    n = action(db.session, receipt=found, actor=current_user)
    db.session.commit()
    return _live_response(receipt_id, message.format(items=f"{n} item{'s' if n != 1 else ''}"))


@bp.route("/receipts/<int:receipt_id>/receive-all", methods=["POST"])
def receive_all(receipt_id: int):
    return _receipt_action(receipt_id, services.receive_all_at_dock, "{items} received into the dock bin.")


@bp.route("/receipts/<int:receipt_id>/close", methods=["POST"])
def close(receipt_id: int):
    return _receipt_action(receipt_id, services.close_receipt, "Receipt closed; {items} marked missing.")


@bp.route("/receipts/<int:receipt_id>/unexpected", methods=["POST"])
def unexpected(receipt_id: int):
    found = services.get_receipt(db.session, receipt_id)
    form = UnexpectedForm()
    try:
        if not form.validate():
            raise Invalid(" ".join(e for errors in form.errors.values() for e in errors))
        item = services.add_unexpected(db.session, receipt=found, serial=form.serial.data or "",
                                       product_sku=form.product.data, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        found = services.get_receipt(db.session, receipt_id)
        return render_page_or_fragment("receiving/receipt.html", "receiving/_unexpected.html", status=422,
                                       error=error.message, **_receipt_page_context(found, unexpected_form=form))
    db.session.commit()
    found = services.get_receipt(db.session, receipt_id)
    message = f"{item.serial} added as unexpected and received into the dock bin."
    return fragment_or_redirect("receiving/_unexpected.html", url_for("receiving.receipt", receipt_id=receipt_id),
                                message=message, added=message, trigger="receipt:changed",
                                unexpected_form=UnexpectedForm(formdata=None),
                                products=queries.receipt_products(db.session, found.id), **_receipt_context(found))


@bp.route("/receipts/<int:receipt_id>/reconciliation.csv")
def reconciliation_csv(receipt_id: int):
    found = services.get_receipt(db.session, receipt_id)
    counts = queries.receipt_counts(db.session, found.id)
    skipped = queries.skipped_rows(found)
    head = [
        ("receipt", found.id), ("supplier", found.supplier.code), ("reference", found.reference),
        ("status", found.status if found.status == ReceiptStatus.CLOSED else "open (interim figures)"),
        ("listed", counts.listed), ("received", counts.received),
        ("missing", counts.missing), ("expected", counts.expected), ("unexpected", counts.unexpected),
        ("skipped rows", found.skipped_rows), (),
        ("serial", "sku", "outcome", "status", "bin", "received_at", "lot", "expires_at"),
    ]

    def rows():
        yield from head
        yield from queries.reconciliation_rows(db.session, found.id)
        if skipped:
            yield ()
            yield ("skipped row", "value", "code")
            for row in skipped:
                yield row.get("row"), row.get("value"), row.get("code")

    return _csv_response(rows(), f"receipt-{found.id}-reconciliation.csv")
