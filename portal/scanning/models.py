"""Tables of the scan station: scan sessions (sticky bin and order), the scan log
(one row per client scan id, holding the first answer) and bin counts.

All scan state lives here, never in process memory: several app processes
serve the same operator, one request after another.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models import utcnow

TASK_NAMES = ("put_away", "move", "count", "ship", "defect", "lookup", "undo", "return", "condition")
RESULTS = ("pending", "accepted", "warning", "refused")
COUNT_STATUSES = ("open", "applied")


def _one_of(column: str, values: tuple[str, ...]) -> CheckConstraint:
    allowed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=f"{column}_allowed")


class ScanSession(db.Model):
    """One operator's run of one task on one device. ``key`` is made by the
    page (kept in its localStorage), so scans queued offline still find their
    session when they are replayed."""

    __tablename__ = "scan_sessions"
    __table_args__ = (_one_of("task", TASK_NAMES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    task: Mapped[str] = mapped_column(String(16))
    bin_id: Mapped[int | None] = mapped_column(ForeignKey("bins.id"))  # the sticky target bin
    order_ref: Mapped[str | None] = mapped_column(String(100))  # ship: the sticky order
    count_id: Mapped[int | None] = mapped_column(ForeignKey("bin_counts.id"))  # count: the open count
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class BinCount(db.Model):
    """A count of one bin: the serials scanned are the scan log rows that name it."""

    __tablename__ = "bin_counts"
    __table_args__ = (_one_of("status", COUNT_STATUSES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), default="open", server_default="open")
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    applied_at: Mapped[datetime | None] = mapped_column(DateTime)
    summary: Mapped[str | None] = mapped_column(Text)  # JSON: what the corrections did


class ScanLog(db.Model):
    """Every scan, keyed by the id the page made for it. The row is written at
    the start of the scan (claiming the id) and holds the first answer, so a
    scan sent again gets that answer back and records nothing new. The
    movement a scan wrote carries the same client scan id."""

    __tablename__ = "scan_log"
    __table_args__ = (
        _one_of("task", TASK_NAMES),
        _one_of("result", RESULTS),
        Index("ix_scan_log_session_item", "session_id", "item_id"),
        Index("ix_scan_log_count_item", "count_id", "item_id"),
        Index("ix_scan_log_user_task", "user_id", "task", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_scan_id: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("scan_sessions.id"))
    task: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(200))  # as scanned (control characters made visible)
    result: Mapped[str] = mapped_column(String(16))
    message: Mapped[str | None] = mapped_column(Text)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("serial_items.id"))
    bin_id: Mapped[int | None] = mapped_column(ForeignKey("bins.id"))
    count_id: Mapped[int | None] = mapped_column(ForeignKey("bin_counts.id"))
    undone_at: Mapped[datetime | None] = mapped_column(DateTime)
    answer: Mapped[str | None] = mapped_column(Text)  # the JSON answer, returned again on a resend
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
