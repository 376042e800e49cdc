"""Reads for returns to the supplier: one return with its lines, the returns
still to finish, and the open or shipped return an item is on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from ..defects.queries import latest_report_id
from ..models import DefectReport, Product, SerialItem, Supplier, Warehouse
from .models import ItemReplacement, ReturnStatus, SupplierReturn, SupplierReturnLine

#: A return still to finish: not shipped yet, or shipped and no credit note yet.
UNFINISHED = (ReturnStatus.OPEN.value, ReturnStatus.SHIPPED.value)


def supplier_return(session: Session, return_id: int, *, lock: bool = False) -> SupplierReturn | None:
    statement = select(SupplierReturn).where(SupplierReturn.id == return_id)
    if lock:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return session.scalars(statement).first()


def other_return_holding(session: Session, *, item_id: int, return_id: int) -> SupplierReturn | None:
    """The open or shipped return, other than ``return_id``, the item is on."""
    return session.scalars(
        select(SupplierReturn).join(SupplierReturnLine, SupplierReturnLine.return_id == SupplierReturn.id)
        .where(SupplierReturnLine.item_id == item_id, SupplierReturn.id != return_id,
               SupplierReturn.status.in_(UNFINISHED))
        .limit(1)
    ).first()


def line(session: Session, *, return_id: int, item_id: int) -> SupplierReturnLine | None:
    return session.scalars(select(SupplierReturnLine).where(
        SupplierReturnLine.return_id == return_id, SupplierReturnLine.item_id == item_id)).first()


@dataclass(frozen=True)
class ReturnLine:
    serial: str
    sku: str
    product: str
    status: str
    reason: str | None
    added_at: datetime
    replaced_by: str | None = None


def lines(session: Session, return_id: int) -> list[ReturnLine]:
    """The items on a return in the order they were added, each with its latest
    defect reason and, once linked, the serial of its replacement."""
    replacement = aliased(SerialItem)
    rows = session.execute(
        select(SerialItem.serial, Product.sku, Product.name, SerialItem.status, DefectReport.reason_code,
               SupplierReturnLine.added_at, replacement.serial)
        .join(SerialItem, SerialItem.id == SupplierReturnLine.item_id)
        .join(Product, Product.id == SerialItem.product_id)
        .outerjoin(DefectReport, DefectReport.id == latest_report_id(SerialItem.id))
        .outerjoin(ItemReplacement, ItemReplacement.item_id == SerialItem.id)
        .outerjoin(replacement, replacement.id == ItemReplacement.replacement_item_id)
        .where(SupplierReturnLine.return_id == return_id)
        .order_by(SupplierReturnLine.id)
    )
    return [ReturnLine(*row) for row in rows]


@dataclass(frozen=True)
class UnfinishedReturn:
    id: int
    supplier: str
    supplier_name: str
    warehouse: str
    rma_number: str | None
    status: str
    created_at: datetime
    items: int
    days: int


def unfinished(session: Session, *, now: datetime) -> list[UnfinishedReturn]:
    """Returns still open, or shipped but not closed, oldest first, with their age in days."""
    counts = (select(SupplierReturnLine.return_id, func.count().label("n"))
              .group_by(SupplierReturnLine.return_id).subquery())
    rows = session.execute(
        select(SupplierReturn.id, Supplier.code, Supplier.name, Warehouse.code, SupplierReturn.rma_number,
               SupplierReturn.status, SupplierReturn.created_at, func.coalesce(counts.c.n, 0))
        .join(Supplier, Supplier.id == SupplierReturn.supplier_id)
        .join(Warehouse, Warehouse.id == SupplierReturn.warehouse_id)
        .outerjoin(counts, counts.c.return_id == SupplierReturn.id)
        .where(SupplierReturn.status.in_(UNFINISHED))
        .order_by(SupplierReturn.created_at, SupplierReturn.id)
    )
    return [UnfinishedReturn(id=id_, supplier=code, supplier_name=name, warehouse=warehouse, rma_number=rma,
                             status=status, created_at=created, items=n, days=(now - created).days)
            for id_, code, name, warehouse, rma, status, created, n in rows]
