"""Reads for the scan pages."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Bin, Warehouse
from .models import ScanLog

RECENT_SCANS = 20


def recent_scans(session: Session, *, user_id: int, task: str, limit: int = RECENT_SCANS) -> list[dict]:
    """The operator's last answers for a task (and the undos made on that
    page), newest first, as the answers they were (index ix_scan_log_user_task)."""
    rows = session.execute(
        select(ScanLog.answer, ScanLog.undone_at)
        .where(ScanLog.user_id == user_id, ScanLog.task.in_((task, "undo")), ScanLog.answer.is_not(None))
        .order_by(ScanLog.id.desc())
        .limit(limit * 2)
    ).all()
    answers = []
    for answer, undone_at in rows:
        body = json.loads(answer)
        if body.get("task") == "undo" and body.get("page_task") not in (None, task):
            continue
        body["undone"] = undone_at is not None
        answers.append(body)
    return answers[:limit]


def example_bin(session: Session) -> tuple[str, str] | None:
    """A real storage bin (warehouse code, bin code) for the device check's test label."""
    row = session.execute(
        select(Warehouse.code, Bin.code).join(Bin.warehouse).where(Bin.kind == "storage").order_by(Bin.id).limit(1)
    ).first()
    return tuple(row) if row else None
