"""A transfer between two warehouses and its lines.

A transfer is open (serials go on and off at the source), dispatched (they
left: in transit), then closed (what never arrived is marked missing); an open
transfer closed before dispatch is cancelled (nothing moved). A line names one
item; while it is unfinished (on an open transfer, or dispatched and not
received) ``holding_item_id`` repeats its item, and that column is unique: an
item is on one unfinished transfer at a time, and of two users adding the same
serial to two transfers at the same moment the database lets one win."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import Bin, SerialItem, User, Warehouse, one_of, utcnow

TransferStatus = enum.StrEnum("TransferStatus", [(s.upper(), s) for s in ("open", "dispatched", "closed",
                                                                             "cancelled")])


class Transfer(db.Model):
    __tablename__ = "transfers"
    __table_args__ = (one_of("status", TransferStatus),
                      CheckConstraint("from_warehouse_id <> to_warehouse_id", name="two_warehouses"),
                      Index("ix_transfers_status", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    from_warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    to_warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    reference: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default=TransferStatus.OPEN, server_default="open")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime)
    dispatched_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    from_warehouse: Mapped[Warehouse] = relationship(foreign_keys=[from_warehouse_id])
    to_warehouse: Mapped[Warehouse] = relationship(foreign_keys=[to_warehouse_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    dispatched_by: Mapped[User | None] = relationship(foreign_keys=[dispatched_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])


class TransferItem(db.Model):
    """One item on a transfer. A line taken off before dispatch stays, with
    ``removed_at`` (the item's timeline shows it); a received line has its bin."""

    __tablename__ = "transfer_items"
    __table_args__ = (Index("ix_transfer_items_transfer_id", "transfer_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfers.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("serial_items.id"), index=True)
    #: the item while this line is unfinished, else NULL: unique, one unfinished transfer per item
    holding_item_id: Mapped[int | None] = mapped_column(ForeignKey("serial_items.id"), unique=True)
    added_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    removed_at: Mapped[datetime | None] = mapped_column(DateTime)
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    received_at: Mapped[datetime | None] = mapped_column(DateTime)
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    bin_id: Mapped[int | None] = mapped_column(ForeignKey("bins.id"))

    item: Mapped[SerialItem] = relationship(foreign_keys=[item_id])
    bin: Mapped[Bin | None] = relationship()
    added_by: Mapped[User | None] = relationship(foreign_keys=[added_by_id])
    removed_by: Mapped[User | None] = relationship(foreign_keys=[removed_by_id])
    received_by: Mapped[User | None] = relationship(foreign_keys=[received_by_id])
