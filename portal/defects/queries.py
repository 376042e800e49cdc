"""Reads for defects: the reasons kept, and what sits in quarantine."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ScalarSelect, Select, and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from ..errors import Invalid
from ..models import Bin, BinKind, DefectReport, ItemStatus, Product, SerialItem, Supplier, Warehouse
from ..web.pagination import Page
from .models import DefectReasonEntry


def reasons(session: Session, *, only_active: bool = False) -> list[DefectReasonEntry]:
    """The reasons by name (active first when all are listed)."""
    statement = select(DefectReasonEntry)
    if only_active:
        statement = statement.where(DefectReasonEntry.active.is_(True))
    return list(session.scalars(statement.order_by(DefectReasonEntry.active.desc(), DefectReasonEntry.name)))


def reason_by_code(session: Session, code: str) -> DefectReasonEntry | None:
    return session.scalars(select(DefectReasonEntry).where(DefectReasonEntry.code == code)).first()


def reason_names(session: Session) -> dict[str, str]:
    return dict(session.execute(select(DefectReasonEntry.code, DefectReasonEntry.name)).all())


def reports_naming(session: Session, code: str) -> int:
    return session.scalar(select(func.count()).select_from(DefectReport).where(DefectReport.reason_code == code))


def quarantine_bin(session: Session, warehouse_id: int) -> Bin | None:
    return session.scalars(
        select(Bin).where(Bin.warehouse_id == warehouse_id, Bin.kind == BinKind.QUARANTINE)
    ).first()


def latest_report(session: Session, item_id: int) -> DefectReport | None:
    return session.scalars(
        select(DefectReport)
        .where(DefectReport.item_id == item_id, DefectReport.undone_at.is_(None))
        .order_by(DefectReport.id.desc())
        .limit(1)
    ).first()


def latest_report_id(item_id) -> ScalarSelect:
    """The id of the item's latest defect report still standing (not undone),
    correlated to ``item_id`` (a column of the outer statement): one probe of
    ix_defect_reports_standing per item, however many reports the years have
    piled up, where a grouped subquery would aggregate every report ever filed."""
    return (select(func.max(_STANDING.id))
            .where(_STANDING.item_id == item_id, _STANDING.undone_at.is_(None))
            .scalar_subquery())


#: The reports looked through for the latest: an alias, so a statement can join the one it finds (made
#: once: building an alias per request costs more than the look-up it serves).
_STANDING = aliased(DefectReport, name="standing_report")


@dataclass(frozen=True)
class QuarantinedItem:
    serial: str
    sku: str
    product: str
    supplier: str
    supplier_name: str
    reason: str | None
    stage: str | None
    since: datetime | None
    days: int | None


#: The quarantine page's rows per page.
QUARANTINE_PAGE = 100


def _in_quarantine(statement: Select, *, warehouse_id: int, supplier: str | None, reason: str | None,
                   joined: bool) -> Select:
    """The defective items of a warehouse (index ix_serial_items_status_warehouse),
    of one supplier (its code) and with one latest reason when given. ``joined``:
    the statement already joins the supplier and the latest report."""
    statement = statement.where(SerialItem.status == ItemStatus.DEFECTIVE, SerialItem.warehouse_id == warehouse_id)
    if supplier:
        if not joined:
            statement = statement.join(Supplier, SerialItem.supplier_id == Supplier.id)
        statement = statement.where(Supplier.code == supplier.strip().upper())
    if reason:
        if not joined:
            statement = statement.join(DefectReport, DefectReport.id == latest_report_id(SerialItem.id))
        statement = statement.where(DefectReport.reason_code == reason)
    return statement


def quarantine_statement(*, warehouse_id: int, supplier: str | None = None, reason: str | None = None) -> Select:
    """Every defective item of a warehouse with its latest (not undone) defect
    report, oldest report first (an item without one first of all), then by id.
    Columns: id, serial, sku, product name, supplier code and name, reason,
    stage, reported at. The statement count never depends on the rows."""
    statement = (
        select(SerialItem.id, SerialItem.serial, Product.sku, Product.name, Supplier.code, Supplier.name,
               DefectReport.reason_code, DefectReport.stage_found, DefectReport.reported_at)
        .join(Product, SerialItem.product_id == Product.id)
        .join(Supplier, SerialItem.supplier_id == Supplier.id)
        .outerjoin(DefectReport, DefectReport.id == latest_report_id(SerialItem.id))
    )
    statement = _in_quarantine(statement, warehouse_id=warehouse_id, supplier=supplier, reason=reason, joined=True)
    return statement.order_by(DefectReport.reported_at.nulls_first(), SerialItem.id)


def quarantine_count(session: Session, *, warehouse_id: int, supplier: str | None = None,
                     reason: str | None = None) -> int:
    """How many items the same choice holds; joins only what a filter needs."""
    statement = _in_quarantine(select(func.count()).select_from(SerialItem), warehouse_id=warehouse_id,
                               supplier=supplier, reason=reason, joined=False)
    return session.scalar(statement) or 0


# --- the API's cursor: where the last page ended, in the listing's own order ------------

Cursor = tuple[datetime | None, int]


def cursor_after(since: datetime | None, item_id: int) -> str:
    """An opaque token for "after this row" (its report time and item id)."""
    raw = f"{since.isoformat() if since else ''}~{item_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def read_cursor(token: str) -> Cursor:
    """The row a cursor of :func:`cursor_after` names; anything else is refused."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
        since, item_id = raw.split("~")
        return (datetime.fromisoformat(since) if since else None), int(item_id)
    except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors too
        raise Invalid("after is not a cursor this listing gave (pass its 'next' as it is).",
                      code="invalid_cursor", details={"fields": {"after": "not a cursor of this listing"}}) from None


