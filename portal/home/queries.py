"""Reads for the home pages: a few aggregate queries, never a row per item."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ..models import ItemStatus, Ownership, Product, Receipt, ReceiptStatus, SerialItem, Supplier, Warehouse
from ..receiving.models import UnexpectedItem

#: The order a manager reads statuses in: what we hold first, what left us last.
STATUS_ORDER = [
    ItemStatus.IN_STOCK, ItemStatus.DEFECTIVE, ItemStatus.EXPECTED, ItemStatus.MISSING,
    ItemStatus.SOLD, ItemStatus.RETURNED_TO_SUPPLIER,
]
ON_HAND = frozenset({ItemStatus.IN_STOCK, ItemStatus.DEFECTIVE})


@dataclass(frozen=True)
class OpenReceipt:
    id: int
    reference: str
    supplier: str
    warehouse: str
    created_at: object
    listed: int
    received: int
    expected: int


def open_receipts(session: Session, limit: int = 20) -> list[OpenReceipt]:
    """Open receipts, newest first, with their counts as the receipt page
    counts them (the list's items only; an unexpected extra is not listed,
    and "expected" is a listed item not received yet): one grouped query."""
    listed = UnexpectedItem.id.is_(None)
    arrived = case((listed & SerialItem.status.not_in([ItemStatus.EXPECTED, ItemStatus.MISSING]), 1), else_=0)
    still_expected = case((listed & (SerialItem.status == ItemStatus.EXPECTED), 1), else_=0)
    counts = (
        select(
            SerialItem.receipt_id,
            func.sum(case((listed, 1), else_=0)).label("listed"),
            func.sum(arrived).label("received"),
            func.sum(still_expected).label("expected"),
        )
        .join(Receipt, Receipt.id == SerialItem.receipt_id)
        .outerjoin(UnexpectedItem, UnexpectedItem.item_id == SerialItem.id)
        .where(Receipt.status == ReceiptStatus.OPEN)
        .group_by(SerialItem.receipt_id)
        .subquery()
    )
    rows = session.execute(
        select(Receipt.id, Receipt.reference, Supplier.name, Warehouse.code, Receipt.created_at,
               counts.c.listed, counts.c.received, counts.c.expected)
        .join(Supplier, Supplier.id == Receipt.supplier_id)
        .join(Warehouse, Warehouse.id == Receipt.warehouse_id)
        .outerjoin(counts, counts.c.receipt_id == Receipt.id)
        .where(Receipt.status == ReceiptStatus.OPEN)
        .order_by(Receipt.created_at.desc(), Receipt.id.desc())
        .limit(limit)
    ).all()
    return [
        OpenReceipt(id=r[0], reference=r[1], supplier=r[2], warehouse=r[3], created_at=r[4],
                    listed=int(r[5] or 0), received=int(r[6] or 0), expected=int(r[7] or 0))
        for r in rows
    ]


@dataclass
class StockLine:
    items: int = 0
    value: Decimal = Decimal("0")


@dataclass
class WarehouseStock:
    code: str
    name: str
    by_status: dict[str, StockLine] = field(default_factory=dict)
    consignment: StockLine = field(default_factory=StockLine)
    #: the item list can show this warehouse's items (not so for "not yet in a warehouse")
    listed: bool = True

    def line(self, status: str) -> StockLine:
        return self.by_status.get(status, StockLine())

    @property
    def on_hand(self) -> StockLine:
        total = StockLine()
        for status in ON_HAND:
            total.items += self.line(status).items
            total.value += self.line(status).value
        return total


def stock_at_a_glance(session: Session) -> list[WarehouseStock]:
    """Items and value at cost per warehouse and status (an item's own cost,
    else its product's), consignment on hand apart: it is not ours.

    One aggregate query, grouped as the (status, warehouse) index is ordered
    and with consignment as conditional sums: SQLite then walks the index
    without sorting a million rows (2.4 s -> 1.2 s at 1.15 M items);
    PostgreSQL hashes either way."""
    cost = func.coalesce(SerialItem.unit_cost, Product.unit_cost)
    consignment = SerialItem.ownership == Ownership.CONSIGNMENT
    rows = session.execute(
        select(SerialItem.status, SerialItem.warehouse_id, func.count(), func.sum(cost),
               func.sum(case((consignment, 1), else_=0)), func.sum(case((consignment, cost), else_=0)))
        .join(Product, Product.id == SerialItem.product_id)
        .group_by(SerialItem.status, SerialItem.warehouse_id)
    ).all()
    warehouses = {w.id: WarehouseStock(code=w.code, name=w.name)
                  for w in session.scalars(select(Warehouse).order_by(Warehouse.code))}
    nowhere = WarehouseStock(code="—", name="not yet in a warehouse", listed=False)
    for status, warehouse_id, count, value, consigned, consigned_value in rows:
        stock = warehouses.get(warehouse_id, nowhere)
        line = stock.by_status.setdefault(status, StockLine())
        line.items += count
        line.value += Decimal(value or 0)
        if status in ON_HAND:
            stock.consignment.items += int(consigned or 0)
            stock.consignment.value += Decimal(consigned_value or 0)
    result = list(warehouses.values())
    if nowhere.by_status:
        result.append(nowhere)
    return result
