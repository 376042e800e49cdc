from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth.access import roles_required
from ..catalog.queries import warehouse_by_code
from ..errors import DomainError
from ..extensions import db
from ..models import utcnow
from ..serials import MAX_SERIAL_LENGTH, normalise
from ..warranty import warranty_state
from ..web import redirect_to
from ..web.pagination import page_number, paginate
from . import ageing, as_of, bp, queries, services
from .forms import AsOfForm, CorrectionForm, ItemFilterForm

LIST_FILTERS = ("status", "warehouse", "bin", "supplier", "product", "order_ref", "received_from", "received_to",
                "shipped_from", "shipped_to", "defect")


@bp.route("/", endpoint="list")
def item_list():
    """Items by status, place, supplier, product and dates, paged: where the
    report figures and the home counts lead."""
    form = ItemFilterForm(request.args)
    if not form.validate():
        return render_template("items/list.html", form=form, listing=None, filters={}), 422
    filters = {name: form[name].data for name in LIST_FILTERS if form[name].data}
    texts = {name: value.strip() if isinstance(value, str) else value for name, value in filters.items()}
    listing = paginate(db.session, queries.item_list(**texts), number=page_number())
    query = {name: value.isoformat() if hasattr(value, "isoformat") else value for name, value in texts.items()}
    return render_template("items/list.html", form=form, listing=listing, filters=query)


@bp.route("/lookup")
def lookup():
    """The search box on every page. An exact serial opens its item page;
    otherwise the page says so and lists partial matches (four characters or
    more) and, if the text is an order reference, the units of that order."""
    raw = request.args.get("serial", "")
    query = normalise(raw)
    item = queries.item_by_serial(db.session, query) if query else None
    if item is not None:
        return redirect(url_for("items.detail", serial=item.serial))
    matches, order = [], []
    if 4 <= len(query) <= MAX_SERIAL_LENGTH:
        matches = db.session.scalars(queries.partial_matches(query)).all()
    order_ref = raw.strip()
    if 0 < len(order_ref) <= 100:  # an order reference scanned or followed from an item page
        order = db.session.scalars(queries.order_items(order_ref)).all()
    return render_template("items/lookup.html", query=query, matches=matches, order=order), (
        404 if query and not order else 200
    )


@bp.route("/as-of", endpoint="as_of")
def as_of_page():
    """As it was on a date, rebuilt from the ledger, for disputes and audits:
    one serial's status, warehouse, bin, condition and ownership then, or what
    was in a warehouse (or one of its bins) then, paged. Any logged-in role."""
    form = AsOfForm(request.args)
    asked = any(request.args.get(name) for name in ("at", "serial", "warehouse", "bin"))
    found = {"item": None, "then": None, "listing": None, "warehouse": None, "problem": None}
    status = 200
    if asked and form.validate():
        status = _as_of_answer(form, found)
    elif asked:
        status = 422
    query = {name: form[name].data.strip() for name in ("at", "serial", "warehouse", "bin") if form[name].data}
    return render_template("items/as_of.html", form=form, query=query, **found), status


def _as_of_answer(form: AsOfForm, found: dict) -> int:
    """Fill ``found`` for the question asked; the page's status."""
    at = form.moment
    if form.serial.data:
        item = queries.item_by_serial(db.session, form.serial.data)
        if item is None:
            found["problem"] = f"No item has the serial {normalise(form.serial.data)[:80]}."
            return 404
        found["item"], found["then"] = item, as_of.item_at(db.session, item, at)
        if found["then"] is None:
            found["problem"] = f"{item.serial} did not exist yet at {at:%Y-%m-%d %H:%M} UTC: it was on no list then."
        return 200
    if not form.warehouse.data:
        form.serial.errors.append("Give a serial, or a warehouse (and a bin).")
        return 422
    warehouse = warehouse_by_code(db.session, form.warehouse.data)
    if warehouse is None:
        found["problem"] = f"No warehouse has the code {form.warehouse.data.strip().upper()[:40]}."
        return 404
    bins = as_of.bins_of(warehouse.id, form.bin.data)
    if form.bin.data and db.session.scalar(bins) is None:
        found["problem"] = f"Warehouse {warehouse.code} has no bin {form.bin.data.strip().upper()[:40]}."
        return 404
    found["warehouse"] = warehouse
    found["listing"] = paginate(db.session, as_of.items_in_bins_at(at, bins), number=page_number(), scalars=False)
    return 200


@bp.route("/<path:serial>/correction", methods=["POST"])
@roles_required(*services.CORRECTION_ROLES)
def correct(serial: str):
    """A manager corrects a serial typed wrong; the item page of the new serial follows."""
    from ..defects.services import item_by_serial  # the row-locked look-up the item page's writes share

    item = item_by_serial(db.session, serial, lock=True)
    old = item.serial
    back = url_for("items.detail", serial=old)
    form = CorrectionForm()
    if not form.validate():
        db.session.rollback()
        flash(next((e for errors in form.errors.values() for e in errors), "The form is incomplete."), "error")
        return redirect_to(back)
    try:
        services.correct_serial(db.session, item, serial=form.serial.data, note=form.note.data, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect_to(back)
    new = item.serial
    db.session.commit()
    flash(f"Serial {old} corrected to {new}: {old} still finds this item.", "success")
    return redirect_to(url_for("items.detail", serial=new))


@bp.route("/<path:serial>")
def detail(serial: str):
    item = queries.item_by_serial(db.session, serial)
    if item is None:
        return redirect(url_for("items.lookup", serial=serial))
    # here: the defects and supplier returns packages build on the ledger in this one
    from ..defects.routes import flag_form
    from ..supplier_returns.replacements import links
    from ..supplier_returns.routes import replacement_form
    from .timeline import item_timeline

    movements = db.session.scalars(queries.timeline(item.id)).all()
    linked = links(db.session, item.id)
    now = utcnow()
    since = ageing.in_bin_since(item, movements)
    return render_template(
        "items/detail.html", item=item, movements=movements, age=ageing.item_age(item, movements, now),
        in_bin_days=(now - since).days if since else None, in_bin_since=since, today=now.date(),
        warranty=warranty_state(item, now.date()),
        order_url=_order_url(item.order_ref) if item.order_ref else None,
        defect_form=flag_form(item), timeline=item_timeline(db.session, item.id, movements), links=linked,
        replacement_form=replacement_form(item, linked), corrections=queries.corrections(db.session, item.id),
        correction_form=CorrectionForm() if current_user.has_role(*services.CORRECTION_ROLES) else None,
    )


def _order_url(order_ref: str) -> str:
    """The items of one order: the item list filtered by its reference."""
    return url_for("items.list", order_ref=order_ref)
