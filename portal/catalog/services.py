"""Use cases for master data: suppliers, products, warehouses, bins. No commits.

Every create/update checks all of its fields before it raises, so a form can
show each field's message at once: the raised error carries
``details={"fields": {field: message}}``; its kind (Invalid or Conflict) is
that of the first problem. ``check_*`` run the same checks without writing,
for inline validation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import Conflict, DomainError, Invalid
from ..models import Bin, BinKind, ItemStatus, Product, SerialItem, Supplier, Warehouse
from ..serials import gtin_check_digit
from .queries import product_by_sku, supplier_by_code, warehouse_by_code  # noqa: F401 - the API's look-ups

DOCK_BIN_CODE = "DOCK"
QUARANTINE_BIN_CODE = "QUARANTINE"
CODE_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
MAX_WARRANTY_MONTHS = 600
MAX_SHELF_LIFE_DAYS = 36_500
CHUNK = 1_000


class _Keep:
    """Marks an update argument that was not given: the value stays as it is."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


# --- field rules (pure) ------------------------------------------------------


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
    if any(ord(c) < 32 or ord(c) == 127 for c in name):  # NUL would even break PostgreSQL
        raise Invalid(
            f"A {what} name cannot contain control characters (line breaks, tabs, NUL).",
            code="invalid_character",
        )
    return name


def parse_money(raw, *, what: str = "unit cost") -> Decimal:
    try:
        value = Decimal(str(raw).strip()) if raw not in (None, "") else Decimal("0")
    except InvalidOperation:
        raise Invalid(f"The {what} {str(raw)[:40]!r} is not a number.", code="invalid_cost") from None
    if value.is_finite() and value < 0:
        raise Invalid(f"The {what} cannot be negative.", code="invalid_cost")
    if not value.is_finite() or value >= Decimal("1e10"):
        raise Invalid(f"The {what} must be between 0 and 9,999,999,999.", code="invalid_cost")
    return value.quantize(Decimal("0.01"))


def parse_warranty(raw) -> int:
    try:
        warranty = int(str(raw).strip()) if raw not in (None, "") else 0
    except ValueError:
        raise Invalid("Warranty months must be a whole number.", code="invalid_warranty") from None
    if not 0 <= warranty <= MAX_WARRANTY_MONTHS:
        raise Invalid(
            f"Warranty months must be between 0 and {MAX_WARRANTY_MONTHS}.", code="invalid_warranty"
        )
    return warranty


def parse_shelf_life(raw) -> int | None:
    if raw in (None, ""):
        return None
    try:
        days = int(str(raw).strip())
    except ValueError:
        raise Invalid("Shelf life is a whole number of days.", code="invalid_shelf_life") from None
    if not 0 < days <= MAX_SHELF_LIFE_DAYS:
        raise Invalid(
            "Shelf life, when given, is between 1 and 36,500 days.", code="invalid_shelf_life"
        )
    return days


def clean_gtin(raw: str | None) -> str | None:
    """A GTIN-8, -12, -13 or -14 with a correct check digit, or nothing."""
    gtin = (raw or "").strip().replace(" ", "")
    if not gtin:
        return None
    if not gtin.isascii() or not gtin.isdigit() or len(gtin) not in (8, 12, 13, 14):
        raise Invalid("A GTIN has 8, 12, 13 or 14 digits.", code="invalid_gtin")
    if gtin_check_digit(gtin[:-1]) != int(gtin[-1]):
        raise Invalid(
            f"The GTIN {gtin} has a wrong check digit (it should end in {gtin_check_digit(gtin[:-1])}).",
            code="invalid_gtin",
        )
    return gtin


def _collect(checks: dict[str, Callable[[], Any]]) -> dict[str, Any]:
    """Run every field check; raise one error naming every failed field."""
    values: dict[str, Any] = {}
    problems: dict[str, DomainError] = {}
    for name, check in checks.items():
        try:
            values[name] = check()
        except DomainError as error:
            problems[name] = error
    if problems:
        first = next(iter(problems.values()))
        raise type(first)(
            first.message,
            code=first.code,
            details={"fields": {name: error.message for name, error in problems.items()}},
        )
    return values


