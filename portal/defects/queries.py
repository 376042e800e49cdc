"""Reads for defects: the reasons kept, and what sits in quarantine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ..models import Bin, BinKind, DefectReport, ItemStatus, Product, SerialItem, Supplier, Warehouse
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


def quarantine_statement(*, warehouse_id: int, supplier: str | None = None, reason: str | None = None) -> Select:
    """Every defective item of a warehouse with its latest (not undone) defect
    report, oldest report first: index ix_serial_items_status_warehouse finds
    the items, ix_defect_reports_item_id their reports."""
    latest = (
        select(DefectReport.item_id, func.max(DefectReport.id).label("report_id"))
        .where(DefectReport.undone_at.is_(None))
        .group_by(DefectReport.item_id)
        .subquery()
    )
    statement = (
        select(SerialItem.serial, Product.sku, Product.name, Supplier.code, Supplier.name,
               DefectReport.reason_code, DefectReport.stage_found, DefectReport.reported_at)
        .join(Product, SerialItem.product_id == Product.id)
        .join(Supplier, SerialItem.supplier_id == Supplier.id)
        .outerjoin(latest, latest.c.item_id == SerialItem.id)
        .outerjoin(DefectReport, DefectReport.id == latest.c.report_id)
        .where(SerialItem.status == ItemStatus.DEFECTIVE, SerialItem.warehouse_id == warehouse_id)
    )
    if supplier:
        statement = statement.where(Supplier.code == supplier.strip().upper())
    if reason:
        statement = statement.where(DefectReport.reason_code == reason)
    return statement.order_by(DefectReport.reported_at.nulls_first(), SerialItem.id)


def quarantine(session: Session, *, warehouse_id: int, supplier: str | None = None, reason: str | None = None,
               now: datetime) -> list[QuarantinedItem]:
    rows = session.execute(quarantine_statement(warehouse_id=warehouse_id, supplier=supplier, reason=reason))
    return [QuarantinedItem(serial=serial, sku=sku, product=product, supplier=code, supplier_name=name,
                            reason=reason_code, stage=stage, since=since,
                            days=(now - since).days if since else None)
            for serial, sku, product, code, name, reason_code, stage, since in rows]


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