def rows_after(statement: Select, cursor: Cursor) -> Select:
    """Only the rows after ``cursor`` in the order of :func:`quarantine_statement`."""
    since, item_id = cursor
    reported = DefectReport.reported_at
    if since is None:
        return statement.where(or_(reported.is_not(None), SerialItem.id > item_id))
    return statement.where(or_(reported > since, and_(reported == since, SerialItem.id > item_id)))


def _item(row, now: datetime) -> QuarantinedItem:
    _, serial, sku, product, code, name, reason_code, stage, since = row
    return QuarantinedItem(serial=serial, sku=sku, product=product, supplier=code, supplier_name=name,
                           reason=reason_code, stage=stage, since=since,
                           days=(now - since).days if since else None)


def quarantine(session: Session, *, warehouse_id: int, supplier: str | None = None, reason: str | None = None,
               now: datetime) -> list[QuarantinedItem]:
    rows = session.execute(quarantine_statement(warehouse_id=warehouse_id, supplier=supplier, reason=reason))
    return [_item(row, now) for row in rows]


def quarantine_page(session: Session, *, warehouse_id: int, supplier: str | None = None,
                    reason: str | None = None, number: int, now: datetime, per_page: int = QUARANTINE_PAGE) -> Page:
    """One page of the quarantine (clamped to the last), with the total: two statements, whatever the size."""
    total = quarantine_count(session, warehouse_id=warehouse_id, supplier=supplier, reason=reason)
    number = min(max(1, number), max(1, -(-total // per_page)))
    statement = quarantine_statement(warehouse_id=warehouse_id, supplier=supplier, reason=reason)
    rows = session.execute(statement.limit(per_page).offset((number - 1) * per_page)) if total else []
    return Page(rows=[_item(row, now) for row in rows], number=number, per_page=per_page, total=total)


def warehouse_by_code(session: Session, code: str) -> Warehouse | None:
    return session.scalars(select(Warehouse).where(Warehouse.code == code.strip().upper())).first()


def warehouses(session: Session) -> list[Warehouse]:
    return list(session.scalars(select(Warehouse).where(Warehouse.active.is_(True)).order_by(Warehouse.code)))


def suppliers_in_quarantine(session: Session, warehouse_id: int) -> list[str]:
    return list(session.scalars(
        select(Supplier.code).join(SerialItem, SerialItem.supplier_id == Supplier.id)
        .where(SerialItem.status == ItemStatus.DEFECTIVE, SerialItem.warehouse_id == warehouse_id)
        .distinct().order_by(Supplier.code)
    ))


def storage_bins(session: Session, warehouse_id: int) -> list[Bin]:
    return list(session.scalars(
        select(Bin).where(Bin.warehouse_id == warehouse_id, Bin.kind == BinKind.STORAGE, Bin.active.is_(True))
        .order_by(Bin.code)
    ))
