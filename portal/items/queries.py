"""Reads on serial items."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload

from ..like import contains
from ..models import Movement, SerialItem
from ..serials import lookup_key, serial_key


def item_by_serial(session: Session, raw: str) -> SerialItem | None:
    key = lookup_key(raw)
    if key is None:
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
    return (
        select(SerialItem)
        .where(contains(SerialItem.serial_key, key))
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


def order_items(order_ref: str, limit: int = 200) -> Select:
    """The units shipped on one order (its reference exactly, as scanned)."""
    return (
        select(SerialItem)
        .where(SerialItem.order_ref == order_ref.replace("\x00", ""))
        .options(joinedload(SerialItem.product))
        .order_by(SerialItem.serial_key)
        .limit(limit)
    )
