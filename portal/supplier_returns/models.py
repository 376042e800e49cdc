"""A return to the supplier (RMA): one supplier, one warehouse, the supplier's
RMA number, its lines (the defective items going back) and its status, open
→ shipped → closed (with the supplier's credit note number). An item taken off
an open return leaves a removal behind (the timeline shows it); an item
returned to the supplier can be linked to the replacement the supplier sent."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import SerialItem, Supplier, User, Warehouse, one_of, utcnow

#: A return is open (items go on and off), shipped (they left), then closed (credit note).
ReturnStatus = enum.StrEnum("ReturnStatus", [(s.upper(), s) for s in ("open", "shipped", "closed")])


class SupplierReturn(db.Model):
    __tablename__ = "supplier_returns"
    __table_args__ = (one_of("status", ReturnStatus), Index("ix_supplier_returns_status", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    rma_number: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default=ReturnStatus.OPEN, server_default="open")
    credit_note: Mapped[str | None] = mapped_column(String(100))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    shipped_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    supplier: Mapped[Supplier] = relationship()
    warehouse: Mapped[Warehouse] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])


class SupplierReturnLine(db.Model):
    """One item on a return. An item is on at most one open or shipped return:
    the service checks it under a row lock on the item."""

    __tablename__ = "supplier_return_lines"
    __table_args__ = (UniqueConstraint("return_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("supplier_returns.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("serial_items.id"), index=True)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    item: Mapped[SerialItem] = relationship()
    added_by: Mapped[User | None] = relationship()


class SupplierReturnRemoval(db.Model):
    """An item taken off an open return: when it went on and came off, and by
    whom. The line itself is deleted (what is on a return stays one simple
    table); this keeps the story for the item's timeline."""

    __tablename__ = "supplier_return_removals"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("supplier_returns.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("serial_items.id"), index=True)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(DateTime)
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    removed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    added_by: Mapped[User | None] = relationship(foreign_keys=[added_by_id])
    removed_by: Mapped[User | None] = relationship(foreign_keys=[removed_by_id])


class ItemReplacement(db.Model):
    """An item returned to the supplier (``item_id``) and the unit the supplier
    sent in its place (``replacement_item_id``, received later on another
    receipt). Each side at most once, by constraint: two links made at the same
    time cannot both win. A table of its own, not a column on serial_items,
    whose inserts stay as lean as receiving needs (migration 0005)."""

    __tablename__ = "item_replacements"
    __table_args__ = (CheckConstraint("item_id <> replacement_item_id", name="not_itself"),)

    item_id: Mapped[int] = mapped_column(ForeignKey("serial_items.id"), primary_key=True, autoincrement=False)
    replacement_item_id: Mapped[int] = mapped_column(ForeignKey("serial_items.id"), unique=True)
    linked_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    linked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    item: Mapped[SerialItem] = relationship(foreign_keys=[item_id])
    replacement: Mapped[SerialItem] = relationship(foreign_keys=[replacement_item_id])
    linked_by: Mapped[User | None] = relationship()
