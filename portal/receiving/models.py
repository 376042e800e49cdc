"""Receiving's own tables: staged uploads, remembered column mappings and
article numbers, and serials that arrived with a shipment without being on its list."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Integer, LargeBinary, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import Receipt, SerialItem, Supplier, User, Warehouse, utcnow


class StagedUpload(db.Model):
    """A supplier list between preview and commit, in the database so that any
    app process can serve it. The file is parsed once, at upload: ``parsed``
    holds its rows (or why it cannot be read) as zlib-compressed JSON, and
    preview, remap, errors.csv and commit read them. The file itself is kept
    only for a change of sheet, which reads the workbook again."""

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
    parsed: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: the header row the receiver chose (an index into the parsed rows); None: found by the reader
    header_row: Mapped[int | None] = mapped_column(Integer)
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


class SupplierArticle(db.Model):
    """A supplier's own article number and the product it stands for, set once
    by a receiver on the preview and used for that supplier's later lists."""

    __tablename__ = "supplier_articles"

    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), primary_key=True)
    article: Mapped[str] = mapped_column(String(100), primary_key=True)  # upper-case, edges trimmed
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
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
