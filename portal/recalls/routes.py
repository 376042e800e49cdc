"""Pages of recalls (managers): the list with the form to open one, and one
recall (progress, its units a page at a time filtered by status, quarantine,
close, CSV and PDF). Thin views over the services; each write commits once here."""

from __future__ import annotations

from flask import Response, current_app, render_template, request, url_for
from flask_login import current_user

from ..auth.access import roles_required
from ..defects.routes import _done, _first_error, _refused
from ..errors import DomainError, Invalid
from ..exports import csv_lines, csv_options
from ..extensions import db
from ..web import render_page_or_fragment
from ..web.pagination import page_number
from . import bp, queries, services
from .forms import ActionForm, NewRecallForm
from .pdf import recall_pdf

ROLES = services.RECALL_ROLES
CSV_HEADER = ("Serial", "SKU", "Product", "Lot", "Status", "Warehouse", "Bin", "Order", "Sold at", "Channel")


@bp.app_template_global("open_recall_of")
def open_recall_of(item_id: int):
    """For the item page's flag (templates/items/_recall_flag.html)."""
    return queries.open_recall_of(db.session, item_id)


@bp.route("/")
@roles_required(*ROLES)
def index():
    return render_template("recalls/index.html", recalls=queries.recalls(db.session), form=NewRecallForm())


def _listed_serials(form: NewRecallForm) -> list[str] | None:
    """The serials pasted and those of an uploaded file (text, one a line or a CSV's first column)."""
    text = form.serials.data or ""
    upload = form.serials_file.data
    if upload:
        raw = upload.read()
        try:
            text += "\n" + raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Invalid("The file of serials is not text (UTF-8): save it as CSV or plain text.",
                          code="invalid_file", details={"field": "serials_file"}) from None
    listed = services.serials_from_text(text)
    return listed or None


@bp.route("/", methods=["POST"])
@roles_required(*ROLES)
def create():
    form = NewRecallForm()
    back = url_for("recalls.index")
    if not form.validate():
        return _refused(back, _first_error(form))
    try:
        opened = services.open_recall(
            db.session, reason=form.reason.data, actor=current_user, supplier=form.supplier.data,
            product=form.product.data, lot=form.lot.data, receipts=services.receipt_numbers(form.receipts.data),
            received_from=form.received_from.data, received_to=form.received_to.data,
            serials=_listed_serials(form))
    except DomainError as error:
        return _refused(back, error)
    recall = opened.recall
    message = opened.message or f"Recall #{recall.id} opened: {recall.affected:,} units affected."
    if recall.unknown_count:
        message += f" {recall.unknown_count:,} listed serials are not known here (listed on the recall)."
    return _done(url_for("recalls.show", recall_id=recall.id), message)


@bp.route("/<int:recall_id>")
@roles_required(*ROLES)
def show(recall_id: int):
    recall = services.get_recall(db.session, recall_id)
    status = services.unit_status(request.args.get("status"))
    listing = queries.units_page(db.session, recall.id, status=status, number=page_number())
    counts = queries.by_status(db.session, recall.id)
    return render_page_or_fragment(
        "recalls/show.html", "recalls/_units.html", recall=recall, listing=listing, status=status,
        statuses=[s for s in queries.STATUSES if counts.get(s)], counts=counts,
        progress=queries.Progress.of(recall.affected, counts), criteria=queries.criteria_words(recall),
        unknown=queries.unknown_serials(recall), action_form=ActionForm(),
        filters={"recall_id": recall.id, "status": status})


def _act(recall_id: int, write, message):
    back = url_for("recalls.show", recall_id=recall_id)
    if not ActionForm().validate():
        return _refused(back, "The form has expired: try again.")
    try:
        result = write()
    except DomainError as error:
        return _refused(back, error)
    return _done(back, message(result))


@bp.route("/<int:recall_id>/quarantine", methods=["POST"])
@roles_required(*ROLES)
def quarantine(recall_id: int):
    return _act(recall_id, lambda: services.quarantine(db.session, recall_id=recall_id, actor=current_user),
                lambda n: f"{n:,} units quarantined." if n else "No unit of the recall is in stock: nothing "
                                                                "to quarantine.")


@bp.route("/<int:recall_id>/close", methods=["POST"])
@roles_required(*ROLES)
def close(recall_id: int):
    return _act(recall_id, lambda: services.close(db.session, recall_id=recall_id, actor=current_user),
                lambda recall: f"Recall #{recall.id} closed: its units ship again.")


def units_csv(recall_id: int) -> Response:
    """Every unit of the recall as CSV (the page and the API answer the same file)."""
    recall = services.get_recall(db.session, recall_id)
    options = csv_options(request.args, current_app.config)
    rows = [CSV_HEADER] + [(u.serial, u.sku, u.product, u.lot, u.status, u.warehouse, u.bin, u.order_ref,
                            u.sold_at, u.channel) for u in queries.units(db.session, recall.id)]
    response = Response(csv_lines(rows, options), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="recall-{recall.id}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


def recall_pdf_response(recall_id: int) -> Response:
    recall = services.get_recall(db.session, recall_id)
    response = Response(recall_pdf(db.session, recall), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="recall-{recall.id}.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:recall_id>/units.csv")
@roles_required(*ROLES)
def csv_download(recall_id: int):
    return units_csv(recall_id)


@bp.route("/<int:recall_id>/recall.pdf")
@roles_required(*ROLES)
def pdf_download(recall_id: int):
    return recall_pdf_response(recall_id)
