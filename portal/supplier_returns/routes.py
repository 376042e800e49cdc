"""Pages of returns to the supplier: the returns still to finish, and one
return (add by scan or typing, take off, ship, close, the note PDF). Thin
views over the services; each write commits once here."""

from __future__ import annotations

from flask import Response, render_template, url_for
from flask_login import current_user

from ..auth.access import roles_required
from ..defects.routes import _done, _first_error, _refused, _write
from ..errors import DomainError
from ..extensions import db
from ..models import utcnow
from . import bp, queries, replacements, services
from .forms import ActionForm, CloseForm, NewReturnForm, ReplacementForm, SerialForm
from .note import return_note_pdf

ROLES = services.RETURN_ROLES


@bp.route("/")
@roles_required(*ROLES)
def index():
    return render_template("supplier_returns/index.html", returns=queries.unfinished(db.session, now=utcnow()),
                           form=NewReturnForm())


@bp.route("/", methods=["POST"])
@roles_required(*ROLES)
def create():
    form = NewReturnForm()
    back = url_for("supplier_returns.index")
    if not form.validate():
        return _refused(back, _first_error(form))
    try:
        found = services.open_return(db.session, supplier=form.supplier.data, warehouse=form.warehouse.data,
                                     rma_number=form.rma_number.data, actor=current_user)
    except DomainError as error:
        return _refused(back, error)
    return _done(url_for("supplier_returns.show", return_id=found.id), f"Return #{found.id} opened.")


@bp.route("/<int:return_id>")
@roles_required(*ROLES)
def show(return_id: int):
    found = services.get_return(db.session, return_id)
    return render_template("supplier_returns/show.html", found=found, lines=queries.lines(db.session, found.id),
                           serial_form=SerialForm(), close_form=CloseForm(), action_form=ActionForm())


def _act(return_id: int, form, write, message: str):
    back = url_for("supplier_returns.show", return_id=return_id)
    if not form.validate():
        return _refused(back, _first_error(form))
    try:
        write(form)
    except DomainError as error:
        return _refused(back, error)
    return _done(back, message)


@bp.route("/<int:return_id>/items", methods=["POST"])
@roles_required(*ROLES)
def add_item(return_id: int):
    form = SerialForm()
    return _act(return_id, form, lambda f: services.add_item(db.session, return_id=return_id,
                                                             serial=f.serial.data, actor=current_user),
                f"{(form.serial.data or '').strip()} is on the return.")


@bp.route("/<int:return_id>/items/<path:serial>/remove", methods=["POST"])
@roles_required(*ROLES)
def remove_item(return_id: int, serial: str):
    return _act(return_id, ActionForm(),
                lambda f: services.remove_item(db.session, return_id=return_id, serial=serial,
                                                 actor=current_user),
                f"{serial} taken off the return.")


@bp.route("/<int:return_id>/ship", methods=["POST"])
@roles_required(*ROLES)
def ship(return_id: int):
    return _act(return_id, ActionForm(), lambda f: services.ship(db.session, return_id=return_id,
                                                                 actor=current_user),
                "Shipped: every item on it is returned to the supplier.")


@bp.route("/<int:return_id>/close", methods=["POST"])
@roles_required(*ROLES)
def close(return_id: int):
    return _act(return_id, CloseForm(), lambda f: services.close(db.session, return_id=return_id,
                                                                 credit_note=f.credit_note.data, actor=current_user),
                "Return closed.")


@bp.route("/<int:return_id>/note.pdf")
@roles_required(*ROLES)
def note(return_id: int):
    found = services.get_return(db.session, return_id)
    response = Response(return_note_pdf(db.session, found), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="return-{found.id}.pdf"'
    return response


def replacement_form(item, linked: replacements.Links) -> ReplacementForm | None:
    """The item page's "link the replacement" form: for an item returned to the
    supplier and not replaced yet, and a user who works returns."""
    if (item.status != replacements.REPLACEABLE or linked.replaced_by is not None
            or not current_user.has_role(*replacements.REPLACEMENT_ROLES)):
        return None
    return ReplacementForm()


@bp.route("/items/<path:serial>/replacement", methods=["POST"])
@roles_required(*replacements.REPLACEMENT_ROLES)
def link_replacement(serial: str):
    """From the item page of an item returned to the supplier; back there, done or refused."""
    return _write(ReplacementForm(), url_for("items.detail", serial=serial),
                  lambda form: replacements.link_replacement(db.session, serial=serial,
                                                             replacement_serial=form.replacement_serial.data,
                                                             actor=current_user),
                  lambda original: f"{original.serial} is replaced by "
                                   f"{replacements.links(db.session, original.id).replaced_by}.")
