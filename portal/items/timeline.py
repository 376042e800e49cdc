"""The item page's timeline: everything that happened to one item, newest
first, each with who and when, in the warehouse's words. The movements
(the ledger) say what changed; beside them stand the records that change no
status: the defect report behind a defect (reason, stage, note), putting the
item on a return to the supplier and taking it off, the return closed with
its credit note, a customer return (order, warranty that day, outcome,
exchange), a replacement linked, its recalls and a consignment sale paid to
the supplier. A fixed number of queries per item."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased, joinedload

from ..consignment.timeline import settlement_entries
from ..customer_returns.models import CustomerReturnEntry
from ..models import BinKind, DefectReport, ItemStatus, Movement, MovementKind, SerialItem, User
from ..recalls.timeline import recall_entries
from ..supplier_returns.models import (
    ItemReplacement,
    ReturnStatus,
    SupplierReturn,
    SupplierReturnLine,
    SupplierReturnRemoval,
)
from . import expiry, queries

K = MovementKind

#: A defect report and its movement are written in one transaction, moments apart.
SAME_MOMENT = timedelta(seconds=5)

#: What a movement did, in the warehouse's words; some depend on where the item came from.
HEADLINES = {
    K.LISTED: "Listed on the supplier's list",
    K.RECEIVED: "Received",
    K.MOVED: "Moved",
    K.COUNTED: "Counted",
    K.SHIPPED: "Sold",
    K.DEFECT: "Flagged defective",
    K.RETURNED: "Returned to the supplier",
    K.MARKED_MISSING: "Marked missing",
    K.FOUND: "Found again",
    K.RESTOCKED: "Back in stock",
    K.REVERSED: "Undone",
    K.CONDITION_CHANGED: "Condition changed",
    K.OWNERSHIP_CHANGED: "Ownership changed",
    K.SCRAPPED: "Scrapped",
    K.SERIAL_CORRECTED: "Serial corrected",  # its note names "old → new" and why
    K.DISPATCHED: "Dispatched on a transfer",  # the note names it: transfer #3 (WH1 → WH2)
    K.ARRIVED: "Arrived from a transfer",
}
FROM_STATUS_HEADLINES = {
    (K.DEFECT, ItemStatus.SOLD): "Flagged defective (customer return)",
    (K.RESTOCKED, ItemStatus.SOLD): "Back in stock (customer return)",
    (K.RESTOCKED, ItemStatus.DEFECTIVE): "Repaired: back in stock",
}
#: A sale of an expired unit that a manager let through with a note (the note says when it expired, and why).
EXPIRED_OVERRIDE_HEADLINE = "Sold although expired (manager's override)"
OUTCOME_WORDS = {"restock": "back in stock", "defective": "defective, into quarantine",
                 "exchange": "defective, into quarantine, exchanged"}


def human(value: str | None) -> str:
    return (value or "").replace("_", " ")


@dataclass
class Entry:
    at: datetime
    by: str | None  # the user's name; None: the system
    what: str
    facts: list[str] = field(default_factory=list)
    movement: Movement | None = None  # its status change and bins
    link_words: str = ""  # "replaced by", "exchanged for": words before a link to another item's page
    other: str | None = None  # that item's serial
    return_id: int | None = None  # the return to the supplier it concerns


def _day(value) -> str:
    return f"{value:%Y-%m-%d}"


def warranty_words(in_warranty: bool, ends_on, days_left: int | None) -> str:
    if ends_on is None:
        return "no warranty"
    if in_warranty:
        return f"in warranty until {_day(ends_on)} ({days_left} day{'' if days_left == 1 else 's'} left)"
    over = -days_left if days_left is not None and days_left < 0 else None
    return f"out of warranty: ended {_day(ends_on)}" + (f" ({over} day{'' if over == 1 else 's'} over)"
                                                        if over else "")


def _reports_by_movement(movements: list[Movement], reports: list[DefectReport]) -> dict[int, DefectReport]:
    """Each defect movement's report: the earliest one not yet taken, filed at the same moment."""
    unmatched, found = sorted(reports, key=lambda r: r.id), {}
    for m in sorted((m for m in movements if m.kind == K.DEFECT), key=lambda m: m.id):
        report = next((r for r in unmatched if abs(r.reported_at - m.at) <= SAME_MOMENT), None)
        if report is not None:
            unmatched.remove(report)
            found[m.id] = report
    return found


#: Movements that change one attribute in place (status and bin stay): the attribute.
IN_PLACE = {K.CONDITION_CHANGED: "condition", K.OWNERSHIP_CHANGED: "ownership"}


def _from_to(m: Movement, attribute: str) -> str:
    """"regular → damaged": a movement's change of condition or ownership."""
    return f"{human(getattr(m, f'from_{attribute}')) or '—'} → {human(getattr(m, f'to_{attribute}'))}"


def _movement_entries(movements: list[Movement], reports: list[DefectReport]) -> list[Entry]:
    behind = _reports_by_movement(movements, reports)
    entries = []
    for m in movements:
        in_place = IN_PLACE.get(m.kind)
        if in_place:  # "Condition: regular → damaged", the change itself the headline
            what = f"{in_place.capitalize()}: {_from_to(m, in_place)}"
        elif m.kind == K.SHIPPED and expiry.is_override(m.note):
            what = EXPIRED_OVERRIDE_HEADLINE
        else:
            what = FROM_STATUS_HEADLINES.get((m.kind, m.from_status), HEADLINES.get(m.kind, human(m.kind)))
        entry = Entry(at=m.at, by=m.actor.username if m.actor else None, what=what, movement=m)
        report = behind.get(m.id)
        if report is not None:
            entry.facts.append(f"reason: {human(report.reason_code)}, found at {human(report.stage_found)}")
            if report.note:
                entry.facts.append(f"note: {report.note}")
            if report.undone_at is not None:
                entry.facts.append(f"report withdrawn {report.undone_at:%Y-%m-%d %H:%M}")
        elif m.note:
            entry.facts.append(f"note: {m.note}" if in_place else m.note)
        if m.to_bin is not None and m.to_bin.kind == BinKind.QUARANTINE and (
                m.from_bin is None or m.from_bin.kind != BinKind.QUARANTINE):
            entry.facts.append("moved to quarantine")
        for attribute in ("condition", "ownership"):
            if attribute != in_place and getattr(m, f"to_{attribute}"):
                entry.facts.append(f"{attribute} {_from_to(m, attribute)}")
        entries.append(entry)
    return entries


