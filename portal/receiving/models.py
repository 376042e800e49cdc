"""Receiving's own tables: staged uploads, remembered column mappings, and
serials that arrived with a shipment without being on its list."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Integer, LargeBinary, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import Receipt, SerialItem, Supplier, User, Warehouse, utcnow


class StagedUpload(db.Model):
    """A supplier list between preview and commit. The file itself is kept, so
    any app process can re-read it with another mapping and commit it."""

    __tablename__ = "staged_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    reference: Mapped[str] = mapped_column(String(100))
    expected_date: Mapped[date | None] = mapped_column(Date)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    condition: Mapped[str] = mapped_column(String(16))
    ownership: Mapped[str] = mapped_column(String(16))
    unit_cost: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    file_size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sheet: Mapped[str | None] = mapped_column(String(100))
    mapping: Mapped[str | None] = mapped_column(Text)  # JSON: the receiver's mapping
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)

    supplier: Mapped[Supplier] = relationship()
    warehouse: Mapped[Warehouse] = relationship()
    created_by: Mapped[User | None] = relationship()


class SupplierColumnMapping(db.Model):
    """The column mapping last used for a supplier's lists, by header text."""

    __tablename__ = "supplier_column_mappings"

    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), primary_key=True)
    mapping: Mapped[str] = mapped_column(Text)  # JSON
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class UnexpectedItem(db.Model):
    """A serial that arrived with a receipt's shipment but was not on its list.
    The item itself is a normal SerialItem of the receipt; this row says it was
    an extra, who found it and when."""

    __tablename__ = "unexpected_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipts.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("serial_items.id"), unique=True)
    found_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    found_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    receipt: Mapped[Receipt] = relationship()
    item: Mapped[SerialItem] = relationship()
