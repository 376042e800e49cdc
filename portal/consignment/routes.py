"""Consignment pages: choose a supplier and a period, read the statement
(with its PDF and CSV), settle up to a day (managers). Thin views over the
services; a settlement commits once here."""

from __future__ import annotations

from datetime import timedelta

from flask import Response, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth.access import roles_required
from ..defects.routes import _done, _first_error, _refused
from ..errors import DomainError, Invalid
from ..exports import csv_options
from ..extensions import db
from ..reports.filters import today
from . import bp, queries, services
from .forms import SettleForm
from .pdf import SHOWN_SALES, statement_download, statement_report

DOWNLOADS = ("pdf", "csv")


def _period_args() -> dict[str, str]:
    return {key: request.args[key] for key in ("from", "to") if request.args.get(key)}


@bp.route("/")
@roles_required(*services.STATEMENT_ROLES)
def index():
    chosen = (request.args.get("supplier") or "").strip()
    if chosen:
        return redirect(url_for("consignment.show", code=chosen.upper()[:32], **_period_args()))
    return render_template("consignment/index.html", suppliers=queries.supplier_choices(db.session),
                           args=_period_args(), today=today().isoformat())


@bp.route("/<code>")
@roles_required(*services.STATEMENT_ROLES)
def show(code: str):
    found, error, status = None, None, 200
    supplier = services.supplier_by_code(db.session, code)
    try:
        found = services.statement(db.session, supplier=code, date_from=request.args.get("from"),
                                   date_to=request.args.get("to"), limit=SHOWN_SALES)
    except Invalid as invalid:
        error, status = invalid.message, 422
    yesterday = today() - timedelta(days=1)
    until = min(found.date_to, yesterday) if found else yesterday
    currency = current_app.config.get("CURRENCY", "")
    report = statement_report(found, currency=currency) if found else None
    return render_template(
        "consignment/show.html", supplier=supplier, found=found, report=report, error=error, args=_period_args(),
        suppliers=queries.supplier_choices(db.session), today=today().isoformat(), until=until.isoformat(),
        form=SettleForm(), may_settle=current_user.has_role(*services.SETTLE_ROLES), pdf=False,
    ), status


@bp.route("/<code>/statement.<fmt>")
@roles_required(*services.STATEMENT_ROLES)
def download(code: str, fmt: str):
    if fmt not in DOWNLOADS:
        abort(404)
    found = services.statement(db.session, supplier=code, date_from=request.args.get("from"),
                               date_to=request.args.get("to"), limit=SHOWN_SALES if fmt == "pdf" else None)
    got = statement_download(found, fmt, csv=csv_options(request.args, current_app.config))
    response = Response(got.body, mimetype=got.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{got.filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<code>/settlements", methods=["POST"])
@roles_required(*services.SETTLE_ROLES)
def settle(code: str):
    form = SettleForm()
    back = url_for("consignment.show", code=code)
    if not form.validate():
        return _refused(back, _first_error(form))
    try:
        made = services.settle(db.session, supplier=code, until=form.until.data, reference=form.reference.data,
                               actor=current_user)
    except DomainError as error:
        return _refused(back, error)
    return _done(back, f"Settled up to {made.until.isoformat()}: {made.units} sale"
                       f"{'' if made.units == 1 else 's'}, {made.amount:,.2f}.")
