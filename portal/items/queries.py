"""Reads on serial items."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session, joinedload

from ..like import contains
from ..models import Bin, DefectReport, Movement, MovementKind, Product, SerialItem, Supplier, Warehouse
from ..serials import lookup_key, serial_key
from .models import SerialCorrection


def item_id_by_former_serial(session: Session, key: str) -> int | None:
    """The item whose serial was ``key`` (a serial key) before a correction; the
    latest correction wins. Look-ups call this only when no item has ``key`` as
    its live serial: a value corrected away never shadows a real item's serial."""
    return session.scalar(select(SerialCorrection.item_id).where(SerialCorrection.old_key == key)
                          .order_by(SerialCorrection.id.desc()).limit(1))


def corrections(session: Session, item_id: int) -> list[SerialCorrection]:
    """The item's serial corrections, oldest first, with who made them."""
    return session.scalars(select(SerialCorrection).where(SerialCorrection.item_id == item_id)
                           .options(joinedload(SerialCorrection.corrected_by))
                           .order_by(SerialCorrection.id)).all()


def former_serials(session: Session, item: SerialItem) -> list[str]:
    """The values the item's serial was before its corrections, oldest first (its current one left out):
    one statement."""
    seen: list[str] = []
    for old in session.scalars(select(SerialCorrection.old_serial).where(SerialCorrection.item_id == item.id)
                               .order_by(SerialCorrection.id)):
        if old != item.serial and old not in seen:
            seen.append(old)
    return seen


def item_by_serial(session: Session, raw: str) -> SerialItem | None:
    """The item with this serial, or, when no item has it now, the item it was
    corrected away from (:func:`item_id_by_former_serial`)."""
    key = lookup_key(raw)
    if key is None:
        return None
    found = _item_with_facts(session, SerialItem.serial_key == key)
    if found is None:
        former = item_id_by_former_serial(session, key)
        found = _item_with_facts(session, SerialItem.id == former) if former is not None else None
    return found


def _item_with_facts(session: Session, condition) -> SerialItem | None:
    return session.scalars(
        select(SerialItem)
        .where(condition)
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


def _day_after(day: date) -> datetime:
    return datetime(day.year, day.month, day.day) + timedelta(days=1)


def _received_between(received_from: date | None, received_to: date | None):
    """Received in the period, as the defects report's cohort counts it: by the
    receipt time, or, for a unit flagged defective before it was ever put away,
    by its first defect report still standing (it was in our hands then)."""
    start = datetime(received_from.year, received_from.month, received_from.day) if received_from else None
    end = _day_after(received_to) if received_to else None
    received = [SerialItem.received_at >= start] if start else []
    received += [SerialItem.received_at < end] if end else []
    first_report = func.min(DefectReport.reported_at)
    flagged = [first_report >= start] if start else []
    flagged += [first_report < end] if end else []
    never_received = SerialItem.id.in_(
        select(DefectReport.item_id).where(DefectReport.undone_at.is_(None))
        .group_by(DefectReport.item_id).having(and_(*flagged)))
    return or_(and_(*received), and_(SerialItem.received_at.is_(None), never_received))


def item_list(*, status: str = "", warehouse: str = "", bin: str = "", supplier: str = "", product: str = "",
              order_ref: str = "", received_from: date | None = None, received_to: date | None = None,
              shipped_from: date | None = None, shipped_to: date | None = None, defect: str = "") -> Select:
    """Items matching the filters, newest received first (the records behind
    the report figures). Codes match exactly, case-insensitively."""
    stmt = select(SerialItem).options(
        joinedload(SerialItem.product), joinedload(SerialItem.supplier), joinedload(SerialItem.warehouse),
        joinedload(SerialItem.bin),
    )
    if status:
        stmt = stmt.where(SerialItem.status == status)
    if warehouse:
        stmt = stmt.where(SerialItem.warehouse_id.in_(select(Warehouse.id).where(Warehouse.code == warehouse.upper())))
    if bin:
        bins = select(Bin.id).where(Bin.code == bin.upper())
        if warehouse:
            bins = bins.join(Warehouse, Warehouse.id == Bin.warehouse_id).where(Warehouse.code == warehouse.upper())
        stmt = stmt.where(SerialItem.bin_id.in_(bins))
    if supplier:
        stmt = stmt.where(SerialItem.supplier_id.in_(select(Supplier.id).where(Supplier.code == supplier.upper())))
    if product:
        stmt = stmt.where(SerialItem.product_id.in_(select(Product.id).where(Product.sku == product.upper())))
    if order_ref:  # exactly as scanned at shipping, as the order's look-up matches it
        stmt = stmt.where(SerialItem.order_ref == order_ref)
    if received_from or received_to:
        stmt = stmt.where(_received_between(received_from, received_to))
    if shipped_from or shipped_to:
        # shipped in the period, whatever happened since (a customer return, a reversal): as the
        # stock-aging report's FIFO figure counts shipments
        shipments = select(Movement.item_id).where(Movement.kind == MovementKind.SHIPPED)
        if shipped_from:
            shipments = shipments.where(
                Movement.at >= datetime(shipped_from.year, shipped_from.month, shipped_from.day))
        if shipped_to:
            shipments = shipments.where(Movement.at < _day_after(shipped_to))
        stmt = stmt.where(SerialItem.id.in_(shipments))
    if defect == "yes":
        # as the defects report counts them: a report filed by the end of the receipt period, not undone
        reported = select(DefectReport.id).where(DefectReport.item_id == SerialItem.id,
                                                 DefectReport.undone_at.is_(None))
        if received_to:
            reported = reported.where(DefectReport.reported_at < _day_after(received_to))
        stmt = stmt.where(exists(reported))
    return stmt.order_by(SerialItem.received_at.desc().nulls_last(), SerialItem.id.desc())
