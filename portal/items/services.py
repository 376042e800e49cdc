"""Writes on serial items. The only code that changes an item's status.

Every change goes through :func:`transition`, which checks the transition
table, updates the item and appends one movement to the ledger. Services
never commit: the request, API call or CLI command does, once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Conflict, Invalid
from ..models import (
    Bin,
    DefectReport,
    ItemStatus,
    Movement,
    MovementKind,
    SerialItem,
    User,
    utcnow,
)

S = ItemStatus

#: The allowed status changes, written once. A status may always "change" to
#: itself (a move or a count that confirms where it is) only where listed.
TRANSITIONS: dict[ItemStatus, frozenset[ItemStatus]] = {
    S.EXPECTED: frozenset({S.IN_STOCK, S.MISSING, S.DEFECTIVE}),
    S.IN_STOCK: frozenset({S.IN_STOCK, S.SOLD, S.DEFECTIVE, S.MISSING, S.RETURNED_TO_SUPPLIER}),
    S.SOLD: frozenset({S.IN_STOCK, S.DEFECTIVE}),  # customer returns
    S.DEFECTIVE: frozenset({S.DEFECTIVE, S.IN_STOCK, S.RETURNED_TO_SUPPLIER}),
    S.MISSING: frozenset({S.IN_STOCK}),  # found again
    S.RETURNED_TO_SUPPLIER: frozenset(),
}

#: Statuses in which an item physically sits in a bin.
IN_A_BIN = frozenset({S.IN_STOCK, S.DEFECTIVE})


def can_transition(from_status: str | None, to_status: str) -> bool:
    if from_status is None:
        return to_status == S.EXPECTED
    return ItemStatus(to_status) in TRANSITIONS[ItemStatus(from_status)]


def transition(
    session: Session,
    item: SerialItem,
    *,
    to_status: str,
    kind: str,
    actor: User | None,
    to_bin: Bin | None = None,
    note: str | None = None,
    client_scan_id: str | None = None,
    at: datetime | None = None,
) -> Movement:
    """Change one item's status (and bin) and append its movement.

    ``to_bin`` is where the item ends up; for statuses outside a bin it is
    cleared. Raises :class:`Invalid` for a change the table does not allow.
    """
    from_status = item.status
    if not can_transition(from_status, to_status):
        raise Invalid(
            f"{item.serial} is {from_status.replace('_', ' ')}; "
            f"it cannot become {to_status.replace('_', ' ')}",
            code="status_not_allowed",
        )
    at = at or utcnow()
    from_bin_id = item.bin_id
    if ItemStatus(to_status) in IN_A_BIN:
        target = to_bin or item.bin
        if target is None:
            raise Invalid(f"{item.serial}: a bin is needed", code="bin_required")
        item.bin = target
        item.bin_id = target.id
        item.warehouse_id = target.warehouse_id
    else:
        item.bin = None
        item.bin_id = None
    item.status = str(to_status)
    movement = Movement(
        item=item,
        kind=str(kind),
        from_bin_id=from_bin_id,
        to_bin_id=item.bin_id,
        from_status=from_status,
        to_status=str(to_status),
        actor_id=actor.id if actor else None,
        at=at,
        note=note,
        client_scan_id=client_scan_id,
    )
    session.add(movement)
    return movement


def reverse_last_movement(
    session: Session, item: SerialItem, *, actor: User | None, client_scan_id: str | None = None
) -> Movement:
    """Undo: write a movement that puts the item back where its latest movement
    took it from. Only the latest movement of an item can be reversed, and a
    reversal cannot itself be reversed."""
    last = session.scalars(
        select(Movement).where(Movement.item_id == item.id).order_by(Movement.id.desc()).limit(1)
    ).first()
    if last is None or last.kind in (MovementKind.LISTED, MovementKind.REVERSED):
        raise Conflict(f"{item.serial}: nothing to undo", code="nothing_to_undo")
    if last.from_status is None:
        raise Conflict(f"{item.serial}: nothing to undo", code="nothing_to_undo")
    back_bin = session.get(Bin, last.from_bin_id) if last.from_bin_id else None
    from_bin_id = item.bin_id
    item.status = last.from_status
    item.bin = back_bin
    item.bin_id = back_bin.id if back_bin else None
    if back_bin:
        item.warehouse_id = back_bin.warehouse_id
    if last.kind == MovementKind.SHIPPED:
        item.sold_at = None
        item.order_ref = None
        item.warranty_ends_on = None
    if last.kind == MovementKind.RECEIVED:
        item.received_at = None
    movement = Movement(
        item=item,
        kind=MovementKind.REVERSED,
        from_bin_id=from_bin_id,
        to_bin_id=item.bin_id,
        from_status=last.to_status,
        to_status=last.from_status,
        actor_id=actor.id if actor else None,
        note=f"reverses movement #{last.id} ({last.kind})",
        client_scan_id=client_scan_id,
    )
    session.add(movement)
    return movement


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
