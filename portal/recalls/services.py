"""Use cases of recalls: open one (its units fixed by one INSERT ... SELECT),
quarantine every unit still in stock (through the ledger, set-based, all or
nothing), close it, and the rule shipping asks: is this unit in an open
recall? Nothing here commits."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import DateTime, Integer, String, and_, func, insert, literal, select
from sqlalchemy.orm import Session

from ..errors import Conflict, Invalid, NotFound
from ..items import ledger
from ..items.ledger import _one_of_ids  # one bound value for any number of ids, on both databases
from ..models import (
    DefectReport,
    DefectStage,
    ItemStatus,
    MovementKind,
    Product,
    Receipt,
    SerialItem,
    Supplier,
    User,
    utcnow,
)
from ..serials import lookup_key, normalise
from . import queries
from .models import RECALL_REASON, Recall, RecallStatus, RecallUnit

#: Who opens, quarantines and closes recalls, and reads them (admins always may).
RECALL_ROLES = ("manager",)
MAX_REASON = 2000
MAX_LOT = 64
#: A pasted or uploaded list holds at most this many serials.
MAX_SERIALS = 200_000
#: The unknown serials of a list kept on the recall to show (the count is kept whole).
MAX_UNKNOWN_KEPT = 1000
#: Serial keys looked up per statement (SQLite binds at most 32,766 values).
LOOKUP_CHUNK = 5000
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
EMPTY_MESSAGE = "No unit matches these criteria: the recall is saved, with no units."


# --- criteria -------------------------------------------------------------------------------


def _text(value: str | None) -> str:
    return (value or "").strip()


def clean_reason(reason: str | None) -> str:
    """The reason, stored as typed (surrounding blanks aside)."""
    reason = _text(reason)
    if not reason:
        raise Invalid("Say why the supplier recalls these units.", code="reason_required",
                      details={"field": "reason"})
    if len(reason) > MAX_REASON:
        raise Invalid(f"A reason has at most {MAX_REASON} characters.", code="invalid_reason",
                      details={"field": "reason"})
    return reason


def parse_day(value: date | str | None, field_name: str) -> date | None:
    """A day given as YYYY-MM-DD (or a date); anything else a 422 naming the field."""
    if value is None or isinstance(value, date):
        return value
    text = value.strip()
    if not text:
        return None
    try:
        if not DAY.fullmatch(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(f"{field_name}: {text[:20]!r} is not a date as YYYY-MM-DD.", code="invalid_date",
                      details={"field": field_name, "fields": {field_name: "a date as YYYY-MM-DD"}}) from None


def serials_from_text(text: str | None) -> list[str]:
    """A pasted or uploaded list: one serial a line, the first cell of a CSV
    line (comma, semicolon or tab); blank lines and a 'serial' header left out."""
    found = []
    for line in (text or "").splitlines():
        cell = normalise(re.split(r"[,;\t]", line, maxsplit=1)[0]).strip('"')
        if cell and cell.lower() not in ("serial", "serials", "serial number"):
            found.append(cell)
    return found


def receipt_numbers(text: str | None) -> list[int] | None:
    """Receipt numbers typed on the page: "12, #15 17"; anything else a 422 naming the field."""
    parts = [p.lstrip("#") for p in re.split(r"[\s,;]+", _text(text)) if p]
    if not all(p.isascii() and p.isdigit() and len(p) <= 9 for p in parts):
        raise Invalid("Receipts: give receipt numbers such as 12, 15.", code="invalid_receipts",
                      details={"field": "receipts"})
    return [int(p) for p in parts] or None


@dataclass
class Criteria:
    """What a recall is opened with, each already checked; any combination, ANDed."""

    supplier: Supplier | None = None
    product: Product | None = None
    lot: str | None = None
    receipt_ids: list[int] | None = None
    received_from: date | None = None
    received_to: date | None = None
    serials: list[str] | None = None
    #: filled by :func:`_serial_ids`: the ids of the listed serials that are items, and the rest
    item_ids: list[int] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return all(v is None for v in (self.supplier, self.product, self.lot, self.receipt_ids,
                                       self.received_from, self.received_to, self.serials))

    def where(self, session: Session):
        """The items the criteria name, as one condition."""
        conditions = []
        if self.supplier is not None:
            conditions.append(SerialItem.supplier_id == self.supplier.id)
        if self.product is not None:
            conditions.append(SerialItem.product_id == self.product.id)
        if self.lot is not None:
            conditions.append(SerialItem.lot == self.lot)
        if self.receipt_ids is not None:
            conditions.append(SerialItem.receipt_id.in_(self.receipt_ids))
        if self.received_from is not None:
            conditions.append(SerialItem.received_at >= datetime.combine(self.received_from, time()))
        if self.received_to is not None:
            conditions.append(SerialItem.received_at < datetime.combine(self.received_to + timedelta(days=1),
                                                                         time()))
        if self.serials is not None:
            conditions.append(_one_of_ids(session, self.item_ids))
        return and_(*conditions)


def _supplier(session: Session, code: str | None) -> Supplier | None:
    code = _text(code).upper()
    if not code:
        return None
    found = session.scalars(select(Supplier).where(Supplier.code == code)).first()
    if found is None:
        raise NotFound(f"There is no supplier {code[:40]}.", code="unknown_supplier")
    return found


def _product(session: Session, sku: str | None) -> Product | None:
    sku = _text(sku)
    if not sku:
        return None
    found = session.scalars(select(Product).where(Product.sku == sku)).first()
    if found is None:
        found = session.scalars(select(Product).where(Product.sku == sku.upper())).first()
    if found is None:
        raise NotFound(f"There is no product {sku[:64]}.", code="unknown_product")
    return found


def _receipts(session: Session, ids: Iterable[int] | None) -> list[int] | None:
    if ids is None:
        return None
    wanted = sorted(set(ids))
    if not wanted:
        return None
    known = set(session.scalars(select(Receipt.id).where(Receipt.id.in_(wanted))))
    unknown = [str(i) for i in wanted if i not in known]
    if unknown:
        raise NotFound(f"There is no receipt #{', #'.join(unknown[:10])}.", code="unknown_receipt")
    return wanted


def _serial_ids(session: Session, criteria: Criteria) -> None:
    """The listed serials looked up by key, in chunks: the items' ids, and the serials no item has."""
    keys: dict[str, str] = {}
    for serial in criteria.serials or []:
        key = lookup_key(serial)
        keys.setdefault(key or serial, serial)
    found: dict[str, int] = {}
    valid = [k for k in keys if lookup_key(k) == k]
    for start in range(0, len(valid), LOOKUP_CHUNK):
        chunk = valid[start:start + LOOKUP_CHUNK]
        found.update(session.execute(select(SerialItem.serial_key, SerialItem.id)
                                     .where(SerialItem.serial_key.in_(chunk))).all())
    criteria.item_ids = sorted(found.values())
    criteria.unknown = [serial for key, serial in keys.items() if key not in found]


