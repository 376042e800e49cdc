"""Scan use cases: one function per scan, called by the scan pages, the JSON API
and the benchmark alike. No commits here: the request commits once.

A scan is one short transaction with a fixed number of SQL statements (a move
from a page: 8 plus the login's user look-up), whatever the database size:

1. INSERT the scan log row: this claims the client scan id (a resend fails
   here with the unique constraint; the caller then returns the stored first
   answer). On SQLite the first write also takes the database's write lock, so
   the reads that follow see the latest state.
2. SELECT the scan session (sticky bin, order, count) — pages only; the API
   names its bin instead (SELECT the bin).
3. SELECT the target bin (when the task has one).
4. SELECT the item by ``serial_key`` with its product, bin and receipt,
   locking its row (``FOR UPDATE OF serial_items`` on PostgreSQL).
5. SELECT "already scanned in this session?" (pages only).
6. (ship) SELECT an open recall holding the item, then an older unit of the SKU still in stock.
7. UPDATE the scan log row with the answer; at commit the ORM's one flush
   UPDATEs the item and INSERTs its movement (``transition()``).
"""

from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import bindparam, case, func, insert, select, update
from sqlalchemy.orm import Session, contains_eager, joinedload

from ..customer_returns import services as customer_returns
from ..defects import queries as defect_queries
from ..defects import services as defects
from ..errors import DomainError, Invalid, NotFound
from ..items import condition_changes, expiry, ledger
from ..items import services as items
from ..items.queries import item_id_by_former_serial
from ..models import (
    Bin,
    DefectReason,
    DefectStage,
    ItemStatus,
    Movement,
    MovementKind,
    Product,
    Receipt,
    SerialItem,
    User,
    Warehouse,
    utcnow,
)
from ..recalls import services as recalls
from ..serials import serial_key
from ..warranty import WarrantyState, add_months
from . import barcodes
from .models import BinCount, ScanLog, ScanSession

SCAN_LOG = ScanLog.__table__
_CLAIM = insert(SCAN_LOG)
_ANSWER = update(SCAN_LOG).where(SCAN_LOG.c.id == bindparam("log_id"))

S = ItemStatus
ACCEPTED, WARNING, REFUSED = "accepted", "warning", "refused"
#: Tasks a scan can be for (the page slugs use dashes: put-away).
SCAN_TASKS = ("put_away", "move", "count", "ship", "defect", "lookup", "return", "condition")
#: Tasks that need a target bin, scanned first and kept until another is scanned.
BIN_TASKS = frozenset({"put_away", "move", "count"})
CLIENT_SCAN_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
MAX_ORDER_REF = 100
#: What an order reference looks like (PORTAL_ORDER_REF_PATTERN; matched case-insensitively).
#: Anything else scanned where an order reference is due asks for a confirmation first.
DEFAULT_ORDER_REF_PATTERN = r"^(SO|ORD|PO)[-_ A-Z0-9]{2,}$"
#: A device time older than this (PORTAL_SCAN_DEVICE_TIME_MAX_AGE_S) is not believed: the scan is refused.
DEFAULT_DEVICE_TIME_MAX_AGE_S = 24 * 3600
#: A device clock this far ahead of the server's still counts (as the server's time); further is refused.
DEVICE_CLOCK_AHEAD_S = 120
#: A bin look-up lists at most this many of the bin's items (and says how many there are).
BIN_LOOKUP_LIMIT = 20


@dataclass
class ScanSettings:
    bin_label_prefix: str = "BIN:"
    fifo_enforced: bool = False
    order_ref_pattern: str = DEFAULT_ORDER_REF_PATTERN
    device_time_max_age_s: int = DEFAULT_DEVICE_TIME_MAX_AGE_S

    @classmethod
    def from_config(cls, config) -> ScanSettings:
        """The station's settings from the app config (pages and API alike)."""
        return cls(
            bin_label_prefix=config["BIN_LABEL_PREFIX"],
            fifo_enforced=bool(config["FIFO_ENFORCED"]),
            order_ref_pattern=config.get("ORDER_REF_PATTERN") or DEFAULT_ORDER_REF_PATTERN,
            device_time_max_age_s=int(config.get("SCAN_DEVICE_TIME_MAX_AGE_S") or DEFAULT_DEVICE_TIME_MAX_AGE_S),
        )

    def looks_like_order_ref(self, text: str) -> bool:
        return bool(_order_ref_pattern(self.order_ref_pattern).match(text))


@functools.lru_cache(maxsize=8)
def _order_ref_pattern(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.IGNORECASE)


@dataclass(frozen=True)
class ScanTime:
    """When a scan happened: the device's time when it is believable, else the
    server's (a scan that sent none); ``refusal`` says why a sent time is not."""

    at: datetime
    source: str  # "device" or "server"
    refusal: str | None = None  # the device's time is off: the scan is refused with this


