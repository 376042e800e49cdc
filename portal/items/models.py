"""A serial corrected: the value typed wrong, the value put right, why, who, when.

The item keeps its id and history; ``serial_items.serial``/``serial_key`` take
the new value and the ledger records a ``serial_corrected`` movement beside
this row (:func:`portal.items.services.correct_serial`). This row is what keeps
the old value findable: look-ups take a live serial first and fall back to a
former one only when no live item has it (:func:`portal.items.queries.item_id_by_former_serial`).

``old_key`` is indexed, not unique: a value corrected away may later arrive as
a new item's real serial, and that item's serial may in turn be corrected away,
so two items can share a former value; a look-up by it answers the item whose
correction is the latest.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import SerialItem, User, utcnow


class SerialCorrection(db.Model):
    __tablename__ = "serial_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("serial_items.id"), index=True)
    old_serial: Mapped[str] = mapped_column(String(64))  # as it was typed
    old_key: Mapped[str] = mapped_column(String(64), index=True)
    new_serial: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    corrected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    corrected_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    item: Mapped[SerialItem] = relationship()
    corrected_by: Mapped[User | None] = relationship()