def field_messages(error: DomainError) -> dict[str, str]:
    details = error.details if isinstance(error.details, dict) else {}
    return dict(details.get("fields") or {})


def _unique_field(session: Session, column, clean: Callable[[], Any], *, own_id: int | None, message: str):
    """A field check: the value ``clean()`` gives, unless another row already has it
    in ``column`` (``message``, formatted with the value, says so)."""
    return lambda: _unique(session, column, clean(), own_id=own_id, message=message)


def _unique(session: Session, column, value, *, own_id: int | None, message: str):
    """``value`` unless another row already has it in ``column`` (``message``,
    formatted with the value, says so)."""
    if value is None:
        return None
    model = column.class_
    query = select(model.id).where(column == value)
    if own_id is not None:
        query = query.where(model.id != own_id)
    if session.scalar(query.limit(1)) is not None:
        raise Conflict(message.format(value=value), code="duplicate")
    return value


def _flush(session: Session, what: str) -> None:
    """Flush; a unique constraint hit here means someone saved the same code
    between our check and our write: a Conflict, not a crash."""
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(
            f"Another {what} with this code was saved a moment ago; nothing was saved. Check and try again.",
            code="duplicate",
        ) from None


def _given(value, current):
    return current if value is KEEP else value


def _kept(record, **given) -> dict[str, Any]:
    """An update's arguments, each not given (KEEP) replaced by the record's value."""
    return {name: _given(value, getattr(record, name)) for name, value in given.items()}


def _create(session: Session, model, values: dict[str, Any], what: str):
    record = model(**values)
    session.add(record)
    _flush(session, what)
    return record


def _update(session: Session, record, values: dict[str, Any], what: str):
    for key, value in values.items():
        setattr(record, key, value)
    _flush(session, what)
    return record


def _check(values_of: Callable[..., Any], fields: dict[str, Any], defaults: dict[str, Any], **known) -> dict[str, str]:
    """Field messages for a form, writing nothing: ``values_of`` run on the form's
    fields (a field not in the form takes its default), ``known`` passed as is."""
    try:
        values_of(**{name: fields.get(name, default) for name, default in defaults.items()}, **known)
    except DomainError as error:
        return field_messages(error)
    return {}


def _own_id(record) -> int | None:
    return record.id if record is not None else None


# --- suppliers ---------------------------------------------------------------


def _supplier_values(session, *, code, name, trusted, active, own_id=None) -> dict[str, Any]:
    return _collect(
        {
            "code": _unique_field(session, Supplier.code, lambda: clean_code(code, what="supplier"), own_id=own_id,
                                  message="A supplier with code {value} already exists."),
            "name": lambda: clean_name(name, what="supplier"),
            "trusted": lambda: bool(trusted),
            "active": lambda: bool(active),
        }
    )


def create_supplier(session: Session, *, code: str, name: str, trusted: bool = False) -> Supplier:
    values = _supplier_values(session, code=code, name=name, trusted=trusted, active=True)
    return _create(session, Supplier, values, "supplier")


def update_supplier(
    session: Session, *, supplier: Supplier, code=KEEP, name=KEEP, trusted=KEEP, active=KEEP
) -> Supplier:
    values = _supplier_values(
        session, **_kept(supplier, code=code, name=name, trusted=trusted, active=active), own_id=supplier.id
    )
    return _update(session, supplier, values, "supplier")


def check_supplier(session: Session, *, supplier: Supplier | None = None, **fields) -> dict[str, str]:
    """Field messages for a supplier form, writing nothing."""
    return _check(
        _supplier_values, fields, {"code": None, "name": None, "trusted": False, "active": True},
        session=session, own_id=_own_id(supplier),
    )


# --- products ----------------------------------------------------------------


