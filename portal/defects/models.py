"""The defect reasons the admin keeps: a code (what defect reports store), a
name people read, and whether it is offered. A reason is never deleted: a
report names it by its code (a foreign key), so one in use stays, deactivated."""

from __future__ import annotations

from sqlalchemy import Boolean, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models import DefectReason, DefectReport

#: The reasons the portal started with (the codes existing reports hold), seeded by migration 0009.
DEFAULT_REASONS: tuple[tuple[str, str], ...] = (
    (DefectReason.DEAD_ON_ARRIVAL.value, "Dead on arrival"),
    (DefectReason.FUNCTIONAL.value, "Functional"),
    (DefectReason.COSMETIC.value, "Cosmetic"),
    (DefectReason.MISSING_PARTS.value, "Missing parts"),
    (DefectReason.WRONG_ITEM.value, "Wrong item"),
    (DefectReason.OTHER.value, "Other"),
)


class DefectReasonEntry(db.Model):
    """One reason; its code is its key (what reports name), its name what people read."""

    __tablename__ = "defect_reasons"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))


#: Each item's standing (not undone) defect reports, newest last: the quarantine and a return's lines
#: find an item's latest report with one probe (queries.latest_report_id). Migration 0012.
Index("ix_defect_reports_standing", DefectReport.item_id, DefectReport.id,
      **{f"{dialect}_where": DefectReport.undone_at.is_(None) for dialect in ("sqlite", "postgresql")})
