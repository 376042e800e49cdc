"""A recall: the reason, the criteria it was opened with (each a column; the
receipts a JSON list), who opened it and when, open or closed, and its units
(recall_units), fixed when it opened by one INSERT ... SELECT: what the
supplier recalled then stays the list to work through, whatever happens to the
units afterwards. A pasted or uploaded list of serials is not kept as such:
its known serials are the units, the unknown ones are kept to show."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import Product, Supplier, User, one_of, utcnow

RecallStatus = enum.StrEnum("RecallStatus", [(s.upper(), s) for s in ("open", "closed")])

#: The defect reason a recall's quarantine files (seeded by migration 0016_recalls).
RECALL_REASON = ("recall", "Recall")


class Recall(db.Model):
    __tablename__ = "recalls"
    __table_args__ = (one_of("status", RecallStatus), Index("ix_recalls_status", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    lot: Mapped[str | None] = mapped_column(String(64))
    #: JSON list of receipt ids
    receipt_ids: Mapped[str | None] = mapped_column(Text)
    received_from: Mapped[date | None] = mapped_column(Date)
    received_to: Mapped[date | None] = mapped_column(Date)
    #: how many serials a pasted or uploaded list gave (None: no list)
    serials_given: Mapped[int | None] = mapped_column(Integer)
    #: JSON list of the serials of that list no item has (at most MAX_UNKNOWN_KEPT)
    unknown_serials: Mapped[str | None] = mapped_column(Text)
    unknown_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: the units found when it opened (fixed, like recall_units)
    affected: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    status: Mapped[str] = mapped_column(String(16), default=RecallStatus.OPEN, server_default="open")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    quarantined_at: Mapped[datetime | None] = mapped_column(DateTime)
    quarantined_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    supplier: Mapped[Supplier | None] = relationship()
    product: Mapped[Product | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    quarantined_by: Mapped[User | None] = relationship(foreign_keys=[quarantined_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])


class RecallUnit(db.Model):
    """One affected unit of a recall. Indexed by item: shipping asks, for each
    unit scanned, whether an open recall holds it."""

    __tablename__ = "recall_units"

    recall_id: Mapped[int] = mapped_column(ForeignKey("recalls.id"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("serial_items.id"), primary_key=True, index=True)
