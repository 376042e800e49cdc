"""Use cases for master data: suppliers, products, warehouses, bins. No commits."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Conflict, Invalid
from ..models import Bin, BinKind, Product, Supplier, Warehouse

DOCK_BIN_CODE = "DOCK"
QUARANTINE_BIN_CODE = "QUARANTINE"
CODE_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


def clean_code(raw: str | None, *, what: str, max_length: int = 32) -> str:
    """Codes are upper-case letters, digits, dash, underscore and dot."""
    code = (raw or "").strip().upper()
    if not code:
        raise Invalid(f"A {what} code is required.", code="code_required")
    if len(code) > max_length:
        raise Invalid(f"A {what} code has at most {max_length} characters.", code="code_too_long")
    if not set(code) <= CODE_CHARACTERS:
        raise Invalid(
            f"A {what} code uses only letters, digits, '-', '_' and '.'.", code="code_invalid"
        )
    return code


def clean_name(raw: str | None, *, what: str) -> str:
    name = (raw or "").strip()
    if not name or len(name) > 200:
        raise Invalid(f"A {what} name of 1 to 200 characters is required.", code="name_required")
    return name


def parse_money(raw, *, what: str = "unit cost") -> Decimal:
    try:
        value = Decimal(str(raw).strip()) if raw not in (None, "") else Decimal("0")
    except InvalidOperation:
        raise Invalid(f"The {what} {raw!r} is not a number.", code="invalid_cost") from None
    if not value.is_finite() or value < 0 or value >= Decimal("1e10"):
        raise Invalid(f"The {what} must be between 0 and 9,999,999,999.", code="invalid_cost")
    return value.quantize(Decimal("0.01"))


def create_supplier(session: Session, *, code: str, name: str, trusted: bool = False) -> Supplier:
    code = clean_code(code, what="supplier")
    if session.scalar(select(Supplier.id).where(Supplier.code == code)):
        raise Conflict(f"A supplier with code {code} already exists.", code="duplicate")
    supplier = Supplier(code=code, name=clean_name(name, what="supplier"), trusted=trusted)
    session.add(supplier)
    session.flush()
    return supplier


def create_product(
    session: Session,
    *,
    sku: str,
    name: str,
    warranty_months: int = 0,
    unit_cost=0,
    shelf_life_days: int | None = None,
    gtin: str | None = None,
) -> Product:
    sku = clean_code(sku, what="SKU", max_length=64)
    if session.scalar(select(Product.id).where(Product.sku == sku)):
        raise Conflict(f"A product with SKU {sku} already exists.", code="duplicate")
    try:
        warranty = int(warranty_months or 0)
    except (TypeError, ValueError):
        raise Invalid("Warranty months must be a whole number.", code="invalid_warranty") from None
    if not 0 <= warranty <= 600:
        raise Invalid("Warranty months must be between 0 and 600.", code="invalid_warranty")
    if shelf_life_days is not None and int(shelf_life_days) <= 0:
        raise Invalid("Shelf life, when given, is a positive number of days.")
    product = Product(
        sku=sku,
        name=clean_name(name, what="product"),
        warranty_months=warranty,
        unit_cost=parse_money(unit_cost),
        shelf_life_days=shelf_life_days,
        gtin=(gtin or None),
    )
    session.add(product)
    session.flush()
    return product


def create_warehouse(session: Session, *, code: str, name: str) -> Warehouse:
    """A warehouse always comes with its receiving dock bin and its quarantine bin."""
    code = clean_code(code, what="warehouse")
    if session.scalar(select(Warehouse.id).where(Warehouse.code == code)):
        raise Conflict(f"A warehouse with code {code} already exists.", code="duplicate")
    warehouse = Warehouse(code=code, name=clean_name(name, what="warehouse"))
    session.add(warehouse)
    session.flush()
    session.add_all(
        [
            Bin(warehouse_id=warehouse.id, code=DOCK_BIN_CODE, kind=BinKind.DOCK),
            Bin(warehouse_id=warehouse.id, code=QUARANTINE_BIN_CODE, kind=BinKind.QUARANTINE),
        ]
    )
    session.flush()
    return warehouse


def create_bin(session: Session, *, warehouse: Warehouse, code: str) -> Bin:
    code = clean_code(code, what="bin")
    exists = session.scalar(
        select(Bin.id).where(Bin.warehouse_id == warehouse.id, Bin.code == code)
    )
    if exists:
        raise Conflict(f"Bin {code} already exists in {warehouse.code}.", code="duplicate")
    bin_ = Bin(warehouse_id=warehouse.id, code=code, kind=BinKind.STORAGE)
    session.add(bin_)
    session.flush()
    return bin_


def special_bin(session: Session, warehouse_id: int, kind: BinKind) -> Bin:
    return session.scalars(
        select(Bin).where(Bin.warehouse_id == warehouse_id, Bin.kind == kind)
    ).one()


# --- look-ups by code (the JSON API; added with issue 2) ----------------------


def supplier_by_code(session: Session, code: str) -> Supplier | None:
    return session.scalar(select(Supplier).where(Supplier.code == (code or "").strip().upper()))


def product_by_sku(session: Session, sku: str) -> Product | None:
    return session.scalar(select(Product).where(Product.sku == (sku or "").strip().upper()))


def warehouse_by_code(session: Session, code: str) -> Warehouse | None:
    return session.scalar(select(Warehouse).where(Warehouse.code == (code or "").strip().upper()))


def bins_for_warehouse(warehouse_id: int):
    """A Select of the warehouse's bins (order it as you need)."""
    return select(Bin).where(Bin.warehouse_id == warehouse_id)
