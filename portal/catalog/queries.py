"""Reads for the catalog pages: searches return Select statements (paged by
the view), counts are one grouped query for the ids on the page."""

from __future__ import annotations

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session

from ..like import contains
from ..models import Bin, ItemStatus, Product, SerialItem, Supplier, Warehouse

MAX_SEARCH_LENGTH = 100


def _contains(columns, text: str | None):
    """Case-insensitive "contains" on any of ``columns``; LIKE wildcards in the
    text match literally."""
    text = (text or "").replace("\x00", "").strip()[:MAX_SEARCH_LENGTH]  # PostgreSQL text holds no NUL
    if not text:
        return None
    return or_(*(contains(column, text, ignore_case=True) for column in columns))


def _filtered(query: Select, condition) -> Select:
    return query if condition is None else query.where(condition)


def suppliers(q: str | None = None) -> Select:
    return _filtered(select(Supplier), _contains([Supplier.code, Supplier.name], q)).order_by(
        Supplier.code
    )


def products(q: str | None = None) -> Select:
    condition = _contains([Product.sku, Product.name, Product.gtin], q)
    return _filtered(select(Product), condition).order_by(Product.sku)


def warehouses(q: str | None = None) -> Select:
    condition = _contains([Warehouse.code, Warehouse.name], q)
    return _filtered(select(Warehouse), condition).order_by(Warehouse.code)


def bins(warehouse_id: int, q: str | None = None) -> Select:
    """A warehouse's bins: dock and quarantine first, then by code."""
    query = select(Bin).where(Bin.warehouse_id == warehouse_id)
    return _filtered(query, _contains([Bin.code], q)).order_by(
        case((Bin.kind == "storage", 1), else_=0), Bin.code
    )


def _grouped_counts(session: Session, key, ids: list[int], *conditions) -> dict[int, int]:
    if not ids:
        return {}
    rows = session.execute(
        select(key, func.count()).where(key.in_(ids), *conditions).group_by(key)
    )
    return {k: n for k, n in rows}


def in_stock_by_product(session: Session, product_ids: list[int]) -> dict[int, int]:
    return _grouped_counts(
        session, SerialItem.product_id, product_ids, SerialItem.status == ItemStatus.IN_STOCK
    )


def items_by_bin(session: Session, bin_ids: list[int]) -> dict[int, int]:
    """Items physically in each bin (in stock or defective in quarantine)."""
    return _grouped_counts(session, SerialItem.bin_id, bin_ids)


def in_stock_by_warehouse(session: Session, warehouse_ids: list[int]) -> dict[int, int]:
    return _grouped_counts(
        session, SerialItem.warehouse_id, warehouse_ids, SerialItem.status == ItemStatus.IN_STOCK
    )


def bins_by_warehouse(session: Session, warehouse_ids: list[int]) -> dict[int, int]:
    return _grouped_counts(session, Bin.warehouse_id, warehouse_ids)


# --- look-ups by code: codes are stored upper-case, typed any way ---------------


def _by_code(session: Session, column, code: str | None):
    return session.scalar(select(column.class_).where(column == (code or "").strip().upper()))


def supplier_by_code(session: Session, code: str | None) -> Supplier | None:
    return _by_code(session, Supplier.code, code)


def product_by_sku(session: Session, sku: str | None) -> Product | None:
    return _by_code(session, Product.sku, sku)


def warehouse_by_code(session: Session, code: str | None) -> Warehouse | None:
    return _by_code(session, Warehouse.code, code)
