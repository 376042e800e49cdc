"""Shared test data for consignment statements."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from portal.items import ledger
from portal.models import ItemStatus, MovementKind, SerialItem, utcnow
from tests import factories


def days_ago(n: int, hour: int = 12) -> datetime:
    today = utcnow().date()
    day = today - timedelta(days=n)
    return datetime(day.year, day.month, day.day, hour)


def day(n: int) -> date:
    """The day ``n`` days before today."""
    return utcnow().date() - timedelta(days=n)


def sell(s, item: SerialItem, *, at: datetime, order: str) -> None:
    """Ship ``item`` on ``order`` at ``at``, as the ship scan does."""
    ledger.transition(s, item, to_status=ItemStatus.SOLD, kind=MovementKind.SHIPPED, actor=None,
                      note=f"order {order}", at=at)
    item.sold_at, item.order_ref = at, order
    s.flush()


def restock(s, item: SerialItem, *, at: datetime) -> None:
    """A customer return back into stock."""
    ledger.transition(s, item, to_status=ItemStatus.IN_STOCK, kind=MovementKind.RESTOCKED, actor=None,
                      to_bin=item_bin(s, item), note=f"customer return of order {item.order_ref}", at=at)
    s.flush()


def item_bin(s, item):
    from sqlalchemy import select

    from portal.models import Bin, Movement

    last_bin = s.scalar(select(Movement.from_bin_id).where(Movement.item_id == item.id,
                                                            Movement.kind == MovementKind.SHIPPED)
                        .order_by(Movement.id.desc()).limit(1))
    return s.get(Bin, last_bin)


def consignment_stock(s, *, supplier: str = "CONS", cost: str = "100.00"):
    """Supplier ``supplier`` with a product of unit cost ``cost`` and a shelf:
    answers a function making one of its units (consignment unless told)."""
    shelf = factories.bin_(s, warehouse_id=factories.warehouse(s).id)
    found = factories.supplier(s, code=supplier)
    product = factories.product(s, unit_cost=cost)

    def unit(serial: str, *, ownership: str = "consignment", unit_cost=None, status: str = ItemStatus.IN_STOCK,
             received: datetime | None = None):
        return factories.item(s, serial=serial, supplier_id=found.id, product_id=product.id, bin_id=shelf.id,
                              ownership=ownership, unit_cost=unit_cost, status=status,
                              received_at=received or days_ago(60))

    unit.shelf = shelf
    return unit
