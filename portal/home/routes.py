from flask import render_template
from flask_login import current_user
from sqlalchemy import func, select

from ..extensions import db
from ..models import Receipt, ReceiptStatus, Role, SerialItem, Warehouse
from . import bp


@bp.route("/")
def index():
    from ..scanning.routes import TASKS

    context = {"scan_tasks": TASKS}
    if current_user.has_role(Role.RECEIVER):
        context["open_receipts"] = db.session.scalars(
            select(Receipt).where(Receipt.status == ReceiptStatus.OPEN)
            .order_by(Receipt.created_at.desc()).limit(20)
        ).all()
    if current_user.has_role(Role.MANAGER):
        rows = db.session.execute(
            select(Warehouse.code, SerialItem.status, func.count())
            .select_from(SerialItem)
            .outerjoin(Warehouse, SerialItem.warehouse_id == Warehouse.id)
            .group_by(Warehouse.code, SerialItem.status)
        ).all()
        by_warehouse: dict[str, dict[str, int]] = {}
        for code, status, count in rows:
            by_warehouse.setdefault(code or "—", {})[status] = count
        context["stock_by_warehouse"] = by_warehouse
    return render_template("home/index.html", **context)
