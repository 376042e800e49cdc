from flask import redirect, render_template, request, url_for

from ..extensions import db
from ..models import utcnow
from ..serials import MAX_SERIAL_LENGTH, normalise
from . import bp, queries


@bp.route("/lookup")
def lookup():
    """The search box on every page. An exact serial opens its item page;
    otherwise the page says so and lists partial matches (four characters or more)."""
    raw = request.args.get("serial", "")
    query = normalise(raw)
    item = queries.item_by_serial(db.session, query) if query else None
    if item is not None:
        return redirect(url_for("items.detail", serial=item.serial))
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
