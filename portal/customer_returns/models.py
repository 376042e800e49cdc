"""The record of a customer return: which order it came back under, what the
warranty was that day, the outcome, and in an exchange the unit the customer
left with. The movements say what happened to the item; this says why, for
the item's timeline (both items' in an exchange)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import SerialItem, User, utcnow

OUTCOMES = ("restock", "defective", "exchange")


class CustomerReturnEntry(db.Model):
    __tablename__ = "customer_returns"
    __table_args__ = (db.CheckConstraint(f"outcome IN ({', '.join(repr(o) for o in OUTCOMES)})",
                                         name="outcome_allowed"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("serial_items.id"), index=True)
    order_ref: Mapped[str | None] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(16))
    in_warranty: Mapped[bool] = mapped_column(Boolean)
    warranty_ends_on: Mapped[date | None] = mapped_column(Date)
    days_left: Mapped[int | None] = mapped_column(Integer)
    replacement_item_id: Mapped[int | None] = mapped_column(ForeignKey("serial_items.id"), index=True)
    returned_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    returned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: the sales channel it came back through (a channel's account took it), if any
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id"))

    item: Mapped[SerialItem] = relationship(foreign_keys=[item_id])
    replacement: Mapped[SerialItem | None] = relationship(foreign_keys=[replacement_item_id])
    returned_by: Mapped[User | None] = relationship()