def criteria_of(session: Session, *, supplier: str | None = None, product: str | None = None,
                lot: str | None = None, receipts: Iterable[int] | None = None,
                received_from: date | str | None = None, received_to: date | str | None = None,
                serials: list[str] | None = None) -> Criteria:
    """The criteria checked: unknown supplier, product or receipt 404; a date
    not YYYY-MM-DD or a range the wrong way round 422; none at all 422."""
    lot = _text(lot) or None
    if lot is not None and len(lot) > MAX_LOT:
        raise Invalid(f"A lot has at most {MAX_LOT} characters.", code="invalid_lot", details={"field": "lot"})
    criteria = Criteria(lot=lot, received_from=parse_day(received_from, "received_from"),
                        received_to=parse_day(received_to, "received_to"))
    if criteria.received_from and criteria.received_to and criteria.received_from > criteria.received_to:
        raise Invalid("received_from is after received_to: the range is the wrong way round.",
                      code="invalid_range", details={"field": "received_from"})
    if serials is not None:
        cleaned = [s for s in (normalise(s) for s in serials) if s]
        if len(cleaned) > MAX_SERIALS:
            raise Invalid(f"A list has at most {MAX_SERIALS:,} serials.", code="too_many_serials",
                          details={"field": "serials"})
        criteria.serials = cleaned or None
    criteria.supplier = _supplier(session, supplier)
    criteria.product = _product(session, product)
    criteria.receipt_ids = _receipts(session, receipts)
    if criteria.empty:
        raise Invalid("Name at least one criterion: supplier, product, lot, receipts, a received date or "
                      "a list of serials.", code="no_criteria")
    if criteria.serials is not None:
        _serial_ids(session, criteria)
    return criteria


# --- opening ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Opened:
    recall: Recall
    #: EMPTY_MESSAGE when nothing matched, else None
    message: str | None


