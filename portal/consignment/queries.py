"""Reads for consignment statements: the sales owed to a supplier in a
period, the consignment units on hand, the settlements made.

**A sale** is a shipment movement (kind ``shipped``) of one of the supplier's
units that was on consignment at that moment (ownership rebuilt from the
ledger by ``portal.items.as_of``: a unit bought out before its sale is owned
and not owed) and that was not undone (the unit's next movement is not a
reversal). **A unit is paid for once**: a shipment of a unit that already had
such a sale before (it came back from the customer and was sold again) is not
owed again. The sale's time is its movement's; its order reference is the
unit's own while this is its current sale, else the movement's note (which
names the order).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import (
    Numeric,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session, aliased

from ..items import as_of
from ..models import ItemStatus, Movement, MovementKind, Ownership, Product, SerialItem, Supplier, User
from ..reports.filters import next_day_start
from .models import Settlement

#: Consignment units "on hand": with us, in a bin, in quarantine or between our warehouses.
ON_HAND = (ItemStatus.IN_STOCK.value, ItemStatus.DEFECTIVE.value, ItemStatus.IN_TRANSIT.value)
CONSIGNMENT = Ownership.CONSIGNMENT.value
SHIPPED = MovementKind.SHIPPED.value
SOLD = ItemStatus.SOLD.value


class Sale(NamedTuple):
    """A tuple: a statement may hold 200,000 of them."""

    movement_id: int
    serial: str
    sku: str
    sold_at: datetime
    order_ref: str | None
    unit_cost: Decimal
    #: the reference of the settlement that paid it, None while it is owed
    settled_in: str | None = None


def unit_cost():
    """What a unit is worth at cost: its own cost, else its product's (as the stock reports value it)."""
    return func.coalesce(SerialItem.unit_cost, Product.unit_cost)


def _undone(sale):
    """The shipment ``sale`` was undone: the unit's next movement reverses it."""
    after = aliased(Movement)
    nxt = (select(func.min(after.id)).where(after.item_id == sale.item_id, after.id > sale.id)
           .correlate(sale).scalar_subquery())
    reversal = aliased(Movement)
    return exists().where(reversal.id == nxt, reversal.kind == MovementKind.REVERSED.value)


def _sales(*, supplier_id: int, start: datetime | None, end: datetime, item_id: int | None = None):
    """The supplier's consignment sales from ``start`` (None: the beginning) to
    before ``end``, each counted once (see the module): a SELECT of Sale's
    columns but the last, unordered.

    Most units were sold once and stayed sold: the ledger is asked more only
    for the few whose ownership changed (``ix_movements_ownership_changes``) or
    that came back from a sale, by a customer return or an undo
    (``ix_movements_sale_ends``); CASE keeps the correlated subqueries to those."""
    sale = aliased(Movement, name="sale")
    item = SerialItem
    changed = item.id.in_(select(Movement.item_id).where(Movement.to_ownership.is_not(None)))
    came_back = item.id.in_(select(Movement.item_id).where(Movement.from_status == SOLD))
    owned_then = case((changed, as_of.value_at_movement("ownership", sale, item.ownership)), else_=item.ownership)
    earlier = aliased(Movement, name="earlier")
    sold_before = exists().where(earlier.item_id == sale.item_id, earlier.kind == SHIPPED, earlier.id < sale.id,
                                 ~_undone(earlier))
    counted = case((came_back, and_(~_undone(sale), ~sold_before)), else_=true())
    current_sale = and_(item.status == SOLD, item.sold_at == sale.at)
    stmt = (
        select(sale.id.label("movement_id"), item.serial, Product.sku, sale.at.label("sold_at"),
               case((current_sale, item.order_ref), else_=sale.note).label("order_ref"),
               unit_cost().label("unit_cost"))
        .join(item, item.id == sale.item_id)
        .join(Product, Product.id == item.product_id)
        .where(sale.kind == SHIPPED, sale.at < end, item.supplier_id == supplier_id,
               or_(item.ownership == CONSIGNMENT, changed), owned_then == CONSIGNMENT, counted)
    )
    if start is not None:
        stmt = stmt.where(sale.at >= start)
    if item_id is not None:
        stmt = stmt.where(item.id == item_id)
    return stmt