def _product_values(
    session, *, sku, name, warranty_months, unit_cost, shelf_life_days, gtin, active, own_id=None
) -> dict[str, Any]:
    return _collect(
        {
            "sku": _unique_field(session, Product.sku, lambda: clean_code(sku, what="SKU", max_length=64),
                                 own_id=own_id, message="A product with SKU {value} already exists."),
            "name": lambda: clean_name(name, what="product"),
            "gtin": _unique_field(session, Product.gtin, lambda: clean_gtin(gtin), own_id=own_id,
                                  message="Another product already has the GTIN {value}."),
            "warranty_months": lambda: parse_warranty(warranty_months),
            "shelf_life_days": lambda: parse_shelf_life(shelf_life_days),
            "unit_cost": lambda: parse_money(unit_cost),
            "active": lambda: bool(active),
        }
    )


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
    values = _product_values(
        session, sku=sku, name=name, warranty_months=warranty_months, unit_cost=unit_cost,
        shelf_life_days=shelf_life_days, gtin=gtin, active=True,
    )
    return _create(session, Product, values, "product")


def update_product(session: Session, *, product: Product, sku=KEEP, name=KEEP, warranty_months=KEEP,
                   unit_cost=KEEP, shelf_life_days=KEEP, gtin=KEEP, active=KEEP) -> Product:
    """Change the fields given (the others, KEEP, stay as they are), checked as on creation."""
    changes = {"sku": sku, "name": name, "warranty_months": warranty_months, "unit_cost": unit_cost,
               "shelf_life_days": shelf_life_days, "gtin": gtin, "active": active}
    values = _product_values(session, own_id=product.id,
                             **{key: _given(value, getattr(product, key)) for key, value in changes.items()})
    for key, value in values.items():
        setattr(product, key, value)
    _flush(session, "product")
    return product


PRODUCT_FIELDS = ("sku", "name", "warranty_months", "unit_cost", "shelf_life_days", "gtin")


def check_product(session: Session, *, product: Product | None = None, **fields) -> dict[str, str]:
    return _check(
        _product_values, fields, {**dict.fromkeys(PRODUCT_FIELDS), "active": True},
        session=session, own_id=_own_id(product),
    )


# --- warehouses --------------------------------------------------------------


def _items_in_bins(session: Session, *conditions) -> int:
    return session.scalar(
        select(func.count())
        .select_from(SerialItem)
        .join(Bin, SerialItem.bin_id == Bin.id)
        .where(SerialItem.status.in_([ItemStatus.IN_STOCK, ItemStatus.DEFECTIVE]), *conditions)
    ) or 0


def _warehouse_values(session, *, code, name, active, own_id=None) -> dict[str, Any]:
    def checked_active():
        if not active and own_id is not None:
            held = _items_in_bins(session, Bin.warehouse_id == own_id)
            if held:
                raise Invalid(
                    f"This warehouse still holds {held:,} items; move them out before closing it.",
                    code="warehouse_not_empty",
                )
        return bool(active)

    return _collect(
        {
            "code": _unique_field(session, Warehouse.code, lambda: clean_code(code, what="warehouse"),
                                  own_id=own_id, message="A warehouse with code {value} already exists."),
            "name": lambda: clean_name(name, what="warehouse"),
            "active": checked_active,
        }
    )


def create_warehouse(session: Session, *, code: str, name: str) -> Warehouse:
    """A warehouse always comes with its receiving dock bin and its quarantine bin."""
    warehouse = _create(session, Warehouse, _warehouse_values(session, code=code, name=name, active=True), "warehouse")
    session.add_all(
        [
            Bin(warehouse_id=warehouse.id, code=DOCK_BIN_CODE, kind=BinKind.DOCK),
            Bin(warehouse_id=warehouse.id, code=QUARANTINE_BIN_CODE, kind=BinKind.QUARANTINE),
        ]
    )
    session.flush()
    return warehouse


def update_warehouse(
    session: Session, *, warehouse: Warehouse, code=KEEP, name=KEEP, active=KEEP
) -> Warehouse:
    values = _warehouse_values(session, **_kept(warehouse, code=code, name=name, active=active), own_id=warehouse.id)
    return _update(session, warehouse, values, "warehouse")


def check_warehouse(session: Session, *, warehouse: Warehouse | None = None, **fields) -> dict[str, str]:
    return _check(
        _warehouse_values, fields, {"code": None, "name": None, "active": True},
        session=session, own_id=_own_id(warehouse),
    )


# --- bins --------------------------------------------------------------------


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