def open_recall(session: Session, *, reason: str | None, actor: User | None, **criteria) -> Opened:
    """A new open recall with every unit the criteria name, whatever its
    status, written by one INSERT ... SELECT. Matching nothing is not an error:
    the recall is saved empty and :data:`EMPTY_MESSAGE` says so."""
    reason = clean_reason(reason)
    checked = criteria_of(session, **criteria)
    recall = Recall(reason=reason, supplier=checked.supplier, product=checked.product, lot=checked.lot,
                    receipt_ids=json.dumps(checked.receipt_ids) if checked.receipt_ids is not None else None,
                    received_from=checked.received_from, received_to=checked.received_to,
                    serials_given=len(checked.serials) if checked.serials is not None else None,
                    unknown_serials=json.dumps(checked.unknown[:MAX_UNKNOWN_KEPT]) if checked.unknown else None,
                    unknown_count=len(checked.unknown), status=RecallStatus.OPEN,
                    created_by_id=actor.id if actor else None, created_at=utcnow())
    session.add(recall)
    session.flush()
    session.execute(insert(RecallUnit).from_select(
        ["recall_id", "item_id"],
        select(literal(recall.id, Integer), SerialItem.id).where(checked.where(session))))
    # counted, not the INSERT's rowcount: psycopg answers -1 for an ORM INSERT ... SELECT
    recall.affected = session.scalar(select(func.count()).select_from(RecallUnit)
                                     .where(RecallUnit.recall_id == recall.id))
    session.flush()
    return Opened(recall=recall, message=None if recall.affected else EMPTY_MESSAGE)


def get_recall(session: Session, recall_id: int, *, lock: bool = False) -> Recall:
    statement = select(Recall).where(Recall.id == recall_id)
    if lock:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    found = session.scalars(statement).first()
    if found is None:
        raise NotFound(f"There is no recall #{recall_id}.")
    return found


def _still_open(recall: Recall, doing: str) -> None:
    if recall.status != RecallStatus.OPEN:
        raise Conflict(f"Recall #{recall.id} is closed: {doing} only while it is open.", code="recall_closed")


# --- quarantine -----------------------------------------------------------------------------


def quarantine(session: Session, *, recall_id: int, actor: User | None) -> int:
    """Every unit of the recall still in stock becomes defective with the
    reason ``recall`` (found at storage), into its warehouse's quarantine bin:
    one defect report each (one INSERT ... SELECT) and one movement each
    (ledger.bulk_transition per warehouse), all or nothing. Returns how many;
    a second run finds none in stock and changes nothing (0)."""
    recall = get_recall(session, recall_id, lock=True)
    _still_open(recall, "units are quarantined")
    in_recall = SerialItem.id.in_(select(RecallUnit.item_id).where(RecallUnit.recall_id == recall.id))
    in_stock = and_(in_recall, SerialItem.status == ItemStatus.IN_STOCK)
    warehouses = queries.in_stock_warehouses(session, recall.id)
    if not warehouses:
        return 0
    bins = queries.quarantine_bins(session, [w for w, _code in warehouses])
    without = [code for w, code in warehouses if w not in bins]
    if without:
        raise Conflict(f"No quarantine bin in {', '.join(without)}: nothing was quarantined. Ask a supervisor.",
                       code="no_quarantine")
    at = utcnow()
    note = f"recall #{recall.id}"
    session.execute(insert(DefectReport).from_select(
        ["item_id", "reason_code", "stage_found", "note", "reported_by_id", "reported_at"],
        select(SerialItem.id, literal(RECALL_REASON[0], String), literal(DefectStage.STORAGE.value, String),
               literal(note, String), literal(actor.id if actor else None, Integer), literal(at, DateTime))
        .where(in_stock)))
    moved = 0
    for warehouse_id, _code in warehouses:
        moved += ledger.bulk_transition(
            session, where=and_(in_stock, SerialItem.warehouse_id == warehouse_id), to_status=ItemStatus.DEFECTIVE,
            kind=MovementKind.DEFECT, actor=actor, to_bin_id=bins[warehouse_id], note=f"{RECALL_REASON[0]}: {note}",
            at=at)
    recall = get_recall(session, recall_id)
    recall.quarantined_at = at
    recall.quarantined_by_id = actor.id if actor else None
    session.flush()
    return moved


def close(session: Session, *, recall_id: int, actor: User | None) -> Recall:
    """Closed: its units are no longer flagged or refused for shipping. Closing it again changes nothing."""
    recall = get_recall(session, recall_id, lock=True)
    if recall.status == RecallStatus.CLOSED:
        return recall
    recall.status = RecallStatus.CLOSED
    recall.closed_at = utcnow()
    recall.closed_by_id = actor.id if actor else None
    session.flush()
    return recall


def unit_status(raw: str | None) -> str | None:
    """A unit list's status filter: empty for every status, else an item status (422 naming the field)."""
    status = _text(raw) or None
    if status is not None and status not in queries.STATUSES:
        raise Invalid(f"status must be one of {', '.join(queries.STATUSES)}.", code="invalid_status",
                      details={"field": "status"})
    return status


# --- what shipping asks ---------------------------------------------------------------------


def shipping_refusal(session: Session, item: SerialItem) -> str | None:
    """Why ``item`` may not ship (None if it may): an open recall holds it."""
    recall = queries.open_recall_of(session, item.id)
    if recall is None:
        return None
    return (f"{item.serial} is recalled (recall #{recall.id}: {recall.reason[:120]}): it cannot be shipped. "
            "Put it aside for quarantine.")
