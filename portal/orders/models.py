"""Orders a channel places by SKU and quantity (the warehouse picks the
serials), the units reserved for them, and the record of every change to an
order for the event feed.

A reservation holds one unit for one line; ``item_id`` is unique, so no unit
is ever reserved twice whatever races (the database refuses the second).
A reservation ends when its unit ships on the order (``picked_at``) or when
the order is cancelled or expires (the row is deleted: a reservation is a
claim, not history; the order's events keep the history)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import Channel, Product, SerialItem, User, Warehouse, one_of, utcnow


class OrderStatus(enum.StrEnum):
    OPEN = "open"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"


class OrderEventType(enum.StrEnum):
    RESERVED = "order.reserved"
    SHIPPED = "order.shipped"
    CANCELLED = "order.cancelled"
    RELEASED = "order.released"  # what was not picked released at the reservation's expiry
    PICKED = "order.picked"  # one unit shipped on the order


class Order(db.Model):
    __tablename__ = "orders"
    __table_args__ = (one_of("status", OrderStatus),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_ref: Mapped[str] = mapped_column(String(100))
    #: order references are unique system-wide, compared upper-case (like serials)
    order_key: Mapped[str] = mapped_column(String(100), unique=True)
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id"), index=True)
    warehouse_id: Mapped[int | None] = mapped_column(ForeignKey("warehouses.id"))
    status: Mapped[str] = mapped_column(String(16), default=OrderStatus.OPEN)
    #: when what is not yet picked is released by itself (None: never)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)

    channel: Mapped[Channel | None] = relationship()
    warehouse: Mapped[Warehouse | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    lines: Mapped[list[OrderLine]] = relationship(back_populates="order", order_by="OrderLine.line_no")


class OrderLine(db.Model):
    __tablename__ = "order_lines"
    __table_args__ = (
        UniqueConstraint("order_id", "line_no"),
        db.CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    #: the condition the channel asked for (None: regular)
    condition: Mapped[str | None] = mapped_column(String(16))
    quantity: Mapped[int] = mapped_column(Integer)

    order: Mapped[Order] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()


class Reservation(db.Model):
    __tablename__ = "reservations"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("serial_items.id"), unique=True)
    reserved_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    #: set when the unit ships on the order; the row then stays as the line's pick
    picked_at: Mapped[datetime | None] = mapped_column(DateTime)

    line: Mapped[OrderLine] = relationship()
    item: Mapped[SerialItem] = relationship()


class OrderEvent(db.Model):
    """Append-only: one row per change to an order, written in the change's
    transaction (the feed and the webhook worker read it beside the movements).
    ``txid`` orders the feed as :attr:`Movement.txid` does."""

    __tablename__ = "order_events"
    __table_args__ = (one_of("type", OrderEventType), Index("ix_order_events_feed", "txid", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    type: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    #: JSON: what changed (lines reserved, the serial picked, what was released)
    data: Mapped[str | None] = mapped_column(Text)
    txid: Mapped[int] = mapped_column(BigInteger)

    order: Mapped[Order] = relationship()