def _bin_values(session, *, bin_: Bin, code, active) -> dict[str, Any]:
    def checked_code():
        cleaned = clean_code(code, what="bin")
        query = select(Bin.id).where(
            Bin.warehouse_id == bin_.warehouse_id, Bin.code == cleaned, Bin.id != bin_.id
        )
        if session.scalar(query) is not None:
            raise Conflict(f"Bin {cleaned} already exists in this warehouse.", code="duplicate")
        return cleaned

    def checked_active():
        if not active and bin_.active:
            if bin_.kind != BinKind.STORAGE:
                raise Invalid(
                    f"The {bin_.kind} bin is needed by receiving and cannot be closed.",
                    code="special_bin",
                )
            held = _items_in_bins(session, Bin.id == bin_.id)
            if held:
                raise Invalid(
                    f"Bin {bin_.code} still holds {held:,} items; move them first.",
                    code="bin_not_empty",
                )
        return bool(active)

    return _collect({"code": checked_code, "active": checked_active})


def update_bin(session: Session, *, bin_: Bin, code=KEEP, active=KEEP) -> Bin:
    values = _bin_values(session, bin_=bin_, **_kept(bin_, code=code, active=active))
    return _update(session, bin_, values, "bin")


def check_bin(session: Session, *, bin_: Bin, **fields) -> dict[str, str]:
    return _check(_bin_values, fields, {"code": None, "active": True}, session=session, bin_=bin_)


def existing_bin_codes(session: Session, *, warehouse_id: int, codes: Iterable[str]) -> list[str]:
    """Which of ``codes`` already exist in the warehouse: one IN query per chunk."""
    codes = list(codes)
    found: list[str] = []
    for start in range(0, len(codes), CHUNK):
        chunk = codes[start : start + CHUNK]
        found.extend(
            session.scalars(
                select(Bin.code).where(Bin.warehouse_id == warehouse_id, Bin.code.in_(chunk))
            )
        )
    return sorted(found)


@dataclass
class BinCreation:
    created: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def create_bins(
    session: Session, *, warehouse: Warehouse, codes: Iterable[str], skip_existing: bool = False
) -> BinCreation:
    """Create many storage bins in one step, set-based (one insert per chunk).

    All or nothing: when some codes exist already the whole creation is
    refused and the error lists them, unless ``skip_existing`` is set, in
    which case only the new codes are created and the others reported.
    """
    cleaned: list[str] = []
    seen: set[str] = set()
    for raw in codes:
        code = clean_code(raw, what="bin")
        if code not in seen:
            seen.add(code)
            cleaned.append(code)
    if not cleaned:
        raise Invalid("No bin codes to create.", code="pattern_required")
    existing = existing_bin_codes(session, warehouse_id=warehouse.id, codes=cleaned)
    if existing and not skip_existing:
        shown = ", ".join(existing[:10]) + (" …" if len(existing) > 10 else "")
        raise Conflict(
            f"{len(existing):,} of these {len(cleaned):,} bins already exist in {warehouse.code} "
            f"({shown}); nothing was created. Tick “skip existing” to create only the others.",
            code="bins_exist",
            details={"existing": existing[:200], "existing_count": len(existing)},
        )
    taken = set(existing)
    new_codes = [c for c in cleaned if c not in taken]
    rows = [{"warehouse_id": warehouse.id, "code": c, "kind": BinKind.STORAGE.value} for c in new_codes]
    try:
        for start in range(0, len(rows), CHUNK):
            session.execute(insert(Bin), rows[start : start + CHUNK])
    except IntegrityError:
        # someone created some of the same bins at the same moment
        raise Conflict(
            "Some of these bins were created by someone else just now; nothing was created. "
            "Try again.",
            code="bins_exist",
        ) from None
    return BinCreation(created=new_codes, skipped=existing)


def special_bin(session: Session, warehouse_id: int, kind: BinKind) -> Bin:
    return session.scalars(
        select(Bin).where(Bin.warehouse_id == warehouse_id, Bin.kind == kind)
    ).one()


def bins_for_warehouse(warehouse_id: int):
    """A Select of the warehouse's bins (order it as you need)."""
    return select(Bin).where(Bin.warehouse_id == warehouse_id)
