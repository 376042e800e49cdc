"""Reads for receiving: receipt lists, counts, item lists, reconciliation rows."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session, joinedload

from ..like import contains
from ..models import Bin, ItemStatus, Product, Receipt, SerialItem, Supplier, Warehouse
from ..serials import serial_key
from .models import UnexpectedItem

ITEM_FILTERS = ("all", "expected", "received", "missing", "unexpected")
PAGE_SIZE = 100


@dataclass
class ReceiptCounts:
    listed: int = 0
    expected: int = 0
    received: int = 0
    missing: int = 0
    unexpected: int = 0

    def as_dict(self) -> dict:
        return {"listed": self.listed, "expected": self.expected, "received": self.received,
                "missing": self.missing, "unexpected": self.unexpected}


def receipt_counts(session: Session, receipt_id: int) -> ReceiptCounts:
    """Listed items by where they are now, and the unexpected extras: one query.
    'received' is every listed item that arrived (in stock, and whatever
    happened to it since: sold, defective, returned)."""
    unexpected = UnexpectedItem.id.is_not(None)
    rows = session.execute(
        select(SerialItem.status, unexpected.label("extra"), func.count())
        .select_from(SerialItem)
        .outerjoin(UnexpectedItem, UnexpectedItem.item_id == SerialItem.id)
        .where(SerialItem.receipt_id == receipt_id)
        .group_by(SerialItem.status, unexpected)
    ).all()
    counts = ReceiptCounts()
    for status, extra, n in rows:
        if extra:
            counts.unexpected += n
            continue
        counts.listed += n
        if status == ItemStatus.EXPECTED:
            counts.expected += n
        elif status == ItemStatus.MISSING:
            counts.missing += n
        else:
            counts.received += n
    return counts


RECEIPTS_PAGE_SIZE = 50


def receipts(*, search: str = "", page: int = 1, page_size: int = RECEIPTS_PAGE_SIZE) -> Select:
    """Receipts, open ones first, then newest first; ``search`` matches the
    reference, the supplier's code or name, or the file name (case-insensitive).
    One row more than a page, so the page knows whether another follows."""
    query = select(Receipt).join(Supplier, Supplier.id == Receipt.supplier_id).options(
        joinedload(Receipt.supplier), joinedload(Receipt.warehouse))
    text = search.strip()[:100]
    if text:
        query = query.where(or_(*(contains(column, text, ignore_case=True) for column in (
            Receipt.reference, Supplier.code, Supplier.name, Receipt.file_name))))
    return (query.order_by(case((Receipt.status == "open", 0), else_=1), Receipt.id.desc())
            .offset((max(page, 1) - 1) * page_size).limit(page_size + 1))


def receipt_items(receipt_id: int, *, show: str = "all", search: str = "", page: int = 1) -> Select:
    query = (
        select(SerialItem, UnexpectedItem.id.is_not(None).label("extra"))
        .outerjoin(UnexpectedItem, UnexpectedItem.item_id == SerialItem.id)
        .where(SerialItem.receipt_id == receipt_id)
        .options(joinedload(SerialItem.product), joinedload(SerialItem.bin))
    )
    if show == "expected":
        query = query.where(SerialItem.status == ItemStatus.EXPECTED, UnexpectedItem.id.is_(None))
    elif show == "missing":
        query = query.where(SerialItem.status == ItemStatus.MISSING, UnexpectedItem.id.is_(None))
    elif show == "received":
        query = query.where(SerialItem.status.not_in([ItemStatus.EXPECTED, ItemStatus.MISSING]),
                            UnexpectedItem.id.is_(None))
    elif show == "unexpected":
        query = query.where(UnexpectedItem.id.is_not(None))
    key = serial_key(search)[:64]
    if key:
        query = query.where(contains(SerialItem.serial_key, key))
    return query.order_by(SerialItem.id).offset((max(page, 1) - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)


def receipt_products(session: Session, receipt_id: int) -> list[Product]:
    """Products on a receipt, most frequent first (for the unexpected-serial form)."""
    rows = session.execute(
        select(Product, func.count(SerialItem.id))
        .join(SerialItem, SerialItem.product_id == Product.id)
        .where(SerialItem.receipt_id == receipt_id)
        .group_by(Product.id)
        .order_by(func.count(SerialItem.id).desc())
        .limit(50)
    ).all()
    return [p for p, _ in rows]


def reconciliation_rows(session: Session, receipt_id: int):
    """Every item of the receipt with its outcome, streamed in id order."""
    query = (
        select(SerialItem.serial, Product.sku, SerialItem.status, Bin.code, SerialItem.received_at,
               UnexpectedItem.id.is_not(None), SerialItem.lot, SerialItem.expires_at)
        .join(Product, Product.id == SerialItem.product_id)
        .outerjoin(Bin, Bin.id == SerialItem.bin_id)
        .outerjoin(UnexpectedItem, UnexpectedItem.item_id == SerialItem.id)
        .where(SerialItem.receipt_id == receipt_id)
        .order_by(SerialItem.id)
        .execution_options(yield_per=5000)
    )
    for serial, sku, status, bin_code, received_at, extra, lot, expires_at in session.execute(query):
        if extra:
            outcome = "unexpected"
        elif status == ItemStatus.EXPECTED:
            outcome = "expected"
        elif status == ItemStatus.MISSING:
            outcome = "missing"
        else:
            outcome = "received"
        yield serial, sku, outcome, status, bin_code or "", received_at, lot or "", expires_at or ""


def skipped_rows(receipt: Receipt) -> list[dict]:
    """The rows of the list skipped at commit: row, value, code."""
    return json.loads(receipt.skipped_detail) if receipt.skipped_detail else []


def choices(session: Session) -> dict:
    """Suppliers, warehouses and products for the receipt form."""
    return {
        "suppliers": session.scalars(select(Supplier).where(Supplier.active).order_by(Supplier.name)).all(),
        "warehouses": session.scalars(select(Warehouse).where(Warehouse.active).order_by(Warehouse.code)).all(),
        "products": session.scalars(select(Product).where(Product.active).order_by(Product.sku).limit(2000)).all(),
    }