def _name(user: User | None) -> str | None:
    return user.username if user else None


def _return_words(found: SupplierReturn) -> str:
    return f"#{found.id}" + (f", RMA {found.rma_number}" if found.rma_number else "")


def _supplier_return_entries(session: Session, item_id: int) -> list[Entry]:
    """Put on a return, taken off it, the return closed with its credit note."""
    people = (joinedload(SupplierReturn.closed_by),)
    on = session.execute(select(SupplierReturnLine, SupplierReturn)
                         .join(SupplierReturn, SupplierReturn.id == SupplierReturnLine.return_id)
                         .where(SupplierReturnLine.item_id == item_id)
                         .options(joinedload(SupplierReturnLine.added_by), *people)).all()
    off = session.execute(select(SupplierReturnRemoval, SupplierReturn)
                          .join(SupplierReturn, SupplierReturn.id == SupplierReturnRemoval.return_id)
                          .where(SupplierReturnRemoval.item_id == item_id)
                          .options(joinedload(SupplierReturnRemoval.added_by),
                                   joinedload(SupplierReturnRemoval.removed_by))).all()
    entries = []
    for line, found in on + off:
        entries.append(Entry(at=line.added_at, by=_name(line.added_by), return_id=found.id,
                             what=f"Put on return to supplier {_return_words(found)}"))
    for removal, found in off:
        entries.append(Entry(at=removal.removed_at, by=_name(removal.removed_by), return_id=found.id,
                             what=f"Taken off return to supplier {_return_words(found)}"))
    for _, found in on:
        if found.status == ReturnStatus.CLOSED and found.closed_at is not None:
            credit = f"credit note {found.credit_note}" if found.credit_note else "no credit note"
            entries.append(Entry(at=found.closed_at, by=_name(found.closed_by), return_id=found.id,
                                 what=f"Return to supplier {_return_words(found)} closed", facts=[credit]))
    return entries


def _replacement_entries(session: Session, item_id: int) -> list[Entry]:
    """A replacement linked: on the original "replaced by", on the replacement "replaces"."""
    other = aliased(SerialItem)
    rows = session.execute(
        select(ItemReplacement, other.serial)
        .join(other, or_((ItemReplacement.item_id == item_id) & (other.id == ItemReplacement.replacement_item_id),
                         (ItemReplacement.replacement_item_id == item_id) & (other.id == ItemReplacement.item_id)))
        .options(joinedload(ItemReplacement.linked_by))).all()
    return [Entry(at=link.linked_at, by=_name(link.linked_by), what="Replacement linked",
                  link_words="replaced by" if link.item_id == item_id else "replaces", other=serial)
            for link, serial in rows]


def _customer_return_entries(session: Session, item_id: int) -> list[Entry]:
    """A customer return (order, warranty that day, outcome); in an exchange,
    on the unit the customer left with, where it came from."""
    other = aliased(SerialItem)
    rows = session.execute(
        select(CustomerReturnEntry, other.serial)
        .join(other, or_((CustomerReturnEntry.item_id == item_id)
                         & (other.id == CustomerReturnEntry.replacement_item_id),
                         (CustomerReturnEntry.replacement_item_id == item_id)
                         & (other.id == CustomerReturnEntry.item_id)), isouter=True)
        .where(or_(CustomerReturnEntry.item_id == item_id, CustomerReturnEntry.replacement_item_id == item_id))
        .options(joinedload(CustomerReturnEntry.returned_by))).all()
    entries = []
    for record, serial in rows:
        if record.item_id == item_id:
            entry = Entry(at=record.returned_at, by=_name(record.returned_by),
                          what=f"Customer return of order {record.order_ref}" if record.order_ref else
                          "Customer return",
                          facts=[warranty_words(record.in_warranty, record.warranty_ends_on, record.days_left),
                                 f"outcome: {OUTCOME_WORDS.get(record.outcome, human(record.outcome))}"])
            if serial:
                entry.link_words, entry.other = "exchanged for", serial
        else:
            entry = Entry(at=record.returned_at, by=_name(record.returned_by), what="Given to the customer in "
                          "exchange", link_words="for the returned", other=serial,
                          facts=[f"order {record.order_ref}", "its warranty ends when the returned item's would have"])
        entries.append(entry)
    return entries


def item_timeline(session: Session, item_id: int, movements: list[Movement] | None = None) -> list[Entry]:
    """Every entry of the item's story, newest first (at most nine queries whatever its
    length); ``movements``: the item's, already read with :func:`queries.timeline`."""
    if movements is None:
        movements = session.scalars(queries.timeline(item_id)).all()
    reports = session.scalars(select(DefectReport).where(DefectReport.item_id == item_id)).all()
    entries = (_movement_entries(movements, reports) + _supplier_return_entries(session, item_id)
               + _replacement_entries(session, item_id) + _customer_return_entries(session, item_id)
               + recall_entries(session, item_id, Entry)
               + settlement_entries(session, session.get(SerialItem, item_id), Entry))
    return sorted(entries, key=lambda e: e.at, reverse=True)
