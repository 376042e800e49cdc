from flask import current_app, render_template
from flask_login import current_user

from ..extensions import db
from ..models import Role
from . import bp, queries


@bp.route("/")
def index():
    """One page, a section per role (admins see them all)."""
    from ..scanning.routes import TASKS

    context = {"scan_tasks": TASKS}
    if current_user.has_role(Role.RECEIVER):
        context["open_receipts"] = queries.open_receipts(db.session)
    if current_user.has_role(Role.MANAGER):
        context["stock"] = queries.stock_at_a_glance(db.session)
        context["statuses"] = queries.STATUS_ORDER
        context["currency"] = current_app.config.get("CURRENCY") or "EUR"  # as the reports name it
    return render_template("home/index.html", **context)
