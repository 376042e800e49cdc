"""Builders for test data: plain functions that take a session and flush.
The conftest wraps each in a fixture that commits and returns the object."""

from __future__ import annotations

import itertools
from datetime import datetime

from sqlalchemy import select

from portal.auth.services import create_user
from portal.catalog import services as catalog
from portal.channels import services as channels
from portal.items import ledger
from portal.models import Bin, ItemStatus, MovementKind, SerialItem, utcnow
from portal.serials import serial_key

DEFAULT_PASSWORD = "correct-horse-1"
_counter = itertools.count(1)


def _n() -> int:
    return next(_counter)


def user(session, *, role: str = "operator", username: str | None = None,
         password: str = DEFAULT_PASSWORD, channel: str | None = None):
    """A user; ``role="channel"`` makes a channel's integration account (of ``channel``, made if needed)."""
    if role == "channel":
        code = channel or f"CH{_n()}"
        if channels.channel_by_code(session, code) is None:
            sales_channel(session, code=code)
        channel = code
    return create_user(session, username=username or f"{role}{_n()}", role=role, password=password,
                       channel=channel)


def sales_channel(session, *, code: str | None = None, name: str | None = None, kind: str = "web"):
    n = _n()
    return channels.create_channel(session, code=code or f"CH{n}", name=name or f"Channel {n}", kind=kind)


def supplier(session, *, code: str | None = None, name: str | None = None, trusted: bool = False):
    n = _n()
    return catalog.create_supplier(
        session, code=code or f"SUP{n}", name=name or f"Supplier {n}", trusted=trusted
    )


def product(session, *, sku: str | None = None, name: str | None = None, warranty_months: int = 12,
            unit_cost="100.00", shelf_life_days: int | None = None, gtin: str | None = None):
    n = _n()
    return catalog.create_product(
        session, sku=sku or f"SKU-{n}", name=name or f"Product {n}",
        warranty_months=warranty_months, unit_cost=unit_cost, shelf_life_days=shelf_life_days,
        gtin=gtin,
    )


def warehouse(session, *, code: str | None = None, name: str | None = None):
    n = _n()
    return catalog.create_warehouse(session, code=code or f"WH{n}", name=name or f"Warehouse {n}")


def bin_(session, *, warehouse_id: int | None = None, code: str | None = None):
    from portal.models import Warehouse

    wh = session.get(Warehouse, warehouse_id) if warehouse_id else warehouse(session)
    return catalog.create_bin(session, warehouse=wh, code=code or f"A-{_n():02d}-1")


def item(session, *, serial: str | None = None, status: str = ItemStatus.IN_STOCK,
         product_id: int | None = None, supplier_id: int | None = None,
         bin_id: int | None = None, receipt_id: int | None = None,
         received_at: datetime | None = None, condition: str = "regular",
         ownership: str = "owned", unit_cost=None, order_ref: str | None = None):
    """An item straight in the given status, with the movement that put it there
    (a sold one shipped now, on ``order_ref`` when given)."""
    p_id = product_id or product(session).id
    s_id = supplier_id or supplier(session).id
    target = None
    if status in (ItemStatus.IN_STOCK, ItemStatus.DEFECTIVE):
        target = session.get(Bin, bin_id) if bin_id else bin_(session)
    serial = serial or f"SN{_n():08d}"
    row = SerialItem(
        serial=serial, serial_key=serial_key(serial), product_id=p_id, supplier_id=s_id,
        receipt_id=receipt_id, status=status, condition=condition, ownership=ownership,
        bin_id=target.id if target else None,
        warehouse_id=target.warehouse_id if target else None,
        unit_cost=unit_cost,
        received_at=received_at or (utcnow() if status != ItemStatus.EXPECTED else None),
        order_ref=order_ref, sold_at=utcnow() if order_ref and status == ItemStatus.SOLD else None,
    )
    session.add(row)
    session.flush()
    history = [{"item_id": row.id, "kind": MovementKind.LISTED, "to_status": ItemStatus.EXPECTED}]
    if status != ItemStatus.EXPECTED:
        history.append({"item_id": row.id, "kind": MovementKind.RECEIVED, "from_status": ItemStatus.EXPECTED,
                        "to_status": status, "to_bin_id": row.bin_id})
    ledger.record_history(session, history)
    session.flush()
    return session.scalars(select(SerialItem).where(SerialItem.id == row.id)).one()
