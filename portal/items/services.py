"""Use cases on serial items beyond a plain status change. Every change of an
item goes through :mod:`portal.items.ledger`; services never commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Bin, DefectReport, ItemStatus, MovementKind, SerialItem, User, utcnow
from .ledger import transition


def report_defect(
    session: Session,
    item: SerialItem,
    *,
    reason_code: str,
    stage_found: str,
    actor: User | None,
    note: str | None = None,
    to_bin: Bin | None = None,
    client_scan_id: str | None = None,
) -> DefectReport:
    """Flag an item defective: a defect report plus the status change (into the
    quarantine bin when one is given)."""
    report = DefectReport(
        item=item,
        reason_code=reason_code,
        stage_found=stage_found,
        note=note,
        reported_by_id=actor.id if actor else None,
    )
    session.add(report)
    transition(
        session,
        item,
        to_status=ItemStatus.DEFECTIVE,
        kind=MovementKind.DEFECT,
        actor=actor,
        to_bin=to_bin,
        note=f"{reason_code}: {note}" if note else reason_code,
        client_scan_id=client_scan_id,
    )
    return report


def withdraw_latest_defect_report(session: Session, item: SerialItem, *, actor: User | None) -> DefectReport | None:
    """The defect scan that filed the item's latest report was undone: the report
    is marked undone (never deleted: the ledger keeps both movements), and the
    defect reports leave it out."""
    report = session.scalars(
        select(DefectReport)
        .where(DefectReport.item_id == item.id, DefectReport.undone_at.is_(None))
        .order_by(DefectReport.id.desc())
        .limit(1)
    ).first()
    if report is not None:
        report.undone_at = utcnow()
        report.undone_by_id = actor.id if actor else None
    return report
