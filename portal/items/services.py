"""Use cases on serial items beyond a plain status change. Every change of an
item goes through :mod:`portal.items.ledger`; services never commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import Conflict, Invalid
from ..models import Bin, DefectReport, ItemStatus, MovementKind, SerialItem, User, utcnow
from ..receiving.supplier_lists import check_serial
from ..serials import normalise, serial_key
from . import ledger
from .ledger import transition
from .models import SerialCorrection


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


#: Who may correct a serial (admins may do anything).
CORRECTION_ROLES = ("manager",)


def correct_serial(session: Session, item: SerialItem, *, serial: str, actor: User | None,
                   note: str | None = None, at=None) -> SerialCorrection:
    """Put right a serial typed wrong: the item keeps its id and history, takes
    the new serial, and the old one stays findable (a :class:`SerialCorrection`
    and a ``serial_corrected`` movement naming "old → new").

    The new value follows receiving's rules (:func:`check_serial`: blank,
    placeholders, characters inside, length). It is refused (409) when it is
    another item's serial now (``serial_taken``) or was one before a correction
    (``serial_formerly_taken``): either would make a look-up by it ambiguous.
    Back to the item's own former value is allowed (a correction put right).
    Two corrections to the same value at once: the unique serial key lets one
    win; the other is the same 409. ``item`` should be row-locked by the caller.
    """
    from ..defects.services import clean_note  # the notes' one rule (length, blank)

    new = normalise(serial)
    problem = check_serial(new)
    if problem:
        code, message = problem
        raise Invalid(f"The new serial is refused: {message}", code=code, details={"fields": {"serial": message}})
    if new == item.serial:
        raise Conflict(f"{item.serial} already has exactly this serial: nothing to correct.", code="serial_unchanged")
    key = serial_key(new)
    note = clean_note(note)
    if key != item.serial_key:
        holder = session.scalars(select(SerialItem).where(SerialItem.serial_key == key)).first()
        if holder is not None:
            raise Conflict(f"{new} is the serial of another item ({holder.serial}, {holder.status.replace('_', ' ')})"
                           f": {item.serial} cannot take it.", code="serial_taken")
    former = session.scalars(select(SerialCorrection).where(SerialCorrection.old_key == key,
                                                            SerialCorrection.item_id != item.id).limit(1)).first()
    if former is not None:
        raise Conflict(f"{new} was the serial of another item until it was corrected to {former.new_serial} "
                       f"on {former.corrected_at:%Y-%m-%d}: {item.serial} cannot take it, or a look-up by it "
                       "would be ambiguous.", code="serial_formerly_taken")
    at, old = at or utcnow(), item.serial
    correction = SerialCorrection(item_id=item.id, old_serial=item.serial, old_key=item.serial_key, new_serial=new,
                                  note=note, corrected_by_id=actor.id if actor else None, corrected_at=at)
    session.add(correction)
    ledger.correct_serial(session, item, serial=new, key=key, actor=actor, note=note, at=at)
    try:
        session.flush()
    except IntegrityError:  # another correction or a list took the value between our check and our write
        raise Conflict(f"{new} was given to another item a moment ago: {old} keeps its serial.",
                       code="serial_taken") from None
    return correction
