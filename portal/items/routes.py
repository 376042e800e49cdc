from flask import redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..auth.access import roles_required
from ..extensions import db
from ..models import utcnow
from ..serials import MAX_SERIAL_LENGTH, normalise
from ..warranty import warranty_state
from ..web.pagination import page_number, paginate
from . import ageing, bp, condition_changes, queries
from .forms import ChangeInPlaceForm, ItemFilterForm

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
        replacement_form=replacement_form(item, linked), change_forms=change_forms(item),
    )


def _change_form(item, attribute: str, *, offered: bool = True) -> ChangeInPlaceForm:
    """``offered``: the values the page offers (not the one it has); a post takes any
    value, so that the ledger says "already damaged" to a page grown stale."""
    form = ChangeInPlaceForm(prefix=attribute)
    form.value.choices = [SelectChoice(v, v.replace("_", " ")) for v in condition_changes.VALUES[attribute]
                          if not offered or v != getattr(item, attribute)]
    return form


def change_forms(item) -> dict[str, ChangeInPlaceForm]:
    """The item page's "change condition" and "change ownership" forms, for a
    user who may and an item whose status allows it."""
    return {attribute: _change_form(item, attribute) for attribute in condition_changes.ROLES
            if condition_changes.may_change(current_user, attribute) and condition_changes.changeable(item, attribute)}


def _change(serial: str, attribute: str):
    from ..defects.routes import _write  # the item page's forms answer as the defect form does
    from ..defects.services import item_by_serial

    item = item_by_serial(db.session, serial, lock=True)
    before = getattr(item, attribute)
    return _write(_change_form(item, attribute, offered=False), url_for("items.detail", serial=item.serial),
                  lambda form: condition_changes.change(db.session, item=item, attribute=attribute,
                                                        value=form.value.data, note=form.note.data,
                                                        actor=current_user),
                  lambda movement: f"{item.serial}: {attribute} {before.replace('_', ' ')} → "
                                   f"{getattr(item, attribute).replace('_', ' ')}.")


@bp.route("/<path:serial>/condition", methods=["POST"])
@roles_required(*condition_changes.ROLES["condition"])
def change_condition(serial: str):
    return _change(serial, "condition")


@bp.route("/<path:serial>/ownership", methods=["POST"])
@roles_required(*condition_changes.ROLES["ownership"])
def change_ownership(serial: str):
    return _change(serial, "ownership")


def _order_url(order_ref: str) -> str:
    """The items of one order: the item list filtered by its reference."""
    return url_for("items.list", order_ref=order_ref)
