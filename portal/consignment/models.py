"""A settlement with a consignment supplier: every consignment sale up to
``until`` (a day, inclusive) is paid, under the supplier's reference, for
``amount`` over ``units`` sales. One per supplier and day (by constraint);
each one's day comes after the previous one's (the service checks it under a
lock on the supplier)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import Movement, Supplier, User, utcnow

#: The sales a statement reads, by time: shipments only (a million listed or
#: received movements write no entry). Declared here, created by migration 0017.
SHIPMENTS_BY_TIME = Index("ix_movements_shipments", Movement.at, Movement.item_id,
                          sqlite_where=text("kind = 'shipped'"), postgresql_where=text("kind = 'shipped'"))
#: The few movements that end a sale (a customer return, an undo): the units sold more than once are among them.
SALE_ENDS = Index("ix_movements_sale_ends", Movement.item_id,
                  sqlite_where=text("from_status = 'sold'"), postgresql_where=text("from_status = 'sold'"))


class Settlement(db.Model):
    __tablename__ = "consignment_settlements"
    __table_args__ = (
        UniqueConstraint("supplier_id", "until"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("units >= 0", name="units_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"))
    until: Mapped[date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(100))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    units: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    supplier: Mapped[Supplier] = relationship()
    created_by: Mapped[User | None] = relationship()
