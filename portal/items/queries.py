"""Reads on serial items."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload

from ..models import Movement, SerialItem
from .serials import MAX_SERIAL_LENGTH, serial_key


def item_by_serial(session: Session, raw: str) -> SerialItem | None:
    key = serial_key(raw)
    if not key or len(key) > MAX_SERIAL_LENGTH or "\x00" in key:  # PostgreSQL text holds no NUL
        return None
    return session.scalars(
        select(SerialItem)
        .where(SerialItem.serial_key == key)
        .options(
            joinedload(SerialItem.product),
            joinedload(SerialItem.supplier),
            joinedload(SerialItem.warehouse),
            joinedload(SerialItem.bin),
            joinedload(SerialItem.receipt),
        )
    ).first()


def partial_matches(raw: str, limit: int = 20) -> Select:
    """Serials containing the text (four characters or more), for "did you mean"."""
    key = serial_key(raw).replace("\x00", "")  # PostgreSQL text holds no NUL
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return (
        select(SerialItem)
        .where(SerialItem.serial_key.like(f"%{escaped}%", escape="\\"))
        .options(joinedload(SerialItem.product), joinedload(SerialItem.bin))
        .order_by(SerialItem.serial_key)
        .limit(limit)
    )


def timeline(item_id: int) -> Select:
    return (
        select(Movement)
        .where(Movement.item_id == item_id)
        .options(
            joinedload(Movement.from_bin),
            joinedload(Movement.to_bin),
            joinedload(Movement.actor),
        )
        .order_by(Movement.id.desc())
    )


def count_by_status(session: Session) -> dict[str, int]:
    rows = session.execute(select(SerialItem.status, func.count()).group_by(SerialItem.status))
    return dict(rows.all())


def order_items(order_ref: str, limit: int = 200) -> Select:
    """The units shipped on one order (its reference exactly, as scanned)."""
    return (
        select(SerialItem)
        .where(SerialItem.order_ref == order_ref.replace("\x00", ""))
        .options(joinedload(SerialItem.product))
        .order_by(SerialItem.serial_key)
        .limit(limit)
    )
