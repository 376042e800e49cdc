from flask import redirect, render_template, request, url_for

from ..extensions import db
from ..models import utcnow
from ..web.pagination import page_number, paginate
from . import bp, queries
from .forms import ItemFilterForm
from .serials import MAX_SERIAL_LENGTH

LIST_FILTERS = ("status", "warehouse", "bin", "supplier", "product", "received_from", "received_to",
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
    otherwise the page says so and lists partial matches (four characters or more)."""
    raw = request.args.get("serial", "")
    item = queries.item_by_serial(db.session, raw) if raw.strip() else None
    if item is not None:
        return redirect(url_for("items.detail", serial=item.serial))
    query = raw.strip()
    matches = []
    if 4 <= len(query) <= MAX_SERIAL_LENGTH:
        matches = db.session.scalars(queries.partial_matches(query)).all()
    return render_template("items/lookup.html", query=query, matches=matches), (
        404 if query else 200
    )


@bp.route("/<path:serial>")
def detail(serial: str):
    item = queries.item_by_serial(db.session, serial)
    if item is None:
        return redirect(url_for("items.lookup", serial=serial))
    movements = db.session.scalars(queries.timeline(item.id)).all()
    now = utcnow()
    age_days = (now - item.received_at).days if item.received_at else None
    return render_template(
        "items/detail.html", item=item, movements=movements, age_days=age_days, today=now.date()
    )
