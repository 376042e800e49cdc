"""Reads for recalls: the list, a recall's progress and units (a page of
them, or every one for the CSV), the open recall a unit is in, and what the
quarantine needs (the warehouses of the units still in stock, their
quarantine bins). A sold unit's channel is not known yet (issue 15 brings
sales channels): it is answered as None and shown as "—"."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload

from ..models import Bin, BinKind, ItemStatus, Product, SerialItem, Warehouse
from ..web.pagination import Page, paginate
from .models import Recall, RecallStatus, RecallUnit

S = ItemStatus
#: The statuses a unit list can be filtered by, in the order the page offers them.
STATUSES = tuple(s.value for s in ItemStatus)
#: Units shown per page.
PER_PAGE = 100


def recalls(session: Session) -> list[Recall]:
    """Every recall, newest first (a few hundred at most in a warehouse's life)."""
    return list(session.scalars(select(Recall).options(joinedload(Recall.supplier), joinedload(Recall.product),
                                                       joinedload(Recall.created_by))
                                .order_by(Recall.id.desc())))


def by_status(session: Session, recall_id: int) -> dict[str, int]:
    """How many of the recall's units are in each status now (one grouped count)."""
    rows = session.execute(select(SerialItem.status, func.count())
                           .join(RecallUnit, RecallUnit.item_id == SerialItem.id)
                           .where(RecallUnit.recall_id == recall_id).group_by(SerialItem.status))
    return {status: n for status, n in rows}


@dataclass(frozen=True)
class Progress:
    """Where a recall stands: located (whereabouts known: not missing, not
    still expected), in stock (still to quarantine), quarantined (defective),
    sold (customers to contact), returned to the supplier, and the rest."""

    affected: int
    located: int
    in_stock: int
    quarantined: int
    sold: int
    returned: int
    not_located: int

    @classmethod
    def of(cls, affected: int, counts: dict[str, int]) -> Progress:
        not_located = counts.get(S.MISSING, 0) + counts.get(S.EXPECTED, 0)
        return cls(affected=affected, located=affected - not_located, in_stock=counts.get(S.IN_STOCK, 0),
                   quarantined=counts.get(S.DEFECTIVE, 0), sold=counts.get(S.SOLD, 0),
                   returned=counts.get(S.RETURNED_TO_SUPPLIER, 0), not_located=not_located)


@dataclass(frozen=True)
class Unit:
    serial: str
    sku: str
    product: str
    status: str
    warehouse: str | None
    bin: str | None
    order_ref: str | None
    sold_at: datetime | None
    lot: str | None
    #: the sale's channel: not recorded until issue 15
    channel: str | None = None


def units_statement(recall_id: int, status: str | None = None) -> Select:
    """The recall's units in the order they were found (item id), with where each is now."""
    statement = (
        select(SerialItem.serial, Product.sku, Product.name, SerialItem.status, Warehouse.code, Bin.code,
               SerialItem.order_ref, SerialItem.sold_at, SerialItem.lot)
        .select_from(RecallUnit)
        .join(SerialItem, SerialItem.id == RecallUnit.item_id)
        .join(Product, Product.id == SerialItem.product_id)
        .outerjoin(Warehouse, Warehouse.id == SerialItem.warehouse_id)
        .outerjoin(Bin, Bin.id == SerialItem.bin_id)
        .where(RecallUnit.recall_id == recall_id)
        .order_by(RecallUnit.item_id)
    )
    if status:
        statement = statement.where(SerialItem.status == status)
    return statement


def units_page(session: Session, recall_id: int, *, status: str | None, number: int) -> Page:
    page = paginate(session, units_statement(recall_id, status), number=number, per_page=PER_PAGE, scalars=False)
    return Page(rows=[Unit(*row) for row in page.rows], number=page.number, per_page=page.per_page,
                total=page.total)


def units(session: Session, recall_id: int, *, status: str | None = None, limit: int | None = None) -> list[Unit]:
    statement = units_statement(recall_id, status)
    if limit is not None:
        statement = statement.limit(limit)
    return [Unit(*row) for row in session.execute(statement)]


def unknown_serials(recall: Recall) -> list[str]:
    return json.loads(recall.unknown_serials) if recall.unknown_serials else []


def receipt_ids(recall: Recall) -> list[int]:
    return json.loads(recall.receipt_ids) if recall.receipt_ids else []


def criteria_words(recall: Recall) -> list[tuple[str, str]]:
    """The criteria a recall was opened with, as (label, value) for people."""
    words = []
    if recall.supplier is not None:
        words.append(("Supplier", f"{recall.supplier.code} — {recall.supplier.name}"))
    if recall.product is not None:
        words.append(("Product", f"{recall.product.sku} — {recall.product.name}"))
    if recall.lot is not None:
        words.append(("Lot", recall.lot))
    if recall.receipt_ids:
        words.append(("Receipts", ", ".join(f"#{i}" for i in receipt_ids(recall))))
    if recall.received_from or recall.received_to:
        words.append(("Received", f"{recall.received_from or '…'} to {recall.received_to or '…'}"))
    if recall.serials_given is not None:
        words.append(("Serials listed", f"{recall.serials_given:,} ({recall.unknown_count:,} unknown)"))
    return words


def open_recall_of(session: Session, item_id: int) -> Recall | None:
    """The newest open recall holding the unit (ix_recall_units_item_id), or None."""
    return session.scalars(select(Recall).join(RecallUnit, RecallUnit.recall_id == Recall.id)
                           .where(RecallUnit.item_id == item_id, Recall.status == RecallStatus.OPEN)
                           .order_by(Recall.id.desc()).limit(1)).first()


def recalls_of(session: Session, item_id: int) -> list[Recall]:
    """Every recall holding the unit, oldest first (the item's timeline)."""
    return list(session.scalars(select(Recall).join(RecallUnit, RecallUnit.recall_id == Recall.id)
                                .where(RecallUnit.item_id == item_id)
                                .options(joinedload(Recall.created_by), joinedload(Recall.closed_by))
                                .order_by(Recall.id)))


def in_stock_warehouses(session: Session, recall_id: int) -> list[tuple[int, str]]:
    """(id, code) of each warehouse holding a unit of the recall still in stock."""
    return [tuple(row) for row in session.execute(
        select(Warehouse.id, Warehouse.code).where(Warehouse.id.in_(
            select(SerialItem.warehouse_id).join(RecallUnit, RecallUnit.item_id == SerialItem.id)
            .where(RecallUnit.recall_id == recall_id, SerialItem.status == S.IN_STOCK)))
        .order_by(Warehouse.code)).all()]


def quarantine_bins(session: Session, warehouse_ids: list[int]) -> dict[int, int]:
    """Each warehouse's quarantine bin id."""
    return dict(session.execute(select(Bin.warehouse_id, Bin.id).where(
        Bin.warehouse_id.in_(warehouse_ids), Bin.kind == BinKind.QUARANTINE)).all())