def scan_time(raw, *, now: datetime, max_age_s: int = DEFAULT_DEVICE_TIME_MAX_AGE_S) -> ScanTime:
    """The time to record for a scan the device says it made at ``raw`` (ISO 8601).

    A scan queued offline arrives late: it is recorded when it was made, as long
    as that is neither in the future (a clock a little ahead counts as now) nor
    older than ``max_age_s``. Outside those bounds the device's clock is wrong and
    nothing is recorded: guessing a time would put a movement at the wrong moment
    in the item's history, so the operator is asked to set the clock and scan
    again (issue 12, bad input). ``now`` and the answer are naive UTC."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return ScanTime(now, "server")
    again = "then scan again. Nothing recorded."
    if isinstance(raw, datetime):
        device = raw
    else:
        try:
            device = datetime.fromisoformat(str(raw).strip())
        except ValueError:
            return ScanTime(now, "server", f"The device sent an unreadable time: reload the scan page, {again}")
    if device.tzinfo is not None:
        device = device.astimezone(UTC).replace(tzinfo=None)
    if device > now + timedelta(seconds=DEVICE_CLOCK_AHEAD_S):
        ahead = math.ceil((device - now).total_seconds() / 60)
        return ScanTime(now, "server", f"This device's clock is {ahead} min ahead of the portal's: "
                                       f"set the device's date and time, {again}")
    if device > now:
        return ScanTime(now, "device")
    if device < now - timedelta(seconds=max_age_s):
        return ScanTime(now, "server", f"The device's time for this scan is more than {max_age_s / 3600:g} h ago: "
                                       f"check the device's date and time, {again}")
    return ScanTime(device, "device")


# --- small pure helpers -------------------------------------------------------------


def clean_scan_id(raw) -> str:
    """A client scan id: 8 to 64 letters, digits, '.', '_', ':' or '-' (a UUID fits)."""
    value = raw.strip() if isinstance(raw, str) else ""
    if not CLIENT_SCAN_ID.match(value):
        raise Invalid(
            "Every scan needs a client_scan_id of 8 to 64 letters, digits, '-', '_', '.' or ':'.",
            code="invalid_client_scan_id",
        )
    return value


def clean_session_key(raw) -> str:
    value = raw.strip() if isinstance(raw, str) else ""
    if not CLIENT_SCAN_ID.match(value):
        raise Invalid("The scan page sent no valid session key; reload the page.", code="invalid_session")
    return value


def bin_label(bin_: Bin | None) -> str | None:
    if bin_ is None:
        return None
    return barcodes.bin_name(bin_.warehouse.code, bin_.code)


def human(status: str) -> str:
    return status.replace("_", " ")


@dataclass
class ItemFacts:
    """What the scan path reads about an item besides the row itself, fetched
    in the same statement (plain columns: cheaper than loading related objects)."""

    sku: str
    product: str
    warranty_months: int
    bin_id: int | None
    bin_label: str | None
    receipt: str | None
    receipt_warehouse_id: int | None


def current_bin_label(item: SerialItem, facts: ItemFacts) -> str | None:
    if not item.bin_id:
        return None
    if item.bin_id == facts.bin_id:
        return facts.bin_label
    return bin_label(item.__dict__.get("bin") or item.bin)  # the bin transition() just set


def item_facts(item: SerialItem, facts: ItemFacts) -> dict:
    """What an answer says about an item (the API's ``item``)."""
    return {
        "serial": item.serial,
        "sku": facts.sku,
        "product": facts.product,
        "status": item.status,
        "bin": current_bin_label(item, facts),
        "receipt": facts.receipt,
        "order_ref": item.order_ref,
        "sold_at": item.sold_at.date().isoformat() if item.sold_at else None,
        "warranty_ends_on": item.warranty_ends_on.isoformat() if item.warranty_ends_on else None,
        "received_at": item.received_at.date().isoformat() if item.received_at else None,
        "lot": item.lot,
        "expires_at": item.expires_at.isoformat() if item.expires_at else None,
    }


# --- reads used on the scan path ------------------------------------------------------
# Built once, run with parameters: building a statement costs more CPU than running it.

_BIN_BY_ID = select(Bin).options(joinedload(Bin.warehouse)).where(Bin.id == bindparam("bin_id"))


def _item_statement(condition):
    return (
        select(
            SerialItem, Product.sku, Product.name, Product.warranty_months,
            Bin.code, Warehouse.code, Receipt.reference, Receipt.warehouse_id,
        )
        .join(Product, SerialItem.product_id == Product.id)
        .outerjoin(Bin, SerialItem.bin_id == Bin.id)
        .outerjoin(Warehouse, Bin.warehouse_id == Warehouse.id)
        .outerjoin(Receipt, SerialItem.receipt_id == Receipt.id)
        .where(condition)
        .with_for_update(of=SerialItem)
        .execution_options(populate_existing=True)
    )


_ITEM_BY_KEY = _item_statement(SerialItem.serial_key == bindparam("key"))
_ITEM_BY_ID = _item_statement(SerialItem.id == bindparam("item_id"))
_BIN_BY_CODE = (
    select(Bin).join(Bin.warehouse).options(contains_eager(Bin.warehouse))
    .where(Bin.code == bindparam("bin_code")).limit(2)
)
_BIN_BY_LABEL = (
    select(Bin).join(Bin.warehouse).options(contains_eager(Bin.warehouse))
    .where(Bin.code == bindparam("bin_code"), Warehouse.code == bindparam("warehouse_code")).limit(2)
)
_SESSION_BY_KEY = select(ScanSession).where(ScanSession.key == bindparam("key"))


def _already_scanned_statement(*, in_count: bool, same_bin: bool):
    stmt = select(ScanLog.id).where(
        ScanLog.item_id == bindparam("item_id"),
        ScanLog.result.in_((ACCEPTED, WARNING)),
        ScanLog.undone_at.is_(None),
        ScanLog.task == bindparam("task"),
        ScanLog.id != bindparam("log_id"),
    )
    if in_count:
        stmt = stmt.where(ScanLog.count_id == bindparam("count_id"))
    else:
        stmt = stmt.where(ScanLog.session_id == bindparam("session_id"))
    if same_bin:
        stmt = stmt.where(ScanLog.bin_id == bindparam("bin_id"))
    return stmt.limit(1)


_ALREADY_SCANNED = {
    (in_count, same_bin): _already_scanned_statement(in_count=in_count, same_bin=same_bin)
    for in_count in (False, True)
    for same_bin in (False, True)
}


def _bin_with_warehouse(session: Session, bin_id: int) -> Bin | None:
    return session.scalars(_BIN_BY_ID, {"bin_id": bin_id}).first()


def _locked_item(session: Session, *, key: str | None = None, item_id: int | None = None):
    """The item (by its unique serial key, or id), row-locked on PostgreSQL, with
    what an answer shows, in one statement. Returns (item, facts) or (None, None)."""
    if key is not None:
        row = session.execute(_ITEM_BY_KEY, {"key": key}).first()
    else:
        row = session.execute(_ITEM_BY_ID, {"item_id": item_id}).first()
    if row is None:
        return None, None
    item, sku, name, warranty, bin_code, warehouse_code, receipt, receipt_warehouse = row
    if item.bin_id is not None and bin_code is None:
        # The row lock waited for another scan that moved the item: PostgreSQL
        # re-read the locked item but not the outer-joined bin (its join no longer
        # matched), so the bin is read again, as committed.
        found = _bin_with_warehouse(session, item.bin_id)
        bin_code, warehouse_code = (found.code, found.warehouse.code) if found else (None, None)
    label = barcodes.bin_name(warehouse_code, bin_code) if bin_code else None
    return item, ItemFacts(sku, name, warranty or 0, item.bin_id, label, receipt, receipt_warehouse)


def find_bin(session: Session, label: barcodes.BinLabel) -> tuple[Bin | None, str | None]:
    """The bin a label names, or (None, why not)."""
    if label.warehouse_code:
        found = session.scalars(
            _BIN_BY_LABEL, {"bin_code": label.bin_code, "warehouse_code": label.warehouse_code}
        ).all()
    else:
        found = session.scalars(_BIN_BY_CODE, {"bin_code": label.bin_code}).all()
    if not found:
        return None, f"No bin {label.label}. Check the label, or ask for the bin to be set up."
    if len(found) > 1:
        return None, (
            f"Bin {label.bin_code} exists in several warehouses: print its label as "
            f"BIN:<warehouse>/{label.bin_code}."
        )
    if not found[0].active or not found[0].warehouse.active:
        return None, f"Bin {bin_label(found[0])} is no longer in use."
    return found[0], None


# --- the scan -------------------------------------------------------------------------


class _LogRow:
    """The scan log row of the scan in progress, written with two plain
    statements (claim, then answer) rather than through the ORM's unit of work."""

    def __init__(self, *, id: int, client_scan_id: str, task: str, code: str, at):  # noqa: A002
        self.id, self.client_scan_id, self.task, self.code, self.at = id, client_scan_id, task, code, at
        self.session_id = self.count_id = self.item_id = self.bin_id = None


def _claim(session: Session, *, scan_id: str, actor: User, task: str, code: str, at=None) -> _LogRow:
    """INSERT the scan log row: claims the client scan id (a resend fails here)."""
    at = at or utcnow()
    result = session.execute(
        _CLAIM, {"client_scan_id": scan_id, "user_id": actor.id, "task": task, "code": code,
                 "result": "pending", "at": at},
    )
    return _LogRow(id=result.inserted_primary_key[0], client_scan_id=scan_id, task=task, code=code, at=at)


class _Scan:
    """One scan in progress: the log row it fills in and what it answers."""

    def __init__(self, session: Session, log: _LogRow, actor: User, settings: ScanSettings):
        self.session = session
        self.log = log
        self.actor = actor
        self.settings = settings
        self.scan_session: ScanSession | None = None
        self.target: Bin | None = None
        self.order_ref: str | None = None
        self.item: SerialItem | None = None
        self.facts: ItemFacts | None = None
        self.extra: dict = {}
        self.time: ScanTime | None = None
        self.corrected_from: str | None = None  # the serial scanned, corrected since to the item's

    @property
    def at(self) -> datetime:
        """When the scan was made (the device's time when believable)."""
        return self.log.at

    def answer(
        self, result: str, message: str, *, kind: str = "serial", undoable: bool = False,
        recorded: bool | None = None, headline: str | None = None,
    ) -> dict:
        """Write the answer to the scan log and return it. ``recorded=False`` marks a
        warning that changed nothing (shown as info, not as "done with a note");
        ``headline`` is the banner's one line when the message is long."""
        log = self.log
        if recorded is None:
            recorded = result != REFUSED
        if self.corrected_from is not None and self.item is not None:
            message = f"{self.corrected_from} was corrected to {self.item.serial}. {message}"
        if self.item is not None:
            log.item_id = self.item.id
        if self.target is not None:
            log.bin_id = self.target.id
        body = {
            "client_scan_id": log.client_scan_id,
            "task": log.task,
            "code": log.code,
            "kind": kind,
            "result": result,
            "message": message,
            "item": item_facts(self.item, self.facts) if self.item is not None else None,
            "undoable": undoable and result != REFUSED,
            "at": log.at.isoformat(timespec="seconds"),
            "recorded": recorded,
            "feedback": "info" if kind == "confirm" or (not recorded and result == WARNING) else result,
        }
        if headline:
            body["headline"] = headline
        if self.time is not None:
            body["time_source"] = self.time.source
        if self.scan_session is not None:
            body["context"] = {
                "bin": bin_label(self.target),
                "order_ref": self.order_ref,
                "counting": bool(self.scan_session.count_id),
                "scanned": self._running_count(result),
            }
        body.update(self.extra)
        self.session.execute(
            _ANSWER,
            {"log_id": log.id, "result": result, "message": message, "item_id": log.item_id,
             "bin_id": log.bin_id, "session_id": log.session_id, "count_id": log.count_id,
             "answer": json.dumps(body)},
        )
        return body

    def refused(self, message: str, **kw) -> dict:
        return self.answer(REFUSED, message, **kw)

    def _running_count(self, result: str) -> str | None:
        """The header's running count, this scan included: "12 in this bin"."""
        counted = running_count(
            self.session, session_id=self.scan_session.id, task=self.log.task,
            bin_id=self.target.id if self.target is not None else None, count_id=self.log.count_id,
            order_ref=self.order_ref, log_id=self.log.id, item_id=self.item.id if self.item is not None else None,
        )
        if counted is None:
            return None
        what, before, this_one_counted = counted
        adds = self.item is not None and result != REFUSED and not this_one_counted
        return f"{before + (1 if adds else 0)} {what}"


def running_count(
    session: Session, *, session_id: int, task: str, bin_id: int | None, count_id: int | None,
    order_ref: str | None, log_id: int | None = None, item_id: int | None = None,
) -> tuple[str, int, bool] | None:
    """How many items a page's session has scanned into its bin, order or count
    (one statement; index ix_scan_log_session_item): (what, how many, whether
    ``item_id`` is among them), leaving out the scan ``log_id`` in progress."""
    if task in ("put_away", "move") and bin_id is not None:
        where, what = (ScanLog.bin_id == bin_id), "in this bin"
    elif task == "count" and count_id:
        where, what = (ScanLog.count_id == count_id), "in this count"
    elif task == "ship" and order_ref:
        where, what = (SerialItem.order_ref == order_ref), "in this order"
    else:
        return None
    stmt = select(
        func.count(func.distinct(ScanLog.item_id)),
        func.max(case((ScanLog.item_id == item_id, 1), else_=0)),
    ).where(
        ScanLog.session_id == session_id, ScanLog.task == task,
        ScanLog.result.in_((ACCEPTED, WARNING)), ScanLog.undone_at.is_(None), ScanLog.item_id.is_not(None),
        where,
    )
    if log_id is not None:
        stmt = stmt.where(ScanLog.id != log_id)
    if task == "ship":
        stmt = stmt.join(SerialItem, SerialItem.id == ScanLog.item_id)
    before, this_one = session.execute(stmt).one()
    return what, before or 0, bool(this_one)


def record_scan(
    session: Session,
    *,
    actor: User,
    client_scan_id: str,
    task: str,
    code: str | None,
    session_key: str | None = None,
    warehouse_code: str | None = None,
    bin_code: str | None = None,
    order_ref: str | None = None,
    defect_reason: str | None = None,
    settings: ScanSettings | None = None,
    scanned_at: str | datetime | None = None,
    confirm_order: bool = False,
    defect_stage: str | None = None,
    note: str | None = None,
    customer_return: ReturnScan | None = None,
    expiry_override: str | None = None,
    condition: str | None = None,
) -> dict:
    """Record one scan and return its answer (``result``: accepted, warning or
    refused, and a ``message`` saying why and what to do). A page passes its
    ``session_key`` (sticky bin and order live in that session); the API passes
    ``warehouse_code``/``bin_code`` and ``order_ref`` itself. ``scanned_at`` is when
    the device made the scan (see :func:`scan_time`); ``confirm_order`` (ship,
    pages) takes the code as the order reference even if it does not look like one.
    A defect scan takes its ``defect_reason``, ``note`` and ``defect_stage`` (the
    item's stage by default); a customer return (task ``return``, the code is the
    returned serial) takes the outcome and what it needs in ``customer_return``;
    a condition scan the ``condition`` to set (and its ``note``).
    A ship scan of an expired unit is refused unless ``expiry_override`` is a
    manager's note (:mod:`portal.items.expiry`).
    Raises :class:`Invalid` only for a malformed request; everything an operator
    can scan gets an answer."""
    settings = settings or ScanSettings()
    scan_id = clean_scan_id(client_scan_id)
    if task not in SCAN_TASKS:
        raise Invalid(f"Unknown scan task {task!r}.", code="invalid_task")
    raw = code if isinstance(code, str) else ""
    when = scan_time(scanned_at, now=utcnow(), max_age_s=settings.device_time_max_age_s)
    log = _claim(session, scan_id=scan_id, actor=actor, task=task, code=barcodes.printable(raw.strip("\r\n"))[:200],
                 at=when.at)
    scan = _Scan(session, log, actor, settings)
    scan.time = when if scanned_at is not None else None
    if when.refusal:
        return scan.refused(when.refusal, kind="none")
    with session.no_autoflush:  # everything else is written by the one flush at commit
        return _record(session, log, scan, raw=raw, session_key=session_key,
                       warehouse_code=warehouse_code, bin_code=bin_code, order_ref=order_ref,
                       confirm_order=confirm_order,
                       details=ScanDetails(defect_reason, defect_stage, note, customer_return, expiry_override,
                                           condition))


def _record(session, log, scan, *, raw, session_key, warehouse_code, bin_code, order_ref, details,
            confirm_order=False) -> dict:
    task, actor, settings = log.task, scan.actor, scan.settings

    if session_key is not None:
        scan.scan_session = _scan_session(session, key=session_key, actor=actor, task=task)
        log.session_id = scan.scan_session.id
        if scan.scan_session.bin_id:
            scan.target = _bin_with_warehouse(session, scan.scan_session.bin_id)
        scan.order_ref = scan.scan_session.order_ref
        log.count_id = scan.scan_session.count_id
    else:
        if bin_code:
            label = barcodes.BinLabel(
                bin_code=bin_code.strip().upper(), warehouse_code=(warehouse_code or "").strip().upper() or None
            )
            scan.target, why = find_bin(session, label)
            if scan.target is None:
                return scan.refused(why, kind="bin")
        if order_ref is not None:
            text = order_ref.strip()
            if not text or len(text) > MAX_ORDER_REF or barcodes.UNPRINTABLE.search(text):
                return scan.refused(f"An order reference has 1 to {MAX_ORDER_REF} printable characters.")
            scan.order_ref = text

    try:
        read = barcodes.read_code(raw, bin_prefix=settings.bin_label_prefix)
    except barcodes.BadCode as error:
        return scan.refused(str(error), kind="none")

    if isinstance(read, barcodes.BinLabel):
        return _bin_scanned(scan, read)
    if task == "ship" and scan.scan_session is not None and (confirm_order or not scan.order_ref):
        return _order_scanned(scan, raw.strip(), confirmed=confirm_order)
    return _serial_scanned(scan, read, details)


def _scan_session(session: Session, *, key: str, actor: User, task: str) -> ScanSession:
    key = clean_session_key(key)
    found = session.scalars(_SESSION_BY_KEY, {"key": key}).first()
    if found is None:
        found = ScanSession(key=key, user_id=actor.id, task=task)
        session.add(found)
        session.flush()
    elif found.user_id != actor.id or found.task != task:
        raise Invalid("This scan session belongs to another user or task; reload the page.", code="invalid_session")
    return found


def _bin_scanned(scan: _Scan, read: barcodes.BinLabel) -> dict:
    task = scan.log.task
    if task not in BIN_TASKS and task != "lookup":
        return scan.refused(f"That is a bin label ({read.label}); this task needs serials.", kind="bin")
    found, why = find_bin(scan.session, read)
    if found is None:
        return scan.refused(why, kind="bin")
    if task == "lookup":
        scan.target = found
        return _bin_lookup(scan, found)
    if scan.scan_session is None:  # the API names its bin in "bin"; "serial" must be a serial
        return scan.refused(f"That is a bin label ({read.label}), not a serial.", kind="bin")
    scan.target = found
    scan.scan_session.bin_id = found.id
    if task == "count":
        count = BinCount(bin_id=found.id, user_id=scan.actor.id, status="open")
        scan.session.add(count)
        scan.session.flush()
        scan.scan_session.count_id = count.id
        scan.log.count_id = count.id
        return scan.answer(
            ACCEPTED, f"Counting bin {bin_label(found)}: scan every item in it, then Finish.", kind="bin"
        )
    verb = "Put away into" if task == "put_away" else "Move into"
    return scan.answer(ACCEPTED, f"{verb} bin {bin_label(found)}: now scan the serials.", kind="bin")


def _bin_lookup(scan: _Scan, found: Bin) -> dict:
    """A bin label in Look up: what is in the bin (the first few, and how many)."""
    in_bin = SerialItem.bin_id == found.id
    total = scan.session.scalar(select(func.count()).select_from(SerialItem).where(in_bin))
    rows = scan.session.execute(
        select(SerialItem.serial, Product.sku, SerialItem.status)
        .join(Product, SerialItem.product_id == Product.id)
        .where(in_bin).order_by(SerialItem.serial_key).limit(BIN_LOOKUP_LIMIT)
    ).all()
    scan.extra["bin_items"] = {
        "total": total,
        "shown": [{"serial": serial, "sku": sku, "status": status} for serial, sku, status in rows],
    }
    more = f" (the first {len(rows)} listed)" if total > len(rows) else ""
    return scan.answer(ACCEPTED, f"Bin {bin_label(found)}: {total} item(s) in it{more}.", kind="bin")


def _order_scanned(scan: _Scan, text: str, *, confirmed: bool = False) -> dict:
    """Ship: the code scanned where an order reference is due (no order open,
    or "Yes, start this order"). A code that does not look like an order
    reference becomes one only once the operator confirms it."""
    if not text or len(text) > MAX_ORDER_REF or barcodes.UNPRINTABLE.search(text):
        return scan.refused(f"An order reference has 1 to {MAX_ORDER_REF} printable characters.", kind="order")
    key = serial_key(text)
    is_serial = scan.session.scalar(select(SerialItem.id).where(SerialItem.serial_key == key))
    if is_serial:
        return scan.refused(
            f"{text} is a serial: scan the order reference first, then the serials.", kind="order"
        )
    if not confirmed and not scan.settings.looks_like_order_ref(text):
        scan.extra["confirm"] = {"order_ref": text, "question": f"Use {text} as the order reference?"}
        return scan.answer(
            REFUSED, f"{text} does not look like an order reference. Use it as one? Nothing recorded yet.",
            kind="confirm", recorded=False, headline=f"Use {text} as the order reference?",
        )
    previous = scan.order_ref
    scan.scan_session.order_ref = text
    scan.order_ref = text
    closed = f"Order {previous} closed. " if previous and previous != text else ""
    return scan.answer(ACCEPTED, f"{closed}Order {text}: now scan the serials to ship.", kind="order",
                       headline=f"Order {text}: scan the serials.")


def _already_scanned(scan: _Scan, item: SerialItem, *, same_bin: bool = False) -> bool:
    if scan.scan_session is None:
        return False
    same_bin = same_bin and scan.target is not None
    stmt = _ALREADY_SCANNED[(scan.log.task == "count", same_bin)]
    params = {
        "item_id": item.id, "task": scan.log.task, "log_id": scan.log.id, "count_id": scan.log.count_id,
        "session_id": scan.scan_session.id, "bin_id": scan.target.id if same_bin else None,
    }
    return scan.session.scalar(stmt, params) is not None


def _serial_scanned(scan: _Scan, read: barcodes.SerialCode, details: ScanDetails) -> dict:
    task = scan.log.task
    if task in BIN_TASKS and scan.target is None:
        return scan.refused("Scan a bin label first: serials go into the last bin scanned.")
    if task == "count" and not scan.log.count_id and scan.scan_session is not None:
        return scan.refused("Scan the bin label to start a count.")
    if task == "ship" and not scan.order_ref:
        return scan.refused("Scan or type the order reference first.")
    key = serial_key(read.serial)
    item, scan.facts = _locked_item(scan.session, key=key)
    if item is None:  # a serial corrected away still finds its item (never a live serial of another)
        former = item_id_by_former_serial(scan.session, key)
        if former is not None:
            item, scan.facts = _locked_item(scan.session, item_id=former)
            scan.corrected_from = read.serial
    if item is None:
        if task == "ship" and scan.scan_session is not None and scan.settings.looks_like_order_ref(read.serial):
            scan.extra["confirm"] = {
                "order_ref": read.serial,
                "question": f"Start order {read.serial}? Order {scan.order_ref} is closed.",
            }
            return scan.answer(
                REFUSED, f"{read.serial} looks like an order reference: start that order? Nothing recorded yet.",
                kind="confirm", recorded=False, headline=f"Start order {read.serial}?",
            )
        what = f"{read.serial} (GTIN {read.gtin})" if read.gtin else read.serial
        if task == "return":
            return scan.refused(unknown_return(what))
        return scan.refused(
            f"Unknown serial {what}: it is on no supplier list. Put it aside and tell the receiving desk."
        )
    scan.item = item
    if task == "return":
        return _return(scan, item, details.customer_return)
    if task not in ("lookup", "condition") and _already_scanned(scan, item, same_bin=task == "move"):
        return scan.answer(WARNING, f"{item.serial}: already scanned in this session. Nothing new recorded.",
                           recorded=False)
    handler = {
        "put_away": _put_away,
        "move": _move,
        "count": _count,
        "ship": _ship,
        "defect": _defect,
        "lookup": _lookup,
        "condition": _condition,
    }[task]
    if task in ("defect", "condition"):
        return handler(scan, item, details)
    if task == "put_away":
        return handler(scan, item, read)
    if task == "ship":
        return handler(scan, item, details)
    return handler(scan, item)


def _refusal_for(item: SerialItem, *, doing: str, unreceived: str | None) -> str | None:
    """Why an item in its current status cannot be put away, moved or shipped
    (an expected item too, when ``unreceived`` says what to do instead)."""
    if item.status == S.SOLD:
        return f"{_sold(item)}: it cannot be {doing}. Give it to a supervisor."
    if item.status == S.RETURNED_TO_SUPPLIER:
        return f"{item.serial} was returned to the supplier: it cannot be {doing}. Give it to a supervisor."
    if item.status == S.DEFECTIVE and doing != "moved":
        return f"{item.serial} is flagged defective: it cannot be {doing}. Take it to quarantine."
    if item.status == S.EXPECTED and unreceived:
        return f"{item.serial} has not been received yet: {unreceived}."
    return None


def _refused(scan: _Scan, item: SerialItem, *, doing: str, unreceived: str | None = None) -> dict | None:
    """The refused answer for an item whose status rules ``doing`` out (see :func:`_refusal_for`), else None."""
    why = _refusal_for(item, doing=doing, unreceived=unreceived)
    return scan.refused(why) if why else None


def _transition(scan: _Scan, item: SerialItem, **kwargs):
    return ledger.transition(scan.session, item, actor=scan.actor, client_scan_id=scan.log.client_scan_id,
                             at=scan.at, **kwargs)


def _put_away(scan: _Scan, item: SerialItem, read: barcodes.SerialCode) -> dict:
    target = scan.target
    refused = _refused(scan, item, doing="put away") or _other_warehouse(scan, item, target)
    if refused:
        return refused
    if item.status == S.EXPECTED:
        _transition(scan, item, to_status=S.IN_STOCK, kind=MovementKind.RECEIVED, to_bin=target)
        item.received_at = scan.at
        receipt = f" (receipt {scan.facts.receipt})" if scan.facts.receipt else ""
        return _with_lot(scan, item, read, ACCEPTED, f"{item.serial} received into {bin_label(target)}{receipt}.")
    answered = _found_or_already_there(scan, item, target)
    if answered:
        return answered
    was = scan.facts.bin_label
    _transition(scan, item, to_status=S.IN_STOCK, kind=MovementKind.MOVED, to_bin=target)
    return _with_lot(scan, item, read, WARNING, f"{item.serial} was already in stock in {was}: moved to "
                                                f"{bin_label(target)}.")


def _with_lot(scan: _Scan, item: SerialItem, read: barcodes.SerialCode, result: str, message: str) -> dict:
    """A put-away's answer after the scanned code's batch and expiry are kept
    (:func:`portal.items.expiry.keep_scanned`): a warning where they differ from the list's."""
    differs = expiry.keep_scanned(item, batch=read.batch, expiry=read.expiry) if read.gs1 else []
    if differs:
        return scan.answer(WARNING, f"{message} Note: {'; '.join(differs)}.", undoable=True,
                           headline=f"{item.serial} put away. Its label differs from the list.")
    return scan.answer(result, message, undoable=True)


def _other_warehouse(scan: _Scan, item: SerialItem, target: Bin) -> dict | None:
    """A put-away into a bin of another warehouse than the one the item is in, or
    was received for, is refused (issue 12, bad input: a label of another
    warehouse): the operator scans a bin of the item's own warehouse."""
    own = item.warehouse_id or scan.facts.receipt_warehouse_id
    if own is None or own == target.warehouse_id:
        return None
    code = scan.session.scalar(select(Warehouse.code).where(Warehouse.id == own))
    expected = "is expected in" if item.status == S.EXPECTED else "is in"
    return scan.refused(
        f"{item.serial} {expected} warehouse {code}, but {bin_label(target)} is a bin of {target.warehouse.code}: "
        f"scan a bin label of {code}. Nothing recorded.", kind="bin")


def _found_or_already_there(scan: _Scan, item: SerialItem, target) -> dict | None:
    """What put-away and move both answer before moving anything: a missing item
    turns up (found, into the target bin), or the item is already in that bin."""
    if item.status == S.MISSING:
        _transition(scan, item, to_status=S.IN_STOCK, kind=MovementKind.FOUND, to_bin=target)
        return scan.answer(
            WARNING, f"{item.serial} was marked missing: found, and now in {bin_label(target)}.", undoable=True
        )
    if item.bin_id == target.id:
        return scan.answer(WARNING, f"{item.serial} is already in {bin_label(target)}. Nothing recorded.",
                           recorded=False)
    return None


def _move(scan: _Scan, item: SerialItem) -> dict:
    target = scan.target
    refused = _refused(scan, item, doing="moved", unreceived="use Put away to receive it")
    if refused:
        return refused
    answered = _found_or_already_there(scan, item, target)
    if answered:
        return answered
    quarantined = ledger.quarantine_refusal(item, to_status=item.status, kind=MovementKind.MOVED, to_bin=target)
    if quarantined:
        return scan.refused(quarantined)
    was = scan.facts.bin_label
    _transition(scan, item, to_status=item.status, kind=MovementKind.MOVED, to_bin=target)
    return scan.answer(ACCEPTED, f"{item.serial} moved from {was} to {bin_label(target)}.", undoable=True)


def _count(scan: _Scan, item: SerialItem) -> dict:
    target = scan.target
    if item.bin_id == target.id and item.status in ledger.IN_A_BIN:
        return scan.answer(ACCEPTED, f"{item.serial} counted.", undoable=True)
    where = f"in {scan.facts.bin_label}" if item.bin_id else human(item.status)
    return scan.answer(
        WARNING, f"{item.serial} counted, but the system has it {where}: Finish lists it as unexpected.",
        undoable=True,
    )


def _ship(scan: _Scan, item: SerialItem, details: ScanDetails) -> dict:
    refused = _refused(scan, item, doing="shipped", unreceived="it cannot be shipped")
    if refused:
        return refused
    if item.status == S.MISSING:
        return scan.refused(f"{item.serial} is marked missing: put it away first (that finds it), then ship it.")
    if recalled := recalls.shipping_refusal(scan.session, item):
        return scan.refused(recalled)
    expired = expiry.check_shipping(item, today=scan.at.date(), actor=scan.actor, override=details.expiry_override)
    if expired.refusal:
        if expired.may_override:
            scan.extra["expired"] = {"serial": item.serial, "expires_at": item.expires_at.isoformat()}
        return scan.refused(expired.refusal)
    older = _older_unit(scan.session, item, today=scan.at.date())
    warning = None
    if older is not None:
        older_serial, older_bin, older_wh = older.serial, older.bin, older.warehouse
        warning, first = older.advice(item, sku=scan.facts.sku, where=barcodes.bin_name(older_wh, older_bin))
        if scan.settings.fifo_enforced:
            scan.extra["older_unit"] = {"serial": older_serial, "bin": barcodes.bin_name(older_wh, older_bin)}
            return scan.refused(f"Not shipped. {warning}")
    now = scan.at
    note = f"order {scan.order_ref}" + (f"; {expired.note}" if expired.note else "")
    ledger.sell(scan.session, item, order_ref=scan.order_ref,
                warranty_ends_on=add_months(now.date(), scan.facts.warranty_months), actor=scan.actor,
                note=note, client_scan_id=scan.log.client_scan_id, at=now)
    shipped = f"{item.serial} shipped on order {scan.order_ref}; warranty until {item.warranty_ends_on:%Y-%m-%d}."
    if expired.note:
        shipped += f" It expired on {item.expires_at:%Y-%m-%d}: shipped by a manager's override."
    if warning:
        scan.extra["older_unit"] = {"serial": older_serial, "bin": barcodes.bin_name(older_wh, older_bin)}
        return scan.answer(WARNING, f"{shipped} {warning}", undoable=True,
                           headline=f"{item.serial} shipped. {first}: {older_serial} in "
                                    f"{barcodes.bin_name(older_wh, older_bin)}.")
    return scan.answer(ACCEPTED, shipped, undoable=True)


def _older_unit(session: Session, item: SerialItem, *, today: date) -> expiry.Suggestion | None:
    """The unit of the same SKU in stock in the same warehouse that should ship first:
    the one that expires first, then the first in (:func:`portal.items.expiry.first_to_ship`)."""
    return expiry.first_to_ship(session, item, today=today)


#: The stage a defect is found at, by what the item is when it is flagged (unless the scan names one).
STAGE_BY_STATUS = {
    S.EXPECTED: DefectStage.RECEIVING,
    S.IN_STOCK: DefectStage.STORAGE,
}


def _defect(scan: _Scan, item: SerialItem, details: ScanDetails) -> dict:
    """Flag a defect through the one rule (:func:`portal.defects.services.flag_defect`):
    the report and the move into the warehouse's quarantine bin together. A sold
    item comes back through the customer return task, which checks the sale."""
    if item.status == S.DEFECTIVE:
        return scan.answer(WARNING, f"{item.serial} is already flagged defective. Nothing recorded.",
                           recorded=False)
    if item.status == S.SOLD:
        return scan.refused(f"{_sold(item)}: take it back with the Customer return task, which checks its "
                            "sale and warranty.")
    reason = details.defect_reason or DefectReason.FUNCTIONAL
    stage = details.defect_stage or STAGE_BY_STATUS.get(S(item.status), DefectStage.STORAGE)
    try:
        report = defects.flag_defect(scan.session, item=item, reason=reason, stage=stage, actor=scan.actor,
                                     note=details.note, client_scan_id=scan.log.client_scan_id)
    except DomainError as refused:
        return scan.refused(refused.message)
    kept = defect_queries.reason_by_code(scan.session, report.reason_code)
    return scan.answer(
        ACCEPTED, f"{item.serial} flagged defective ({kept.name}): take it to {bin_label(item.bin)}.",
        undoable=True,
    )


def _condition(scan: _Scan, item: SerialItem, details: ScanDetails) -> dict:
    """The condition task: the serial gets the condition the operator chose (one
    movement, undoable); one already in it is a warning that records nothing.
    Which statuses allow it is the ledger's rule."""
    wanted = (details.condition or "").strip()
    if not wanted:
        return scan.refused("Choose the condition first, then scan the serials.")
    try:
        condition_changes.change(scan.session, item=item, attribute="condition", value=wanted, actor=scan.actor,
                                 note=details.note, client_scan_id=scan.log.client_scan_id, at=scan.at)
    except DomainError as refused:
        if refused.code == "condition_unchanged":
            return scan.answer(WARNING, f"{item.serial} is already {human(wanted)}. Nothing recorded.",
                               recorded=False)
        return scan.refused(refused.message)
    return scan.answer(ACCEPTED, f"{item.serial} is now {human(item.condition)}.", undoable=True)


def _sold(item: SerialItem) -> str:
    """"SN-1 was sold on 2026-05-01 (order SO-7)"."""
    sold = f" on {item.sold_at:%Y-%m-%d}" if item.sold_at else ""
    order = f" (order {item.order_ref})" if item.order_ref else ""
    return f"{item.serial} was sold{sold}{order}"


# --- customer returns -----------------------------------------------------------------


@dataclass(frozen=True)
class ReturnScan:
    """A customer return's outcome as the station or the API sends it (see
    :func:`portal.customer_returns.services.take_return`). ``bin`` is a bin label
    as scanned, or (with ``warehouse``) a bin code."""

    outcome: str
    order_ref: str | None = None
    condition: str | None = None
    warehouse: str | None = None
    bin: str | None = None
    reason: str | None = None
    replacement_serial: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class ScanDetails:
    """What a defect, return or condition scan carries besides its code."""

    defect_reason: str | None = None
    defect_stage: str | None = None
    note: str | None = None
    customer_return: ReturnScan | None = None
    #: ship: a manager's note that ships an expired unit anyway
    expiry_override: str | None = None
    condition: str | None = None  # the condition task: what every serial scanned becomes


def unknown_return(serial: str) -> str:
    return (f"Unknown serial {serial}: no item of ours has it, so it was not sold here. "
            "Check the serial on the item.")


def warranty_words(state: WarrantyState) -> tuple[str, str]:
    """("in warranty" or "out of warranty", "120 days left" / "3 days over" / "no warranty")."""
    if state.days_left is None:
        return "out of warranty", "no warranty"
    if state.in_warranty:
        days = state.days_left
        return "in warranty", "last day" if days == 0 else f"{days} day{'s' if days != 1 else ''} left"
    over = state.days_over or 0
    return "out of warranty", f"{over} day{'s' if over != 1 else ''} over"


def return_check(session: Session, *, code: str, order_ref: str | None, settings: ScanSettings,
                 today: date | None = None) -> dict:
    """The station's warranty check before a customer return's outcome is chosen
    (a read: nothing recorded). ``result`` is ``accepted`` with the sale and the
    warranty, ``order`` when the code is an order reference rather than a serial,
    or ``refused`` saying why (unknown, never sold, sold under another order)."""
    raw = (code or "").strip()
    try:
        read = barcodes.read_code(raw, bin_prefix=settings.bin_label_prefix)
    except barcodes.BadCode as error:
        return {"result": REFUSED, "message": str(error)}
    if isinstance(read, barcodes.BinLabel):
        return {"result": REFUSED, "message": f"That is a bin label ({read.label}): scan the returned serial."}
    given = (order_ref or "").strip() or None
    if given and (len(given) > MAX_ORDER_REF or barcodes.UNPRINTABLE.search(given)):
        return {"result": REFUSED, "message": f"An order reference has 1 to {MAX_ORDER_REF} printable characters."}
    try:
        checked = customer_returns.returnable(session, serial=read.serial, order_ref=given, today=today)
    except NotFound:
        if settings.looks_like_order_ref(read.serial):
            return {"result": "order", "order_ref": read.serial,
                    "message": f"Order {read.serial}: now scan the returned serial."}
        return {"result": REFUSED, "message": unknown_return(read.serial)}
    except DomainError as refused:
        return {"result": REFUSED, "message": refused.message, "code": refused.code}
    item, state = checked.item, checked.warranty
    verdict, days = warranty_words(state)
    return {
        "result": ACCEPTED, "serial": item.serial, "sku": item.product.sku, "product": item.product.name,
        "order_ref": item.order_ref, "sold_on": state.sold_at.date() if state.sold_at else None,
        "warranty_ends_on": state.ends_on, "in_warranty": state.in_warranty, "verdict": verdict, "days": days,
        "message": f"{item.serial}: {verdict}, {days}.",
    }


def _return_bin(scan: _Scan, taking: ReturnScan) -> tuple[Bin | None, str | None]:
    """The storage bin a restock goes into: a scanned label (pages) or warehouse and bin codes (API)."""
    text = (taking.bin or "").strip()
    if taking.warehouse:
        label = barcodes.BinLabel(bin_code=text.upper(), warehouse_code=taking.warehouse.strip().upper())
    else:
        try:
            read = barcodes.read_code(text, bin_prefix=scan.settings.bin_label_prefix)
        except barcodes.BadCode as error:
            return None, str(error)
        label = read if isinstance(read, barcodes.BinLabel) else barcodes.BinLabel(bin_code=read.serial.upper())
    return find_bin(scan.session, label)


def _return(scan: _Scan, item: SerialItem, taking: ReturnScan | None) -> dict:
    """A customer return at the station or through the scans API: the sale is
    checked, then the outcome is taken by the one service
    (:func:`portal.customer_returns.services.take_return`); a refusal is the
    scan's answer and leaves nothing half done."""
    if taking is None:
        return scan.refused("A customer return needs its outcome: restock, defective or exchange.")
    session, today = scan.session, scan.at.date()
    order_ref = (taking.order_ref or "").strip() or None
    try:
        customer_returns.returnable(session, serial=item.serial, order_ref=order_ref, today=today)
    except DomainError as refused:
        return scan.refused(refused.message)
    warehouse = taking.warehouse
    bin_code = None
    if taking.outcome == "restock":
        if not (taking.bin or "").strip():  # the label names the warehouse too
            return scan.refused("A restock needs a bin: scan the label of the storage bin it goes into.")
        scan.target, why = _return_bin(scan, taking)
        if scan.target is None:
            return scan.refused(why, kind="bin")
        warehouse, bin_code = scan.target.warehouse.code, scan.target.code
    try:
        with session.begin_nested():  # all of the outcome or none of it
            taken = customer_returns.take_return(
                session, serial=item.serial, outcome=taking.outcome, actor=scan.actor, order_ref=order_ref,
                condition=taking.condition, warehouse=warehouse, bin_code=bin_code, reason=taking.reason,
                replacement_serial=taking.replacement_serial, note=taking.note, today=today,
                client_scan_id=scan.log.client_scan_id,
            )
    except DomainError as refused:
        return scan.refused(refused.message)
    state = taken.warranty
    verdict, days = warranty_words(state)
    scan.extra["warranty"] = {"in_warranty": state.in_warranty, "ends_on": state.ends_on and state.ends_on.isoformat(),
                              "days_left": state.days_left}
    sale = f"order {item.order_ref}, {verdict} ({days})"
    if taking.outcome == "restock":
        message = f"{item.serial} back in stock in {bin_label(scan.target)} as {item.condition}; {sale}."
        headline = f"{item.serial} back in stock in {bin_label(scan.target)}."
    else:
        reason = defect_queries.reason_by_code(session, taking.reason.strip()).name
        quarantine = bin_label(item.bin)
        message = f"{item.serial} defective ({reason}): take it to {quarantine}; {sale}."
        headline = f"{item.serial} defective: take it to {quarantine}."
    replacement = taken.replacement
    if replacement is not None:
        _, facts = _locked_item(session, item_id=replacement.id)
        scan.extra["replacement"] = item_facts(replacement, facts)
        message += (f" Give the customer {replacement.serial} (order {replacement.order_ref}, warranty until "
                    f"{replacement.warranty_ends_on:%Y-%m-%d}).") if replacement.warranty_ends_on else \
            f" Give the customer {replacement.serial} (order {replacement.order_ref})."
        headline = f"Give the customer {replacement.serial}; {item.serial} to quarantine."
    return scan.answer(ACCEPTED, message, headline=headline)


def _lookup(scan: _Scan, item: SerialItem) -> dict:
    known = (item.bin_id and f"bin {scan.facts.bin_label}", item.order_ref and f"order {item.order_ref}",
             item.received_at and f"received {item.received_at:%Y-%m-%d}")
    facts = [scan.facts.sku, scan.facts.product, human(item.status), *(fact for fact in known if fact)]
    return scan.answer(ACCEPTED, f"{item.serial}: " + ", ".join(facts) + ".")


# --- undo, ship order, count ----------------------------------------------------------


def undo_scan(
    session: Session, *, actor: User, client_scan_id: str, target_scan_id: str, page_task: str | None = None
) -> dict:
    """Undo one of the operator's own scans: the item goes back with a reversing
    movement (or, in a count, the scan no longer counts). Only while nothing
    else has happened to the item since."""
    scan_id = clean_scan_id(client_scan_id)
    target_id = target_scan_id.strip() if isinstance(target_scan_id, str) else ""
    log = _claim(session, scan_id=scan_id, actor=actor, task="undo", code="undo")
    scan = _Scan(session, log, actor, ScanSettings())
    scan.extra["page_task"] = page_task
    target = session.execute(
        select(SCAN_LOG).where(SCAN_LOG.c.client_scan_id == target_id, SCAN_LOG.c.user_id == actor.id)
        .with_for_update()
    ).first()
    if target is None or target.result not in (ACCEPTED, WARNING) or target.item_id is None:
        return scan.refused("Nothing to undo.", kind="undo")
    log.code = f"undo {target.code}"[:190]
    session.execute(update(SCAN_LOG).where(SCAN_LOG.c.id == log.id).values(code=log.code))
    log.session_id = target.session_id
    if target.task == "return":
        return scan.refused(f"{target.code}: a customer return is not undone at the station. Ask a supervisor.",
                            kind="undo")
    if target.undone_at is not None:
        return scan.refused(f"{target.code} was already undone.", kind="undo")
    item, scan.facts = _locked_item(session, item_id=target.item_id)
    scan.item = item
    mark_undone = update(SCAN_LOG).where(SCAN_LOG.c.id == target.id).values(undone_at=utcnow())
    made = session.scalar(select(Movement.id).where(Movement.client_scan_id == target.client_scan_id))
    if made is None:
        if target.task != "count":
            return scan.refused(f"{item.serial}: that scan changed nothing, so there is nothing to undo.", kind="undo")
        session.execute(mark_undone)
        return scan.answer(ACCEPTED, f"{item.serial} no longer counted.", kind="undo")
    latest = session.scalar(
        select(Movement.id).where(Movement.item_id == item.id).order_by(Movement.id.desc()).limit(1)
    )
    if latest != made:
        return scan.refused(
            f"{item.serial} has changed since that scan: it can no longer be undone here. "
            "Scan it again where it belongs.",
            kind="undo",
        )
    ledger.reverse_last_movement(session, item, actor=actor, client_scan_id=scan_id)
    if target.task == "defect":
        # the report that scan filed is marked undone (never deleted), or the defects
        # report would count a unit that was never defective (the ledger keeps both movements)
        items.withdraw_latest_defect_report(session, item, actor=actor)
    session.execute(mark_undone)
    where = f"back in {current_bin_label(item, scan.facts)}" if item.bin_id else human(item.status)
    return scan.answer(ACCEPTED, f"Undone: {item.serial} is {human(item.status)}, {where}.", kind="undo")


def stored_answer(session: Session, *, client_scan_id: str, actor: User) -> dict | None:
    """The first answer to a scan id already recorded (for a resend)."""
    row = session.execute(
        select(ScanLog.answer, ScanLog.user_id).where(ScanLog.client_scan_id == client_scan_id)
    ).first()
    if row is None or row.answer is None:
        return None
    if row.user_id != actor.id:
        raise Invalid("This client_scan_id was used by another user.", code="invalid_client_scan_id")
    answer = json.loads(row.answer)
    answer["replayed"] = True
    return answer


def new_order(session: Session, *, actor: User, session_key: str) -> dict:
    """Ship: close the current order; the next scan is the next order's reference."""
    scan_session = _scan_session(session, key=session_key, actor=actor, task="ship")
    previous = scan_session.order_ref
    scan_session.order_ref = None
    message = f"Order {previous} closed. " if previous else ""
    return {"result": ACCEPTED, "message": message + "Scan the order reference of the next order."}


def session_context(session: Session, *, actor: User, session_key: str | None, task: str) -> dict:
    """The sticky bin, order and open count of a page's session (for the page header)."""
    context = {"bin": None, "order_ref": None, "counting": False, "count_id": None, "scanned": None}
    if not session_key or not CLIENT_SCAN_ID.match(session_key):
        return context
    found = session.scalars(
        select(ScanSession).where(ScanSession.key == session_key, ScanSession.user_id == actor.id)
    ).first()
    if found is None or found.task != task:
        return context
    if found.bin_id:
        context["bin"] = bin_label(_bin_with_warehouse(session, found.bin_id))
    context["order_ref"] = found.order_ref
    context["counting"] = bool(found.count_id)
    context["count_id"] = found.count_id
    counted = running_count(session, session_id=found.id, task=task, bin_id=found.bin_id,
                            count_id=found.count_id, order_ref=found.order_ref)
    if counted is not None:
        what, total, _ = counted
        context["scanned"] = f"{total} {what}"
    return context


def _count_sets(session: Session, count: BinCount) -> tuple[list[SerialItem], list[SerialItem], list[SerialItem]]:
    """(found, missing, unexpected) for a count, from the database as it is now."""
    scanned_ids = select(ScanLog.item_id).where(
        ScanLog.count_id == count.id,
        ScanLog.result.in_((ACCEPTED, WARNING)),
        ScanLog.undone_at.is_(None),
        ScanLog.item_id.is_not(None),
    )
    options = (joinedload(SerialItem.product, innerjoin=True), joinedload(SerialItem.bin).joinedload(Bin.warehouse))
    in_bin = session.scalars(
        select(SerialItem).options(*options).where(
            SerialItem.bin_id == count.bin_id, SerialItem.status.in_(tuple(ledger.IN_A_BIN))
        ).order_by(SerialItem.serial_key)
    ).all()
    scanned = session.scalars(
        select(SerialItem).options(*options).where(SerialItem.id.in_(scanned_ids)).order_by(SerialItem.serial_key)
    ).all()
    scanned_set = {i.id for i in scanned}
    in_bin_set = {i.id for i in in_bin}
    found = [i for i in in_bin if i.id in scanned_set]
    missing = [i for i in in_bin if i.id not in scanned_set]
    unexpected = [i for i in scanned if i.id not in in_bin_set]
    return found, missing, unexpected


def open_count(session: Session, *, actor: User, session_key: str, lock: bool = False) -> BinCount:
    scan_session = _scan_session(session, key=session_key, actor=actor, task="count")
    if not scan_session.count_id:
        raise Invalid("No count is open: scan a bin label to start one.", code="no_count")
    stmt = select(BinCount).where(BinCount.id == scan_session.count_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).one()


def count_summary(session: Session, *, actor: User, session_key: str) -> dict:
    """Finish: found, missing and unexpected for the open count (nothing written)."""
    count = open_count(session, actor=actor, session_key=session_key)
    found, missing, unexpected = _count_sets(session, count)
    return {
        "count": count,
        "bin": bin_label(_bin_with_warehouse(session, count.bin_id)),
        "found": found,
        "missing": missing,
        "unexpected": unexpected,
        "applied": count.status == "applied",
    }


def apply_count(session: Session, *, actor: User, session_key: str, count_id: int | None = None) -> dict:
    """Apply a count's corrections as ledger movements, once: missing items
    become missing; unexpected ones move into the counted bin (found if they
    were missing, received if they were still expected). Sold or returned items
    found on the shelf are listed for a supervisor, not changed."""
    count = open_count(session, actor=actor, session_key=session_key, lock=True)
    if count_id is not None and count.id != count_id:
        raise Invalid("That count is no longer the open one: Finish again.", code="count_changed")
    if count.status == "applied":
        raise Invalid("This count was already applied.", code="count_applied")
    target = _bin_with_warehouse(session, count.bin_id)
    found, missing, unexpected = _count_sets(session, count)
    ids = [i.id for i in missing + unexpected]
    if ids:  # lock the rows we change (PostgreSQL); one statement for all of them
        session.scalars(select(SerialItem.id).where(SerialItem.id.in_(ids)).with_for_update()).all()
    note = f"count of bin {bin_label(target)} (#{count.id})"
    done = {"marked_missing": [], "moved_in": [], "found": [], "received": [], "not_changed": []}
    for item in missing:
        if item.status == S.IN_STOCK:
            ledger.transition(session, item, to_status=S.MISSING, kind=MovementKind.COUNTED, actor=actor, note=note)
            done["marked_missing"].append(item.serial)
        else:
            done["not_changed"].append(f"{item.serial}: {human(item.status)}, check it by hand")
    for item in unexpected:
        if item.status in ledger.IN_A_BIN:
            ledger.transition(session, item, to_status=item.status, kind=MovementKind.COUNTED,
                             actor=actor, to_bin=target, note=note)
            done["moved_in"].append(item.serial)
        elif item.status == S.MISSING:
            ledger.transition(session, item, to_status=S.IN_STOCK, kind=MovementKind.FOUND,
                             actor=actor, to_bin=target, note=note)
            done["found"].append(item.serial)
        elif item.status == S.EXPECTED:
            ledger.transition(session, item, to_status=S.IN_STOCK, kind=MovementKind.RECEIVED,
                             actor=actor, to_bin=target, note=note)
            item.received_at = utcnow()
            done["received"].append(item.serial)
        else:
            done["not_changed"].append(f"{item.serial}: {human(item.status)}, give it to a supervisor")
    count.status = "applied"
    count.applied_at = utcnow()
    count.summary = json.dumps(done)
    return {"count": count, "bin": bin_label(target), "done": done, "found": found}