@dataclass(frozen=True)
class SalesTotals:
    count: int
    value: Decimal
    #: of them, those not settled yet
    owed_count: int
    owed: Decimal

    @classmethod
    def of(cls, count, value, owed_count, owed) -> SalesTotals:
        cents = Decimal("0.01")
        return cls(count=int(count or 0), value=Decimal(value or 0).quantize(cents),
                   owed_count=int(owed_count or 0), owed=Decimal(owed or 0).quantize(cents))


#: Memory for sorting a statement's sales on PostgreSQL (the default 4 MB sorts 200,000 on disk).
SORT_MEMORY = "64MB"


def _listed(session: Session, columns: list, sold, limit: int | None) -> list:
    stmt = select(*columns).order_by(sold.c.sold_at, sold.c.movement_id)
    if limit is not None:
        stmt = stmt.limit(limit)
    elif session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SET LOCAL work_mem = '{SORT_MEMORY}'"))
    return session.execute(stmt).all()


def sales(session: Session, *, supplier_id: int, start: datetime | None, end: datetime,
          owed_from: datetime | None = None, limit: int | None = None) -> tuple[list[Sale], SalesTotals]:
    """The sales (see :func:`_sales`), oldest first (the first ``limit`` only
    if given), and the totals over all of them (a second, aggregate query)."""
    sold = _sales(supplier_id=supplier_id, start=start, end=end).subquery()
    rows = _listed(session, list(sold.c), sold, limit)
    return [Sale(*row) for row in rows], _totals(session, sold, owed_from)


def sales_of_item(session: Session, item: SerialItem) -> list[Sale]:
    """The consignment sales of one unit (its timeline), by the same rule as a statement's."""
    rows = session.execute(_sales(supplier_id=item.supplier_id, start=None, end=datetime.max,
                                  item_id=item.id).order_by(literal_column("sold_at")))
    return [Sale(*row) for row in rows]


