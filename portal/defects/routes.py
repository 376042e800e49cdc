"""Pages of defects: the reasons the admin keeps, flagging a defect from the
item page, and each warehouse's quarantine with its outcomes. Thin views over
the services; each write commits once here."""

from __future__ import annotations

from flask import abort, flash, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..auth.access import roles_required
from ..errors import DomainError
from ..extensions import db
from ..models import utcnow
from ..web import redirect_to, render_page_or_fragment
from ..web.pagination import page_number
from . import bp, queries, services
from .forms import FlagDefectForm, ReasonActiveForm, ReasonForm, RenameReasonForm, RepairForm, ScrapForm

QUARANTINE_ROLES = ("operator", "receiver", "manager")


def _done(url: str, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect_to(url)


def _refused(url: str, error: DomainError | str):
    db.session.rollback()
    flash(error.message if isinstance(error, DomainError) else error, "error")
    return redirect_to(url)


def _first_error(form) -> str:
    return next((e for errors in form.errors.values() for e in errors), "The form is incomplete.")


# --- reasons (admins) --------------------------------------------------------------------


@bp.route("/reasons")
@roles_required("admin")
def reasons():
    return render_template("defects/reasons.html", reasons=queries.reasons(db.session), form=ReasonForm(),
                           rename_form=RenameReasonForm(), active_form=ReasonActiveForm())


def _write(form, back: str, write, message):
    """A form's write: refused with its first problem, or done with ``message(result)``."""
    if not form.validate():
        return _refused(back, _first_error(form))
    try:
        result = write(form)
    except DomainError as error:
        return _refused(back, error)
    return _done(back, message(result))


@bp.route("/reasons", methods=["POST"])
@roles_required("admin")
def add_reason():
    return _write(ReasonForm(), url_for("defects.reasons"),
                  lambda form: services.add_reason(db.session, code=form.code.data, name=form.name.data),
                  lambda reason: f"Reason {reason.name} added.")


@bp.route("/reasons/<code>/name", methods=["POST"])
@roles_required("admin")
def rename_reason(code: str):
    return _write(RenameReasonForm(), url_for("defects.reasons"),
                  lambda form: services.rename_reason(db.session, code=code, name=form.name.data),
                  lambda reason: f"Reason {reason.code} is now called {reason.name}.")


@bp.route("/reasons/<code>/active", methods=["POST"])
@roles_required("admin")
def set_reason_active(code: str):
    form = ReasonActiveForm()
    if not form.validate() or form.active.data not in ("yes", "no"):
        abort(400)
    try:
        reason = services.set_reason_active(db.session, code=code, active=form.active.data == "yes")
    except DomainError as error:
        return _refused(url_for("defects.reasons"), error)
    state = "offered again" if reason.active else "no longer offered (reports keep it)"
    return _done(url_for("defects.reasons"), f"Reason {reason.name} is {state}.")


# --- flag a defect (item page) -------------------------------------------------------------


def _reason_choices() -> list[SelectChoice]:
    return [SelectChoice(r.code, r.name) for r in queries.reasons(db.session, only_active=True)]


def flag_form(item) -> FlagDefectForm | None:
    """The item page's "flag a defect" form, for a user who may and an item that can be flagged."""
    if not current_user.has_role(*services.FLAG_ROLES) or item.status not in services.FLAGGABLE:
        return None
    form = FlagDefectForm()
    form.reason.choices = _reason_choices()
    return form


@bp.route("/items/<path:serial>/defect", methods=["POST"])
@roles_required(*services.FLAG_ROLES)
def flag(serial: str):
    item = services.item_by_serial(db.session, serial, lock=True)
    form = FlagDefectForm()
    form.reason.choices = _reason_choices()
    return _write(form, url_for("items.detail", serial=item.serial),
                  lambda form: services.flag_defect(db.session, item=item, reason=form.reason.data,
                                                    stage=form.stage.data, note=form.note.data, actor=current_user),
                  lambda report: f"{item.serial} flagged defective ({report.reason_code.replace('_', ' ')}): "
                                 f"take it to {item.bin.code if item.bin else 'quarantine'}.")


# --- quarantine ----------------------------------------------------------------------------


@bp.route("/quarantine")
@roles_required(*QUARANTINE_ROLES)
def quarantine():
    """A warehouse's quarantine, oldest first, a page of QUARANTINE_PAGE items at a time with the
    total; the pager swaps only the table with HTMX and is plain links without it."""
    warehouses = queries.warehouses(db.session)
    code = (request.args.get("warehouse") or (warehouses[0].code if warehouses else "")).strip().upper()[:32]
    warehouse = queries.warehouse_by_code(db.session, code) if code else None
    supplier = (request.args.get("supplier") or "").strip().upper()[:32] or None
    reason = (request.args.get("reason") or "").strip()[:32] or None
    listing = queries.quarantine_page(db.session, warehouse_id=warehouse.id, supplier=supplier, reason=reason,
                                      number=page_number(), now=utcnow()) if warehouse else None
    return render_page_or_fragment(
        "defects/quarantine.html", "defects/_quarantine_table.html", status=200 if warehouse or not code else 404,
        warehouses=warehouses, warehouse=warehouse, listing=listing, rows=listing.rows if listing else [],
        supplier=supplier, reason=reason, reason_names=queries.reason_names(db.session),
        filters={"warehouse": warehouse.code if warehouse else None, "supplier": supplier, "reason": reason},
        warehouse_options=[(w.code, f"{w.code} — {w.name}") for w in warehouses],
        reason_options=[(r.code, r.name) for r in queries.reasons(db.session)],
        supplier_options=[(code, code) for code in
                          (queries.suppliers_in_quarantine(db.session, warehouse.id) if warehouse else [])],
        bins=queries.storage_bins(db.session, warehouse.id) if warehouse else [],
        may_repair=current_user.has_role(*services.REPAIR_ROLES),
        may_scrap=current_user.has_role(*services.SCRAP_ROLES),
        repair_form=RepairForm(), scrap_form=ScrapForm(),
    )


def _back_to_quarantine(item) -> str:
    return url_for("defects.quarantine", warehouse=item.warehouse.code if item.warehouse else None)


@bp.route("/items/<path:serial>/repair", methods=["POST"])
@roles_required(*services.REPAIR_ROLES)
def repair(serial: str):
    item = services.item_by_serial(db.session, serial, lock=True)
    return _write(RepairForm(), _back_to_quarantine(item),
                  lambda form: services.repair(db.session, item=item,
                                               warehouse=item.warehouse.code if item.warehouse else "",
                                               bin_code=form.bin.data, note=form.note.data, actor=current_user),
                  lambda item: f"{item.serial} repaired: in stock as refurbished in {item.bin.code}.")


@bp.route("/items/<path:serial>/scrap", methods=["POST"])
@roles_required(*services.SCRAP_ROLES)
def scrap(serial: str):
    item = services.item_by_serial(db.session, serial, lock=True)
    return _write(ScrapForm(), _back_to_quarantine(item),
                  lambda form: services.scrap(db.session, item=item, note=form.note.data, actor=current_user),
                  lambda item: f"{item.serial} scrapped.")
