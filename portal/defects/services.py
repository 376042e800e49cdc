"""Use cases of defects: keeping the reasons, flagging a defect (the report and
its movement into quarantine together), and the outcomes that take an item out
of quarantine (repair, scrap). Every change of an item goes through the ledger;
nothing here commits."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Conflict, Invalid, NotFound
from ..items import ledger
from ..items.queries import item_id_by_former_serial
from ..items.services import report_defect
from ..models import (
    Bin,
    BinKind,
    Condition,
    DefectReport,
    DefectStage,
    ItemStatus,
    MovementKind,
    SerialItem,
    User,
    Warehouse,
)
from ..serials import lookup_key, normalise
from . import queries
from .models import DefectReasonEntry

#: Where a defect can be found when it is flagged here (picking is the old scans' only).
STAGES = (DefectStage.RECEIVING.value, DefectStage.STORAGE.value, DefectStage.CUSTOMER_RETURN.value)
#: What an item can be when it is flagged defective.
FLAGGABLE = frozenset({ItemStatus.EXPECTED, ItemStatus.IN_STOCK})
REASON_CODE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
MAX_NAME = 100
MAX_NOTE = 2000

#: Who may do what (admins always may).
FLAG_ROLES = ("operator", "receiver", "manager")
REPAIR_ROLES = ("manager", "receiver")
SCRAP_ROLES = ("manager",)
REASON_ROLES = ("admin",)


def human(value: str | None) -> str:
    return (value or "").replace("_", " ")


# --- reasons ------------------------------------------------------------------------------


def _clean_name(name: str | None) -> str:
    name = " ".join((name or "").split())
    if not name or len(name) > MAX_NAME:
        raise Invalid(f"A reason's name has 1 to {MAX_NAME} characters.", code="invalid_name")
    return name


def add_reason(session: Session, *, code: str, name: str) -> DefectReasonEntry:
    """A new reason, active. Its code is what reports store: lower case, digits and _."""
    code = (code or "").strip().lower()
    if not REASON_CODE.match(code):
        raise Invalid("A reason's code starts with a letter and has up to 32 lower-case letters, digits or _.",
                      code="invalid_code")
    if queries.reason_by_code(session, code) is not None:
        raise Conflict(f"The reason {code} exists already.", code="duplicate")
    reason = DefectReasonEntry(code=code, name=_clean_name(name), active=True)
    session.add(reason)
    session.flush()
    return reason


def _reason(session: Session, code: str) -> DefectReasonEntry:
    reason = queries.reason_by_code(session, code)
    if reason is None:
        raise NotFound(f"There is no defect reason {code}.")
    return reason


def rename_reason(session: Session, *, code: str, name: str) -> DefectReasonEntry:
    reason = _reason(session, code)
    reason.name = _clean_name(name)
    return reason


def set_reason_active(session: Session, *, code: str, active: bool) -> DefectReasonEntry:
    """A reason is never deleted (reports name it): it is deactivated, and no longer offered."""
    reason = _reason(session, code)
    reason.active = active
    return reason


def active_reason(session: Session, code: str | None) -> DefectReasonEntry:
    reason = queries.reason_by_code(session, (code or "").strip())
    if reason is None or not reason.active:
        offered = ", ".join(r.code for r in queries.reasons(session, only_active=True))
        raise Invalid(f"{code!r} is not a defect reason in use. Choose one of: {offered}.", code="unknown_reason")
    return reason


# --- items ----------------------------------------------------------------------------------


def item_by_serial(session: Session, serial: str, *, lock: bool = False) -> SerialItem:
    """The item with this serial now or, when none has it, before a correction."""
    key = lookup_key(serial) or ""
    statement = select(SerialItem).where(SerialItem.serial_key == key)
    item = session.scalars(statement.with_for_update() if lock else statement).first()
    former = item_id_by_former_serial(session, key) if item is None and key else None
    if former is not None:
        statement = select(SerialItem).where(SerialItem.id == former)
        item = session.scalars(statement.with_for_update() if lock else statement).first()
    if item is None:
        raise NotFound(f"No item has the serial {normalise(serial)[:100]}.")
    return item


def clean_note(note: str | None, *, required: bool = False) -> str | None:
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise Invalid(f"A note has at most {MAX_NOTE} characters.", code="invalid_note")
    if required and not note:
        raise Invalid("Say why in a note.", code="note_required")
    return note or None


def _not_allowed(item: SerialItem, doing: str, allowed: str) -> Conflict:
    return Conflict(f"{item.serial} is {human(item.status)}: it cannot be {doing}. {allowed}",
                    code="status_not_allowed")


def flag_defect(session: Session, *, item: SerialItem, reason: str, stage: str, actor: User | None,
                note: str | None = None, returned_to: Warehouse | None = None,
                client_scan_id: str | None = None) -> DefectReport:
    """The item becomes defective and moves to its warehouse's quarantine bin:
    the defect report and the movement in the caller's one transaction.
    ``returned_to`` is for customer returns only: a sold item a customer brought
    back to that warehouse, into whose quarantine it goes. ``client_scan_id``:
    the scan that flagged it (its movement carries it, so the scan can be undone)."""
    entry = active_reason(session, reason)
    if stage not in STAGES:
        raise Invalid(f"{stage!r} is not a stage: one of {', '.join(STAGES)}.", code="unknown_stage")
    note = clean_note(note)
    if returned_to is not None:
        if item.status != ItemStatus.SOLD:
            raise _not_allowed(item, "returned by a customer", "Only a sold item can be.")
    elif item.status not in FLAGGABLE:
        raise _not_allowed(item, "flagged defective",
                           "Only an item expected or in stock can be flagged defective.")
    warehouse_id = (returned_to.id if returned_to is not None else None) or item.warehouse_id or (
        item.receipt.warehouse_id if item.receipt else None)
    quarantine = queries.quarantine_bin(session, warehouse_id) if warehouse_id else None
    if quarantine is None:
        raise Conflict(f"{item.serial}: no quarantine bin known for it. Ask a supervisor.", code="no_quarantine")
    return report_defect(session, item, reason_code=entry.code, stage_found=stage, actor=actor, note=note,
                         to_bin=quarantine, client_scan_id=client_scan_id)


def _defective(item: SerialItem, doing: str) -> None:
    if item.status != ItemStatus.DEFECTIVE:
        raise _not_allowed(item, doing, "Only a defective item in quarantine can be.")


def storage_bin(session: Session, *, warehouse: str | None, bin_code: str | None, who: str) -> Bin:
    """The storage bin in use named by its warehouse and code, where ``who`` goes back into stock."""
    target = session.scalars(
        select(Bin).join(Warehouse, Bin.warehouse_id == Warehouse.id)
        .where(Warehouse.code == (warehouse or "").strip().upper(), Bin.code == (bin_code or "").strip().upper())
    ).first()
    if target is None:
        raise NotFound(f"No bin {(bin_code or '').strip().upper()} in warehouse {(warehouse or '').strip().upper()}.")
    if target.kind != BinKind.STORAGE or not target.active:
        raise Invalid(f"Bin {target.code} is not a storage bin in use: {who} goes into storage.",
                      code="not_a_storage_bin")
    return target


def repair(session: Session, *, item: SerialItem, warehouse: str, bin_code: str, actor: User | None,
           note: str | None = None) -> SerialItem:
    """Repaired: back in stock, condition refurbished, into the storage bin chosen (one movement)."""
    _defective(item, "repaired")
    target = storage_bin(session, warehouse=warehouse, bin_code=bin_code, who="a repaired item")
    note = clean_note(note)
    ledger.transition(session, item, to_status=ItemStatus.IN_STOCK, kind=MovementKind.RESTOCKED, actor=actor,
                      to_bin=target, to_condition=Condition.REFURBISHED,
                      note=f"repaired: {note}" if note else "repaired")
    return item


def scrap(session: Session, *, item: SerialItem, note: str | None, actor: User | None) -> SerialItem:
    """Written off: status scrapped (terminal), out of its bin, with the note saying why (one movement)."""
    _defective(item, "scrapped")
    note = clean_note(note, required=True)
    ledger.transition(session, item, to_status=ItemStatus.SCRAPPED, kind=MovementKind.SCRAPPED, actor=actor,
                      note=note)
    return item
