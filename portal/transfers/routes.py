"""Pages of transfers: the list (open one), and one transfer: scan serials onto
it at the source or into bins at the destination (one scan at a time, each
answered by a row), take one off, dispatch, close. Thin views over the
services; each write commits once here."""

from __future__ import annotations

from flask import current_app, render_template, url_for
from flask_login import current_user

from ..auth.access import roles_required
from ..defects.routes import _done, _first_error, _refused, _write
from ..errors import DomainError
from ..extensions import db
from ..models import Warehouse
from ..web import is_htmx_request
from . import bp, queries, services
from .forms import ActionForm, NewTransferForm, ScanForm
from .models import TransferStatus

ROLES = services.TRANSFER_ROLES


@bp.route("/")
@roles_required(*ROLES)
def index():
    warehouses = db.session.scalars(db.select(Warehouse).where(Warehouse.active).order_by(Warehouse.code)).all()
    return render_template("transfers/index.html", transfers=queries.transfers(db.session), form=NewTransferForm(),
                           warehouses=warehouses)


@bp.route("/", methods=["POST"])
@roles_required(*ROLES)
def create():
    form = NewTransferForm()
    back = url_for("transfers.index")
    if not form.validate():
        return _refused(back, _first_error(form))
    try:
        found = services.open_transfer(db.session, from_warehouse=form.from_warehouse.data,
                                       to_warehouse=form.to_warehouse.data, reference=form.reference.data,
                                       actor=current_user)
    except DomainError as error:
        return _refused(back, error)
    return _done(url_for("transfers.show", transfer_id=found.id), f"Transfer #{found.id} opened.")


@bp.route("/<int:transfer_id>")
@roles_required(*ROLES)
def show(transfer_id: int):
    found = services.get_transfer(db.session, transfer_id)
    return render_template("transfers/show.html", found=found, counts=queries.counts(db.session, found),
                           lines=queries.lines(db.session, found, limit=queries.PAGE_LINES),
                           page_lines=queries.PAGE_LINES, scan_form=ScanForm(), action_form=ActionForm())


def _scan(found, form) -> str:
    """One scan's write and its words: onto an open transfer, or into a bin at the destination."""
    if found.status == TransferStatus.OPEN:
        line = services.add_item(db.session, transfer_id=found.id, serial=form.serial.data, actor=current_user)
        return f"On transfer #{found.id}: {line.item.serial}."
    line = services.receive(db.session, transfer_id=found.id, serial=form.serial.data, bin=form.bin.data or "",
                            actor=current_user, bin_prefix=current_app.config["BIN_LABEL_PREFIX"])
    return f"Arrived: {line.item.serial} into {line.bin.code}."


@bp.route("/<int:transfer_id>/scan", methods=["POST"])
@roles_required(*ROLES)
def scan(transfer_id: int):
    """A scan from the page. From the page's script (HX-Request) the answer is
    one row, accepted or refused (200 either way: the log stays continuous),
    with the transfer's counts; without script, back to the page with a message."""
    form = ScanForm()
    back = url_for("transfers.show", transfer_id=transfer_id)
    code = (form.serial.data or "").strip()
    if not is_htmx_request():
        return _write(form, back, lambda f: _scan(services.get_transfer(db.session, transfer_id), f), str)
    try:
        if not form.validate():
            raise DomainError(_first_error(form), code="invalid")
        message, result = _scan(services.get_transfer(db.session, transfer_id), form), "accepted"
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        message, result = error.message, "refused"
    found = services.get_transfer(db.session, transfer_id)
    return render_template("transfers/_scan_row.html", code=code, message=message, result=result,
                           counts=queries.counts(db.session, found))


def _action(transfer_id: int, write, message):
    return _write(ActionForm(), url_for("transfers.show", transfer_id=transfer_id), lambda form: write(), message)


@bp.route("/<int:transfer_id>/items/<path:serial>/remove", methods=["POST"])
@roles_required(*ROLES)
def remove_item(transfer_id: int, serial: str):
    return _action(transfer_id, lambda: services.remove_item(db.session, transfer_id=transfer_id, serial=serial,
                                                             actor=current_user),
                   lambda found: f"{serial} taken off transfer #{found.id}.")


@bp.route("/<int:transfer_id>/dispatch", methods=["POST"])
@roles_required(*ROLES)
def dispatch(transfer_id: int):
    return _action(transfer_id, lambda: services.dispatch(db.session, transfer_id=transfer_id, actor=current_user),
                   lambda found: f"Transfer #{found.id} dispatched: every serial on it is in transit.")


#: What closing did, by the status it left.
CLOSED_WORDS = {TransferStatus.CLOSED: "Transfer #{id} closed: units that did not arrive are marked missing.",
                TransferStatus.CANCELLED: "Transfer #{id} cancelled before dispatch: nothing moved."}


@bp.route("/<int:transfer_id>/close", methods=["POST"])
@roles_required(*ROLES)
def close(transfer_id: int):
    return _action(transfer_id, lambda: services.close(db.session, transfer_id=transfer_id, actor=current_user),
                   lambda found: CLOSED_WORDS[found.status].format(id=found.id))