def sales_json(session: Session, *, supplier_id: int, start: datetime | None, end: datetime,
               owed_from: datetime | None, settlements: list[SettlementRow]) -> tuple[list[str], SalesTotals]:
    """The sales as the API answers them, oldest first: one JSON object per
    sale, written by the database (``json_object`` on SQLite,
    ``json_build_object`` on PostgreSQL), times as ISO text with its Z and
    costs with two decimals; and the totals. A statement may list 200,000
    sales: turning each into Python values and back costs seconds, this costs
    the query. The list's items joined by ", " make the JSON array's inside
    (PostgreSQL sends them as one text already, the list has one item)."""
    sold = _sales(supplier_id=supplier_id, start=start, end=end).subquery()
    settled_in = null()
    if settlements:
        # the first settlement whose day is on or after the sale's (a few rows, by the unique index)
        paid = (select(Settlement.reference)
                .where(Settlement.supplier_id == supplier_id, Settlement.until >= func.date(sold.c.sold_at))
                .order_by(Settlement.until).limit(1).scalar_subquery())
        settled_in = case((sold.c.sold_at < next_day_start(settlements[-1].until), paid), else_=null())
    if session.get_bind().dialect.name == "postgresql":
        at = func.to_char(sold.c.sold_at, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
        cost = cast(cast(sold.c.unit_cost, Numeric(14, 2)), String)
        build = func.json_build_object
    else:
        at = func.strftime("%Y-%m-%dT%H:%M:%SZ", sold.c.sold_at)
        cost = func.printf("%.2f", sold.c.unit_cost)
        build = func.json_object
    row = build("serial", sold.c.serial, "sku", sold.c.sku, "sold_at", at, "order_ref", sold.c.order_ref,
                "unit_cost", cost, "settled_in", settled_in)
    if session.get_bind().dialect.name == "postgresql":  # one text from the server, not 200,000 rows
        session.execute(text(f"SET LOCAL work_mem = '{SORT_MEMORY}'"))
        joined = session.scalar(select(func.string_agg(
            cast(row, String), aggregate_order_by(literal(", "), sold.c.sold_at, sold.c.movement_id))))
        listed = [joined] if joined else []
    else:
        listed = [json for (json,) in _listed(session, [cast(row, String)], sold, None)]
    return listed, _totals(session, sold, owed_from)


def _totals(session: Session, sold, owed_from: datetime | None) -> SalesTotals:
    """How many sales of ``sold`` and their unit costs, in one aggregate; those
    from ``owed_from`` on (None: all) apart, as owed."""
    owed = true() if owed_from is None else sold.c.sold_at >= owed_from
    return SalesTotals.of(*session.execute(select(
        func.count(), func.sum(sold.c.unit_cost), func.sum(case((owed, 1), else_=0)),
        func.sum(case((owed, sold.c.unit_cost), else_=0)))).one())


def sales_totals(session: Session, *, supplier_id: int, start: datetime | None, end: datetime) -> SalesTotals:
    """How many sales (see :func:`_sales`) and their unit costs (settling)."""
    return _totals(session, _sales(supplier_id=supplier_id, start=start, end=end).subquery(), None)


def on_hand(session: Session, *, supplier_id: int, at: datetime | None) -> tuple[int, Decimal]:
    """How many of the supplier's consignment units were on hand, and their
    value at cost: now (``at`` None) or at the moment ``at``, rebuilt from the ledger."""
    item = SerialItem
    if at is None:
        stmt = (select(func.count(), func.sum(unit_cost())).join(Product, Product.id == item.product_id)
                .where(item.supplier_id == supplier_id, item.ownership == CONSIGNMENT, item.status.in_(ON_HAND)))
    else:
        theirs = select(item.id).where(item.supplier_id == supplier_id)
        latest = as_of.latest_movements(at, item_ids=theirs)
        last = aliased(Movement)
        owned = as_of.changed_after("ownership", at)
        stmt = (select(func.count(), func.sum(unit_cost()))
                .join(latest, latest.c.item_id == item.id)
                .join(last, last.id == latest.c.movement_id)
                .join(Product, Product.id == item.product_id)
                .outerjoin(owned, owned.c.item_id == item.id)
                .where(last.to_status.in_(ON_HAND), as_of.value_at(owned, item.ownership) == CONSIGNMENT))
    count, value = session.execute(stmt).one()
    return int(count or 0), Decimal(value or 0).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class SettlementRow:
    id: int
    until: date
    reference: str
    amount: Decimal
    units: int
    created_by: str | None
    created_at: datetime


def settlements(session: Session, supplier_id: int) -> list[SettlementRow]:
    """The supplier's settlements, oldest first."""
    rows = session.execute(
        select(Settlement.id, Settlement.until, Settlement.reference, Settlement.amount, Settlement.units,
               User.username, Settlement.created_at)
        .outerjoin(User, User.id == Settlement.created_by_id)
        .where(Settlement.supplier_id == supplier_id)
        .order_by(Settlement.until)
    )
    return [SettlementRow(*row) for row in rows]


def settled_until(session: Session, supplier_id: int) -> date | None:
    return session.scalar(select(func.max(Settlement.until)).where(Settlement.supplier_id == supplier_id))


def supplier_choices(session: Session) -> list[tuple[str, str]]:
    """(code, name) of the active suppliers, by code: a few rows (which of them
    consign is not asked, that would read every unit)."""
    return [tuple(row) for row in session.execute(
        select(Supplier.code, Supplier.name).where(Supplier.active.is_(True)).order_by(Supplier.code))]


def day_end(day: date) -> datetime:
    """The last moment of ``day`` (as_of reads "up to and including")."""
    return datetime(day.year, day.month, day.day) + timedelta(days=1) - timedelta(microseconds=1)

