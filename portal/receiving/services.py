"""Receiving use cases: preview a supplier list, commit it as a receipt (all or
nothing), receive everything at the dock, add an unexpected serial, close.

The pages, the API and the CLI call these same functions. Services never
commit. Bulk paths are set-based: the number of SQL statements does not grow
with the number of rows (existence checks join a JSON array on SQLite or an
array on PostgreSQL; items go in by executemany on SQLite and COPY on
PostgreSQL; movements by one INSERT ... SELECT).
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import delete, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..catalog import queries as catalog_queries
from ..catalog.services import parse_money, special_bin
from ..errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from ..extensions import sqlite_pragma
from ..items import ledger
from ..lots import is_expired
from ..models import (
    BinKind,
    Condition,
    ItemStatus,
    MovementKind,
    Ownership,
    Product,
    Receipt,
    ReceiptStatus,
    SerialItem,
    Supplier,
    User,
    Warehouse,
    utcnow,
)
from . import supplier_lists as lists
from .models import StagedUpload, SupplierArticle, SupplierColumnMapping, UnexpectedItem

#: Rows per INSERT on SQLite (bounds memory; statements grow only per chunk).
INSERT_CHUNK = 100_000
#: Rows per write to COPY on PostgreSQL.
COPY_CHUNK = 50_000
#: SQLite page cache (KiB) during a bulk import: index pages of a large serial_items stay in memory.
SQLITE_CACHE_KB = 262_144
#: Errors returned in full by the API and shown in the preview table.
ERRORS_SHOWN = 1000
#: Rows of each kind of error the preview shows (the rest are counted, and in errors.csv).
ERRORS_SHOWN_PER_KIND = 5
#: Raw rows the preview offers as the header row.
HEADER_ROW_CHOICES = 15
#: Unknown SKUs (article numbers) the preview offers to map to a product at once.
ARTICLES_OFFERED = 20
STAGED_UPLOADS_KEPT = timedelta(days=2)
#: The advisory lock that serialises receipt commits on PostgreSQL.
COMMIT_LOCK_KEY = 0x5EC1A1


class UnreadableUpload(Invalid):
    """The reader refused the file (``refusal``: its code, message and details): nothing was kept."""

    def __init__(self, refusal: lists.UnreadableFile):
        super().__init__(refusal.message, code=refusal.code, details=refusal.details)
        self.refusal = refusal


class ListRefused(Invalid):
    """The list has invalid rows (or cannot be read); ``preview`` says which."""

    code = "invalid_rows"

    def __init__(self, message: str, preview: Preview, *, code: str | None = None):
        super().__init__(message, code=code)
        self.preview = preview


# --- the receipt's header -------------------------------------------------------


@dataclass
class ReceiptHeader:
    """What the receiver says about a shipment, checked."""

    supplier: Supplier
    warehouse: Warehouse
    reference: str
    expected_date: date | None = None
    product: Product | None = None
    condition: str = Condition.REGULAR.value
    ownership: str = Ownership.OWNED.value
    unit_cost: Decimal | None = None


def receipt_header(
    session: Session,
    *,
    supplier: str | None,
    warehouse: str | None,
    reference: str | None,
    expected_date: date | str | None = None,
    product: str | None = None,
    condition: str | None = None,
    ownership: str | None = None,
    unit_cost: str | Decimal | None = None,
) -> ReceiptHeader:
    """Check the header fields (codes, as typed or chosen). Raises Invalid whose
    ``details`` maps each bad field to its message."""
    problems: dict[str, str] = {}
    found_supplier = _active_record(session, problems, "supplier", supplier, missing="Choose the supplier.")
    found_warehouse = _active_record(session, problems, "warehouse", warehouse,
                                     missing="Choose the destination warehouse.")
    ref = (reference or "").strip()
    if not ref:
        problems["reference"] = "Give the PO, ASN or invoice number."
    elif len(ref) > 100:
        problems["reference"] = "The reference has at most 100 characters."
    found_product = _active_record(session, problems, "product", product)
    cond = (condition or Condition.REGULAR.value).strip().lower()
    if cond not in {c.value for c in Condition}:
        problems["condition"] = "Choose a condition from the list."
    owner = (ownership or Ownership.OWNED.value).strip().lower()
    if owner not in {o.value for o in Ownership}:
        problems["ownership"] = "Choose owned or consignment."
    cost = None
    if unit_cost not in (None, ""):
        try:
            cost = parse_money(unit_cost)
        except DomainError as error:
            problems["unit_cost"] = error.message
    when = None
    if isinstance(expected_date, date):
        when = expected_date
    elif expected_date:
        try:
            when = date.fromisoformat(str(expected_date).strip())
        except ValueError:
            problems["expected_date"] = "Give the date as YYYY-MM-DD."
    if problems:
        raise Invalid(
            "The receipt is incomplete: " + " ".join(problems.values()),
            code="invalid_receipt",
            details=problems,
        )
    return ReceiptHeader(supplier=found_supplier, warehouse=found_warehouse, reference=ref, expected_date=when,
                         product=found_product, condition=cond, ownership=owner, unit_cost=cost)


#: How a header field's record is looked up, and the words its refusal names it by.
_LOOK_UPS = {
    "supplier": (catalog_queries.supplier_by_code, "code", 40),
    "warehouse": (catalog_queries.warehouse_by_code, "code", 40),
    "product": (catalog_queries.product_by_sku, "SKU", 64),
}


def _active_record(session: Session, problems: dict[str, str], field_name: str, typed: str | None, *,
                   missing: str | None = None):
    """The active supplier, warehouse or product a header field names (by code or SKU, as typed); its
    problem goes into ``problems``: ``missing`` when the field is empty (None: it may be), else when no
    active record has that code."""
    look_up, word, shown = _LOOK_UPS[field_name]
    code = (typed or "").strip().upper()
    if not code:
        if missing:
            problems[field_name] = missing
        return None
    found = look_up(session, code)
    if found is None or not found.active:
        problems[field_name] = f"No active {field_name} has the {word} {code[:shown]}."
    return found


# --- reading and checking a list ------------------------------------------------


@dataclass
class Preview:
    """What a list would become: everything the preview page and the API show."""

    file_name: str
    file_sha256: str
    table: lists.Table | None = None
    mapping: lists.Mapping | None = None
    checked: lists.Checked | None = None
    errors: list[lists.RowError] = field(default_factory=list)
    refusal: lists.UnreadableFile | None = None
    duplicate_of: Receipt | None = None
    product_ids: list[int] = field(default_factory=list)
    missing_product: bool = False
    #: what decided the mapping where it was not the file's own header ("the remembered mapping was not used")
    notes: list[str] = field(default_factory=list)
    #: False when the reader found no header row: the receiver picks one (or maps columns by position)
    header_found: bool = True
    #: the first rows of the file as read, for choosing the header row
    raw_rows: list[list[str]] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return self.checked.rows_read if self.checked else 0

    @property
    def valid(self) -> int:
        return len(self.checked.keys) if self.checked else 0

    @property
    def error_groups(self) -> list[ErrorGroup]:
        """Errors by kind, most frequent first, with the first few rows of each."""
        groups: dict[str, ErrorGroup] = {}
        for error in self.errors:
            group = groups.get(error.code)
            if group is None:
                group = groups[error.code] = ErrorGroup(error.code, lists.ERROR_LABELS.get(error.code, error.code))
            group.count += 1
            if len(group.first) < ERRORS_SHOWN_PER_KIND:
                group.first.append(error)
        return sorted(groups.values(), key=lambda g: -g.count)

    @property
    def suggestions(self) -> list[str]:
        """When one kind of error hits every row, the mapping that would fix it."""
        if self.table is None or self.mapping is None or not self.rows_read:
            return []
        names = self.column_names
        mapped = set(self.mapping.columns.values())
        sample = self.table.rows[self.table.data_start:self.table.data_start + 20]
        free = [names[i] for i in range(len(names)) if i not in mapped
                and any(i < len(r) and r[i].strip() for r in sample)][:3]
        columns = " or ".join(f"“{n}”" for n in free)
        serial = names[self.mapping.columns["serial"]] if self.mapping.columns.get("serial", 99_999) < len(names) \
            else "serial"
        sku = self.mapping.columns.get("sku")
        advice = {
            "no_product": (f"No SKU on any row: map column {columns} to SKU, or choose a default product for the "
                           "receipt." if free else "No SKU on any row: choose a default product for the receipt."),
            "unknown_sku": (f"None of the values in column “{names[sku]}” is a SKU of the catalog: if they are the "
                            "supplier's article numbers, choose the product of each below (remembered for this "
                            "supplier), or map another column to SKU." if sku is not None and sku < len(names)
                            else ""),
            "blank_serial": f"Column “{serial}” is empty on every row: map the column that holds the serials"
                            + (f" ({columns}?)." if free else "."),
            "placeholder": f"Column “{serial}” holds no serials: map the column that holds them"
                           + (f" ({columns}?)." if free else "."),
            "invalid_imei": "No row holds a valid IMEI: if the column holds other serials, choose “any serial”.",
            "invalid_mac": "No row holds a MAC address: if the column holds other serials, choose “any serial”.",
            "already_in_system": "Every serial of this list is already in the system: was it received before?",
        }
        return [advice[g.code] for g in self.error_groups
                if g.count >= self.rows_read and advice.get(g.code)]

    @property
    def unknown_articles(self) -> list[tuple[str, int]]:
        """SKU values not in the catalog (a supplier's own article numbers, often), most rows first."""
        counts = Counter(e.value.strip().upper() for e in self.errors if e.code == "unknown_sku")
        return counts.most_common(ARTICLES_OFFERED)

    @property
    def width(self) -> int:
        """Columns the receiver can map: the header's, or more where data rows are wider."""
        if self.table is None:
            return 0
        sample = self.table.rows[:self.table.data_start + 50]
        return max(len(self.table.headers), max((len(r) for r in sample), default=0))

    @property
    def column_names(self) -> list[str]:
        headers = self.table.headers if self.table is not None else []
        return [h if h.strip() else f"Column {i + 1}" for i, h in enumerate(headers)] + [
            f"Column {i + 1}" for i in range(len(headers), self.width)]

    @property
    def can_commit(self) -> bool:
        return self.refusal is None and self.duplicate_of is None and self.valid > 0

    @property
    def lots(self) -> dict | None:
        """With a lot or expiry column: how many valid rows carry a lot and an expiry, the
        earliest expiry and how many are expired already (None without those columns)."""
        checked = self.checked
        if checked is None or self.mapping is None or not {"lot", "expiry"} & set(self.mapping.columns):
            return None
        dates = [d for d in checked.expiries if d is not None]
        today = utcnow().date()
        return {"with_lot": sum(1 for lot in checked.lots if lot), "with_expiry": len(dates),
                "earliest_expiry": min(dates) if dates else None,
                "expired": sum(1 for d in dates if is_expired(d, today))}

    def summary(self) -> dict:
        """The preview as the API and the CLI report it."""
        body: dict = {
            "file": self.file_name,
            "rows": self.rows_read,
            "valid": self.valid,
            "invalid": len(self.errors),
            "errors_by_code": dict(Counter(e.code for e in self.errors)),
            "errors": [e.as_dict() for e in self.errors[:ERRORS_SHOWN]],
            "errors_truncated": len(self.errors) > ERRORS_SHOWN,
        }
        if self.table is not None:
            body["format"] = self.table.description
            body["columns"] = self.table.headers
        if self.mapping is not None and self.table is not None:
            body["mapping"] = self.mapping.as_json(self.table.headers)
        if self.duplicate_of is not None:
            body["duplicate_of_receipt"] = self.duplicate_of.id
        if self.notes:
            body["notes"] = self.notes
        if (lots := self.lots) is not None:
            body["lots"] = {**lots, "earliest_expiry": lots["earliest_expiry"].isoformat()
                            if lots["earliest_expiry"] else None}
        return body


@dataclass
class ErrorGroup:
    code: str
    label: str
    count: int = 0
    first: list[lists.RowError] = field(default_factory=list)


def file_digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def read_table(content: bytes, *, file_name: str, sheet: str | None = None,
               remembered: dict | None = None) -> tuple[lists.Table, bool]:
    """The file read into rows, once, and whether its header row was found. A
    file whose header row the reader cannot find is kept all the same, its
    first row taken as the header, so the receiver can pick another header row
    (or none) and map any column. Raises UnreadableFile for a file that is not
    a list at all."""
    try:
        return lists.read_table(content, file_name=file_name, sheet=sheet, mapping_hint=remembered), True
    except lists.UnreadableFile as refusal:
        found = refusal.details.get("columns") if refusal.code == "no_serial_column" else None
        table = getattr(refusal, "table", None)
        if table is not None:  # the reader keeps the rows, with its guess of the header row
            table.header_index = refusal.details.get("header_row", 0)
            return table, False
        if not found:
            raise
    # Shim until the reader takes header_row=: the first row's first cell counts as
    # the serial header, which finds the first row as the header row.
    table = lists.read_table(content, file_name=file_name, sheet=sheet,
                             mapping_hint={"columns": {"serial": found[0]}})
    return table, False


def pack_table(table: lists.Table | None, refusal: lists.UnreadableFile | None = None, *,
               header_found: bool = True) -> bytes:
    """A parsed file (or why it cannot be read) as compact bytes: JSON, zlib level 1
    (a quarter of the JSON's size; compressing harder costs more than it saves)."""
    if table is None:
        data = {"refusal": {"message": refusal.message, "code": refusal.code, "details": refusal.details}}
    else:
        data = {"rows": table.rows, "kind": table.kind, "encoding": table.encoding, "delimiter": table.delimiter,
                "sheet": table.sheet, "sheets": table.sheets, "header_index": table.header_index,
                "row_numbers": table.row_numbers, "rounded": sorted(table.rounded_cells),
                "header_found": header_found}
    return zlib.compress(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode(), 1)


def unpack_table(blob: bytes) -> tuple[lists.Table, bool]:
    """The parsed file back, and whether its header row was found; raises
    UnreadableFile for one that could not be read."""
    data = json.loads(zlib.decompress(blob))
    if "refusal" in data:
        refusal = data["refusal"]
        raise lists.UnreadableFile(refusal["message"], code=refusal["code"], details=refusal["details"])
    table = lists.Table(rows=data["rows"], kind=data["kind"], encoding=data["encoding"], delimiter=data["delimiter"],
                        sheet=data["sheet"], sheets=data["sheets"], header_index=data["header_index"],
                        row_numbers=data["row_numbers"], rounded_cells={tuple(c) for c in data["rounded"]})
    return table, data["header_found"]


def resolve_mapping(headers: list[str], *, remembered: dict | None = None,
                    explicit: dict | None = None) -> tuple[lists.Mapping, list[str]]:
    """Which column holds what, by the reader's one rule
    (:func:`supplier_lists.resolve_mapping`: an explicit mapping, then the file's
    own header, the supplier's remembered mapping only where the header does not
    decide), and the notes worth showing: wherever something other than the
    file's own header decided, or the header overruled the remembered mapping.
    No serial column is not raised here: the preview then asks for it."""
    try:
        mapping, notes = lists.resolve_mapping(headers, remembered=remembered, explicit=explicit)
    except lists.UnreadableFile as error:
        if error.code != "no_serial_column":
            raise Invalid(error.message, code=error.code, details=error.details) from None
        return lists.Mapping(columns={}, serial_kind="any"), []
    return mapping, [note.message for note in notes if note.source != "file"]


def check_table(table: lists.Table, *, file_name: str, file_sha256: str, mapping: dict | lists.Mapping | None = None,
                remembered: dict | None = None, header_found: bool = True) -> Preview:
    """The file checks on rows already read, no database: map, check every row.
    ``header_found``: False when the reader did not recognise the header row."""
    preview = Preview(file_name=file_name, file_sha256=file_sha256, table=table, header_found=header_found)
    preview.raw_rows = [list(r) for r in table.rows[:HEADER_ROW_CHOICES]]
    if isinstance(mapping, lists.Mapping):
        chosen, notes = mapping, []
    else:
        try:
            chosen, notes = resolve_mapping(table.headers, remembered=remembered, explicit=mapping)
        except Invalid as error:
            preview.refusal = lists.UnreadableFile(error.message, code=error.code, details=error.details)
            return preview
    if not header_found and not mapping and len(table.headers) == 1 and preview.width > 1:
        chosen.columns.pop("serial", None)  # a title row above wider rows, not one serial per line
    preview.notes = notes
    preview.mapping = chosen
    if "serial" not in chosen.columns:
        found = [c for c in table.headers if c.strip()]
        preview.refusal = lists.UnreadableFile(
            "No column is recognisable as the serial number (columns found: "
            + ", ".join(f"“{c}”" for c in found[:30])
            + "). Choose the header row and the serial column in the preview (the API and the CLI take a mapping).",
            code="no_serial_column", details={"columns": found[:100], "sheets": table.sheets, "sheet": table.sheet})
        return preview
    preview.checked = lists.check_rows(table, chosen)
    preview.errors = list(preview.checked.errors)
    # the checked columns hold what is needed from here on: keep only a sample of the raw rows
    del table.rows[max(table.data_start + 50, HEADER_ROW_CHOICES):]
    return preview


def read_list(
    *, content: bytes, file_name: str, sheet: str | None = None, mapping: dict | None = None,
    remembered: dict | None = None,
) -> Preview:
    """The file checks, no database: read, map (the explicit mapping, else the
    file's header, the supplier's remembered mapping where the header does not
    decide), check every row."""
    digest = file_digest(content)
    try:
        table, header_found = read_table(content, file_name=file_name, sheet=sheet,
                                         remembered=_as_columns(mapping) or remembered)
    except lists.UnreadableFile as refusal:
        return Preview(file_name=file_name, file_sha256=digest, refusal=refusal)
    return check_table(table, file_name=file_name, file_sha256=digest, mapping=mapping, remembered=remembered,
                       header_found=header_found)


def _as_columns(mapping: dict | None) -> dict | None:
    """An explicit mapping in either spelling ({field: header} or {"columns": {...}}) as {"columns": {...}}."""
    if not mapping:
        return None
    columns = mapping["columns"] if isinstance(mapping.get("columns"), dict) else mapping
    return {"columns": {k: v for k, v in columns.items() if k in lists.FIELDS and isinstance(v, str)},
            "serial_kind": mapping.get("serial_kind", "any")}


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _keys_source(session: Session, name: str) -> str:
    """A FROM item listing the strings bound as ``name``, with a column ``key``:
    one statement and one parameter whatever the number of keys."""
    if _dialect(session) == "postgresql":
        return f"unnest(CAST(:{name} AS text[])) AS k(key)"
    return f"(SELECT value AS key FROM json_each(:{name})) AS k"  # noqa: S608 - a parameter name


def _bind_keys(session: Session, keys: list[str]):
    return keys if _dialect(session) == "postgresql" else json.dumps(keys)


def existing_serials(session: Session, keys: list[str]) -> dict[str, tuple]:
    """serial_key -> (serial, status, receipt id, receipt reference) for the keys
    already in the system: one statement."""
    if not keys:
        return {}
    columns = "s.serial_key, s.serial, s.status, s.receipt_id, r.reference"
    if _dialect(session) == "postgresql":
        # an index scan over the sorted array: a third faster than joining unnest()
        statement = text(
            f"SELECT {columns} FROM serial_items s LEFT JOIN receipts r ON r.id = s.receipt_id "  # noqa: S608
            "WHERE s.serial_key = ANY(CAST(:keys AS text[]))")
    else:
        statement = text(
            f"SELECT {columns} FROM {_keys_source(session, 'keys')} "  # noqa: S608 - no user text
            "JOIN serial_items s ON s.serial_key = k.key LEFT JOIN receipts r ON r.id = s.receipt_id")
    rows = session.execute(statement, {"keys": _bind_keys(session, keys)})
    return {row[0]: tuple(row[1:]) for row in rows}


def _products_by_sku(session: Session, skus: list[str]) -> dict[str, tuple[int, bool]]:
    if not skus:
        return {}
    source = _keys_source(session, "skus")
    statement = text(f"SELECT p.sku, p.id, p.active FROM {source} JOIN products p ON p.sku = k.key")  # noqa: S608
    return {row[0]: (row[1], bool(row[2])) for row in session.execute(statement, {"skus": _bind_keys(session, skus)})}


def check_against_database(session: Session, preview: Preview, header: ReceiptHeader, *,
                           serials: bool = True) -> Preview:
    """The checks that need the database, set-based: the same file already
    received, SKUs that exist, and (``serials``) serials already in the system."""
    checked = preview.checked
    if checked is None:
        return preview
    preview.duplicate_of = session.scalar(
        select(Receipt).where(
            Receipt.supplier_id == header.supplier.id, Receipt.file_sha256 == preview.file_sha256
        )
    )
    default_product = header.product.id if header.product else None
    new_errors: list[lists.RowError] = []
    products = _products_by_sku(session, sorted({s for s in checked.skus if s}))
    unknown = sorted({s for s in checked.skus if s and (s not in products or not products[s][1])})
    if unknown:  # a supplier's own article numbers, mapped once by a receiver
        products.update(supplier_articles(session, header.supplier.id, unknown))
    active = {sku: found[0] for sku, found in products.items() if found[1]}
    if all((sku in active) if sku else default_product is not None for sku in set(checked.skus)):
        # nearly every list: every SKU known and active (or the receipt's product)
        preview.product_ids = [active[sku] if sku else default_product for sku in checked.skus]
        if serials:
            flag_serials_in_system(session, preview)
        return preview
    row_products: list[int | None] = []
    for number, sku in zip(checked.row_numbers, checked.skus, strict=True):
        if sku:
            found = products.get(sku)
            if found is None or not found[1]:
                why = "is inactive" if found else "is not in the catalog"
                new_errors.append(lists.RowError(number, checked.sku_header, sku, "unknown_sku",
                                                 f"The SKU {sku} {why}."))
                row_products.append(None)
            else:
                row_products.append(found[0])
        elif default_product is not None:
            row_products.append(default_product)
        else:
            preview.missing_product = True
            new_errors.append(lists.RowError(number, checked.sku_header, "", "no_product",
                                             "No SKU on this row and no product chosen for the receipt."))
            row_products.append(None)
    if new_errors:
        checked.keep([p is not None for p in row_products])
        preview.errors = sorted(preview.errors + new_errors, key=lambda e: e.row)
    preview.product_ids = [p for p in row_products if p is not None]
    if serials:
        flag_serials_in_system(session, preview)
    return preview


def supplier_articles(session: Session, supplier_id: int, articles: list[str]) -> dict[str, tuple[int, bool]]:
    """article -> (product id, active) for the supplier's article numbers already mapped: one statement."""
    rows = session.execute(
        select(SupplierArticle.article, Product.id, Product.active)
        .join(Product, Product.id == SupplierArticle.product_id)
        .where(SupplierArticle.supplier_id == supplier_id, SupplierArticle.article.in_(articles[:10_000]))
    )
    return {article: (product_id, bool(active)) for article, product_id, active in rows}


def remember_articles(session: Session, *, supplier: Supplier, products: dict[str, str]) -> int:
    """The receiver's choice of product for some of the supplier's article numbers
    (article -> SKU), kept for the supplier's later lists. Returns how many."""
    chosen = {lists.clean_edges(a).upper()[:100]: (sku or "").strip().upper() for a, sku in products.items()}
    chosen = {a: sku for a, sku in chosen.items() if a and sku}
    if not chosen:
        raise Invalid("Choose a product for at least one article number.", code="no_article_chosen")
    found = dict(session.execute(select(Product.sku, Product.id).where(Product.sku.in_(set(chosen.values())),
                                                                       Product.active)).all())
    unknown = sorted({sku for sku in chosen.values() if sku not in found})
    if unknown:
        raise Invalid(f"No active product has the SKU {', '.join(s[:64] for s in unknown[:5])}.", code="unknown_sku")
    existing = {row.article: row for row in session.scalars(select(SupplierArticle).where(
        SupplierArticle.supplier_id == supplier.id, SupplierArticle.article.in_(list(chosen))))}
    for article, sku in chosen.items():
        row = existing.get(article)
        if row is None:
            session.add(SupplierArticle(supplier_id=supplier.id, article=article, product_id=found[sku],
                                        updated_at=utcnow()))
        else:
            row.product_id, row.updated_at = found[sku], utcnow()
    session.flush()
    return len(chosen)


def flag_serials_in_system(session: Session, preview: Preview) -> Preview:
    """Rows whose serial is already in the system become errors that name the
    receipt and status it has there: one statement."""
    checked = preview.checked
    existing = existing_serials(session, checked.keys)
    if not existing:
        return preview
    new_errors = []
    for i, key in enumerate(checked.keys):
        hit = existing.get(key)
        if hit is None:
            continue
        stored, status, receipt_id, reference = hit
        where = f"receipt #{receipt_id} ({reference})" if receipt_id else "no receipt"
        new_errors.append(lists.RowError(
            checked.row_numbers[i], checked.serial_header, checked.serials[i], "already_in_system",
            f"Already in the system as {stored}: {where}, status {status.replace('_', ' ')}."))
    keep = [key not in existing for key in checked.keys]
    checked.keep(keep)
    preview.product_ids = [p for p, kept in zip(preview.product_ids, keep, strict=True) if kept]
    preview.errors = sorted(preview.errors + new_errors, key=lambda e: e.row)
    return preview


def preview_list(
    session: Session, *, header: ReceiptHeader, content: bytes, file_name: str,
    sheet: str | None = None, mapping: dict | None = None,
) -> Preview:
    """Everything the receiver needs to decide: read, map, check. Saves nothing."""
    preview = read_list(content=content, file_name=file_name, sheet=sheet, mapping=mapping,
                        remembered=remembered_mapping(session, header.supplier.id))
    return check_against_database(session, preview, header)


def remembered_mapping(session: Session, supplier_id: int) -> dict | None:
    row = session.get(SupplierColumnMapping, supplier_id)
    return json.loads(row.mapping) if row else None


def _remember_mapping(session: Session, supplier_id: int, preview: Preview) -> None:
    data = json.dumps(preview.mapping.as_json(preview.table.headers))
    row = session.get(SupplierColumnMapping, supplier_id)
    if row is None:
        session.add(SupplierColumnMapping(supplier_id=supplier_id, mapping=data, updated_at=utcnow()))
    else:
        row.mapping = data
        row.updated_at = utcnow()


# --- committing a list -----------------------------------------------------------


def serialise_receiving(session: Session) -> None:
    """Commits of new serials wait for one another, so two overlapping lists
    committed at the same moment cannot both pass the existence check: the
    second sees the first's serials and is told which collided. PostgreSQL: a
    transaction-level advisory lock; SQLite: the database write lock, taken now."""
    if _dialect(session) == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": COMMIT_LOCK_KEY})
    else:
        session.execute(text("UPDATE receipts SET status = status WHERE 1 = 0"))


def import_list(
    session: Session,
    *,
    header: ReceiptHeader,
    content: bytes,
    file_name: str,
    actor: User | None,
    sheet: str | None = None,
    mapping: dict | None = None,
    skip_invalid: bool = False,
    expected_invalid: int | None = None,
) -> tuple[Receipt, Preview]:
    """Commit a supplier list: the receipt and every item as expected, one
    'listed' movement each, all in the caller's transaction, or nothing.

    Refused (ListRefused, nothing written) while invalid rows remain, unless
    ``skip_invalid``; the receipt then records how many rows and which were
    skipped. ``expected_invalid`` is the number of invalid rows the receiver saw
    in the preview: if the list has changed since (a colliding commit), refuse.
    """
    preview = read_list(content=content, file_name=file_name, sheet=sheet, mapping=mapping,
                        remembered=remembered_mapping(session, header.supplier.id))
    return commit_list(session, header=header, preview=preview, file_name=file_name, actor=actor,
                       skip_invalid=skip_invalid, expected_invalid=expected_invalid)


def commit_list(session: Session, *, header: ReceiptHeader, preview: Preview, file_name: str, actor: User | None,
                skip_invalid: bool = False, expected_invalid: int | None = None) -> tuple[Receipt, Preview]:
    """Commit a list already read and checked against the file (``import_list``
    or a staged upload's stored rows): the checks that need the database, then
    the receipt, its items and their movements, or nothing."""
    if preview.refusal is not None:
        raise ListRefused(preview.refusal.message, preview, code=preview.refusal.code)
    serialise_receiving(session)
    check_against_database(session, preview, header, serials=False)
    if preview.duplicate_of is not None:
        receipt = preview.duplicate_of
        raise Conflict(
            f"This file was already uploaded for {header.supplier.code} as receipt #{receipt.id} "
            f"({receipt.reference}).",
            code="duplicate_file",
            details={"receipt_id": receipt.id},
        )
    receipt = None
    if (skip_invalid or not preview.errors) and expected_invalid in (None, len(preview.errors)) and preview.valid:
        # Optimistic: the serials' unique index checks every row as it goes in, so
        # a list of new serials (nearly every list) is not looked up twice. If
        # some are in the system already, nothing of the attempt stays, and the
        # look-up below says which they are.
        try:
            with session.begin_nested():
                receipt = _save_list(session, header=header, preview=preview, file_name=file_name, actor=actor)
        except IntegrityError:
            receipt = None
    if receipt is None:
        flag_serials_in_system(session, preview)
        _may_save(preview, skip_invalid=skip_invalid, expected_invalid=expected_invalid)
        try:
            receipt = _save_list(session, header=header, preview=preview, file_name=file_name, actor=actor)
        except IntegrityError as error:
            if not _is_unique_violation(error):
                raise Conflict(
                    "A product, supplier or warehouse of this list changed while it was being saved; nothing was "
                    "saved. Check them and upload the list again.", code="reference_changed") from None
            raise Conflict(
                "Some of these serials were saved by another upload at the same moment; nothing was saved. "
                "Upload the list again to see which.", code="serial_collision") from None
    _remember_mapping(session, header.supplier.id, preview)
    return receipt, preview


def _is_unique_violation(error: IntegrityError) -> bool:
    code = getattr(error.orig, "sqlstate", None)  # PostgreSQL
    return code == "23505" if code else "UNIQUE" in str(error.orig)  # SQLite says which constraint


def _may_save(preview: Preview, *, skip_invalid: bool, expected_invalid: int | None) -> None:
    """Refuse (ListRefused, nothing written) while invalid rows remain and the
    receiver has not chosen to skip them, or when they differ from the preview."""
    invalid = len(preview.errors)
    if invalid and not skip_invalid:
        raise ListRefused(
            f"{invalid} row{'s' if invalid != 1 else ''} of the list cannot be received; nothing was saved. "
            "Fix the file, or choose to skip the invalid rows.", preview)
    if expected_invalid is not None and invalid != expected_invalid:
        raise ListRefused(
            f"The list has changed since the preview: {invalid} rows are now invalid "
            f"(the preview showed {expected_invalid}). Nothing was saved; check the rows again.",
            preview, code="list_changed")
    if preview.valid == 0:
        raise ListRefused("The list has no valid serials; nothing was saved.", preview, code="no_valid_rows")


def _save_list(session: Session, *, header: ReceiptHeader, preview: Preview, file_name: str,
               actor: User | None) -> Receipt:
    """The receipt, its items as expected and one 'listed' movement each.
    Raises IntegrityError if a serial is in the system already."""
    now = utcnow()
    invalid = len(preview.errors)
    receipt = Receipt(
        supplier_id=header.supplier.id,
        warehouse_id=header.warehouse.id,
        reference=header.reference,
        expected_date=header.expected_date,
        status=ReceiptStatus.OPEN,
        created_by_id=actor.id if actor else None,
        created_at=now,
        file_name=file_name[:255],
        file_sha256=preview.file_sha256,
        skipped_rows=invalid,
        skipped_detail=json.dumps([
            {"row": e.row, "value": e.value, "code": e.code} for e in preview.errors
        ]) if invalid else None,
    )
    session.add(receipt)
    session.flush()
    with _large_page_cache(session):
        _insert_items(session, receipt=receipt, header=header, preview=preview, at=now)
        ledger.list_items(session, where=SerialItem.receipt_id == receipt.id, actor=actor, at=now)
    return receipt


ITEM_COLUMNS = ("serial", "serial_key", "product_id", "supplier_id", "receipt_id", "warehouse_id",
                "status", "condition", "ownership", "unit_cost", "created_at")


def _insert_items(session: Session, *, receipt: Receipt, header: ReceiptHeader, preview: Preview,
                  at: datetime) -> None:
    checked = preview.checked
    default_cost = header.unit_cost
    # suppliers repeat a few prices: each distinct cost is written as text once
    cost_texts = {c: str(c) for c in {*checked.costs, default_cost} if c is not None}
    costs = [cost_texts[c] if c is not None else cost_texts.get(default_cost) for c in checked.costs]
    fixed = (header.supplier.id, receipt.id, header.warehouse.id, ItemStatus.EXPECTED.value,
             header.condition, header.ownership)
    count = len(checked.keys)
    # a list with a lot or expiry column writes those two columns too; others write none
    with_lots = bool(checked.lots or checked.expiries)
    columns = ITEM_COLUMNS + (LOT_COLUMNS if with_lots else ())
    lots = (checked.lots or [None] * count) if with_lots else ()
    expiries = ([d.isoformat() if d else None for d in checked.expiries] if checked.expiries else [None] * count
                ) if with_lots else ()
    if _dialect(session) == "postgresql":
        from psycopg import errors as pg_errors

        # COPY's text format written in chunks: a third less Python time than
        # write_row per item. Serials and lots have no tabs, line breaks or control
        # characters (check_serial and portal.lots.clean_lot refuse them); a backslash is doubled.
        serials, keys = checked.serials, checked.keys
        if any("\\" in serial for serial in serials):
            serials = [serial.replace("\\", "\\\\") for serial in serials]
            keys = [key.replace("\\", "\\\\") for key in keys]
        middle = "\t".join(str(v) for v in fixed)
        costs_text = ["\\N" if cost is None else cost for cost in costs]
        stamp = at.isoformat(sep=" ")
        ends = [f"\t{_copy_text(lot)}\t{expiry or NULL_TEXT}\n" for lot, expiry in zip(lots, expiries, strict=True)
                ] if with_lots else ["\n"] * count
        driver = session.connection().connection.driver_connection
        try:
            with driver.cursor() as cursor, cursor.copy(
                f"COPY serial_items ({', '.join(columns)}) FROM STDIN"
            ) as copy:
                for start in range(0, len(keys), COPY_CHUNK):
                    end = start + COPY_CHUNK
                    copy.write("".join([
                        f"{serial}\t{key}\t{product}\t{middle}\t{cost}\t{stamp}{line_end}"
                        for serial, key, product, cost, line_end in zip(
                            serials[start:end], keys[start:end], preview.product_ids[start:end],
                            costs_text[start:end], ends[start:end], strict=True)
                    ]))
        except pg_errors.IntegrityError as error:  # a serial taken, or a reference gone: as SQLAlchemy would say it
            raise IntegrityError("COPY serial_items", None, error) from None  # noqa: B904
        return
    # SQLite: one INSERT ... SELECT per chunk from a JSON array of the rows that
    # vary; the rest are bound once. Half the time of executemany, which binds
    # eleven values per row one call at a time.
    statement = text(
        f"INSERT INTO serial_items ({', '.join(columns)}) "  # noqa: S608 - fixed columns
        "SELECT value ->> 0, value ->> 1, value ->> 2, :supplier, :receipt, :warehouse, :status, :condition, "
        ":ownership, value ->> 3, :at" + (", value ->> 4, value ->> 5" if with_lots else "") + " FROM json_each(:rows)")
    fixed_values = dict(zip(("supplier", "receipt", "warehouse", "status", "condition", "ownership"), fixed,
                            strict=True))
    fixed_values["at"] = at.strftime("%Y-%m-%d %H:%M:%S.%f")
    varying = [checked.serials, checked.keys, preview.product_ids, costs] + ([lots, expiries] if with_lots else [])
    for start in range(0, count, INSERT_CHUNK):
        end = start + INSERT_CHUNK
        rows = json.dumps(list(zip(*(values[start:end] for values in varying), strict=True)))
        session.execute(statement, {**fixed_values, "rows": rows})


LOT_COLUMNS = ("lot", "expires_at")
NULL_TEXT = "\\N"  # COPY's NULL


def _copy_text(value: str | None) -> str:
    """A lot as a COPY text field: NULL, or its backslashes doubled (it has no control characters)."""
    return NULL_TEXT if value is None else value.replace("\\", "\\\\")


def _large_page_cache(session: Session):
    """SQLite: a page cache big enough for the indexes of a large serial_items
    while a list goes in; back to the default afterwards, so pooled connections stay small."""
    return sqlite_pragma(session, "cache_size", -SQLITE_CACHE_KB, restore=-2000)


# --- staged uploads (the page's preview, then commit) -----------------------------


def stage_upload(session: Session, *, header: ReceiptHeader, content: bytes, file_name: str,
                 actor: User | None, sheet: str | None = None) -> tuple[StagedUpload, Preview]:
    """Keep the upload in the database until the receiver commits it, parsed
    once, here: the rows go in ``parsed``; preview, remap, errors.csv and commit
    read them. Returns the upload and its preview.

    A file the reader refuses (not a list at all, or a hostile one: a zip bomb,
    a sheet too large, a DTD, a line over the field limit, a NUL) raises
    :class:`UnreadableUpload` before anything is written: such a file is never
    kept. A file whose header row or serial column the reader cannot find is
    kept: the receiver chooses them in the preview."""
    file_name = (file_name or "upload")[:255]
    remembered = remembered_mapping(session, header.supplier.id)
    table, header_found, refusal = _read_for_staging(content, file_name=file_name, sheet=sheet,
                                                     remembered=remembered)
    if refusal is not None:
        raise UnreadableUpload(refusal)
    session.execute(delete(StagedUpload).where(StagedUpload.created_at < utcnow() - STAGED_UPLOADS_KEPT))
    staged = StagedUpload(
        supplier_id=header.supplier.id,
        warehouse_id=header.warehouse.id,
        reference=header.reference,
        expected_date=header.expected_date,
        product_id=header.product.id if header.product else None,
        condition=header.condition,
        ownership=header.ownership,
        unit_cost=header.unit_cost,
        file_name=file_name,
        file_sha256=file_digest(content),
        file_size=len(content),
        content=content,
        parsed=pack_table(table, header_found=header_found),
        sheet=sheet or None,
        created_by_id=actor.id if actor else None,
        created_at=utcnow(),
    )
    session.add(staged)
    session.flush()
    return staged, _staged_preview(session, staged, header, (table, header_found), None, remembered)


def _read_for_staging(content: bytes, *, file_name: str, sheet: str | None, remembered: dict | None):
    try:
        return *read_table(content, file_name=file_name, sheet=sheet, remembered=remembered), None
    except lists.UnreadableFile as refusal:
        return None, False, refusal


def staged_header(session: Session, staged: StagedUpload, *, again: bool = False) -> ReceiptHeader:
    """The upload's header; ``again``: checked as at upload (supplier, warehouse and
    default product still active), for the commit."""
    product = session.get(Product, staged.product_id) if staged.product_id else None
    if not again:
        return ReceiptHeader(supplier=staged.supplier, warehouse=staged.warehouse, reference=staged.reference,
                             expected_date=staged.expected_date, product=product, condition=staged.condition,
                             ownership=staged.ownership, unit_cost=staged.unit_cost)
    try:
        return receipt_header(
            session, supplier=staged.supplier.code, warehouse=staged.warehouse.code, reference=staged.reference,
            expected_date=staged.expected_date, product=product.sku if product else None,
            condition=staged.condition, ownership=staged.ownership, unit_cost=staged.unit_cost)
    except Invalid as error:
        raise Invalid("Since the preview, this receipt's details no longer hold: "
                      + " ".join((error.details or {}).values())
                      + " Nothing was saved; discard this upload and start again.",
                      code="header_changed", details=error.details) from None


def get_staged(session: Session, staged_id: int, *, actor: User | None = None) -> StagedUpload:
    """The upload; with ``actor``, only if it is theirs to handle (Forbidden otherwise)."""
    staged = session.get(StagedUpload, staged_id)
    if staged is None:
        raise NotFound("This upload is no longer waiting: it was committed, or it expired. Upload the file again.",
                       code="upload_gone")
    if actor is not None:
        must_be_theirs(staged, actor)
    return staged


def must_be_theirs(staged: StagedUpload, actor: User) -> None:
    """A staged upload belongs to the receiver who made it; a manager (or admin) may handle anyone's."""
    if staged.created_by_id in (None, actor.id) or actor.has_role("manager"):
        return
    owner = staged.created_by.username if staged.created_by else "another receiver"
    raise Forbidden(f"This upload belongs to {owner}: only they or a manager may preview, change, commit or "
                    "discard it.", code="not_your_upload")


def preview_staged(session: Session, staged: StagedUpload) -> Preview:
    """The preview from the rows stored at upload: no file is read."""
    table = refusal = None
    try:
        table = _staged_table(staged)
    except lists.UnreadableFile as error:
        refusal = error
    return _staged_preview(session, staged, staged_header(session, staged), table, refusal,
                           remembered_mapping(session, staged.supplier_id))


def _staged_table(staged: StagedUpload) -> tuple[lists.Table, bool]:
    if staged.parsed is None:  # staged before migration 0006
        return read_table(staged.content, file_name=staged.file_name, sheet=staged.sheet)
    return unpack_table(staged.parsed)


def _staged_preview(session: Session, staged: StagedUpload, header: ReceiptHeader,
                    table: tuple[lists.Table, bool] | None, refusal: lists.UnreadableFile | None,
                    remembered: dict | None) -> Preview:
    preview = _staged_file_checks(staged, table, refusal, remembered)
    return check_against_database(session, preview, header)


def _staged_file_checks(staged: StagedUpload, read: tuple[lists.Table, bool] | None,
                        refusal: lists.UnreadableFile | None, remembered: dict | None) -> Preview:
    """The file checks on the stored rows, with the receiver's header row and mapping."""
    if read is None:
        return Preview(file_name=staged.file_name, file_sha256=staged.file_sha256, refusal=refusal)
    table, header_found = read
    if _apply_header_row(staged, table):
        header_found = True
    return check_table(table, file_name=staged.file_name, file_sha256=staged.file_sha256,
                       mapping=_staged_mapping(staged), remembered=remembered, header_found=header_found)


def staged_column_names(staged: StagedUpload) -> list[str]:
    """The columns the receiver can map, from the stored rows and the chosen header row."""
    try:
        table, _ = _staged_table(staged)
    except lists.UnreadableFile:
        return []
    _apply_header_row(staged, table)
    return Preview(file_name=staged.file_name, file_sha256=staged.file_sha256, table=table).column_names


def _apply_header_row(staged: StagedUpload, table: lists.Table) -> bool:
    """The receiver's header row, if they chose one (``NO_HEADER_ROW``: every row is data)."""
    if staged.header_row is None or staged.header_row >= len(table.rows):
        return False
    table.header_index = staged.header_row if staged.header_row >= 0 else None
    return True


def _staged_mapping(staged: StagedUpload) -> lists.Mapping | dict | None:
    """The receiver's mapping: columns by position (any column of the rows, header or not)."""
    if not staged.mapping:
        return None
    data = json.loads(staged.mapping)
    if "indexes" in data:
        return lists.Mapping(columns={k: int(v) for k, v in data["indexes"].items()},
                             serial_kind=data.get("serial_kind", "any"))
    return data  # by header text (staged before 0006)


#: ``header_row`` for "the file has no header row": every row is data.
NO_HEADER_ROW = -1


def remap_staged(session: Session, *, staged: StagedUpload, columns: dict[str, int | None],
                 serial_kind: str = "any", sheet: str | None = None, header_row: int | None = None) -> StagedUpload:
    """The receiver's own mapping (field -> column position), header row and sheet,
    kept with the upload. A new sheet reads the kept workbook again (the only
    re-read of a file); a new header row or sheet drops the column choice, which
    named the old header's columns."""
    if sheet is not None and (sheet or None) != staged.sheet:
        staged.sheet = sheet or None
        table, header_found, refusal = _read_for_staging(
            staged.content, file_name=staged.file_name, sheet=staged.sheet,
            remembered=remembered_mapping(session, staged.supplier_id))
        staged.parsed = pack_table(table, refusal, header_found=header_found)
        staged.header_row = None
        staged.mapping = None
        return staged
    if header_row is not None and header_row != (staged.header_row if staged.header_row is not None else
                                                 _found_header_row(staged)):
        if header_row < NO_HEADER_ROW or header_row >= HEADER_ROW_CHOICES:
            raise Invalid("Choose the header row from the first rows of the file.", code="bad_header_row")
        staged.header_row = header_row
        staged.mapping = None
        return staged
    chosen = {name: index for name, index in columns.items() if name in lists.FIELDS and index is not None}
    if not chosen and header_row is not None:
        return staged  # the header row the reader had found already: nothing changes
    if "serial" not in chosen:
        raise Invalid("Choose the column that holds the serial numbers.", code="no_serial_column")
    if len(set(chosen.values())) < len(chosen):
        raise Invalid("Each column can be mapped to one field only.", code="column_twice")
    staged.mapping = json.dumps({"indexes": chosen,
                                 "serial_kind": serial_kind if serial_kind in lists.SERIAL_KINDS else "any"})
    return staged


def _found_header_row(staged: StagedUpload) -> int:
    try:
        index = _staged_table(staged)[0].header_index
    except lists.UnreadableFile:
        return NO_HEADER_ROW
    return NO_HEADER_ROW if index is None else index


def commit_staged(session: Session, *, staged: StagedUpload, actor: User | None, skip_invalid: bool,
                  expected_invalid: int | None) -> tuple[Receipt, Preview]:
    """Commit the rows stored at upload. The header is checked again first:
    supplier, warehouse and default product still active, the reference not
    taken by another receipt of the supplier since the upload."""
    header = staged_header(session, staged, again=True)
    taken = session.scalar(select(Receipt).where(
        Receipt.supplier_id == header.supplier.id, Receipt.reference == header.reference,
        Receipt.created_at >= staged.created_at).limit(1))
    if taken is not None:
        raise Conflict(f"Receipt #{taken.id} with the reference {taken.reference} was created for "
                       f"{header.supplier.code} since this preview; nothing was saved.", code="reference_taken",
                       details={"receipt_id": taken.id})
    table = refusal = None
    try:
        table = _staged_table(staged)
    except lists.UnreadableFile as error:
        refusal = error
    preview = _staged_file_checks(staged, table, refusal, remembered_mapping(session, staged.supplier_id))
    receipt, preview = commit_list(session, header=header, preview=preview, file_name=staged.file_name,
                                   actor=actor, skip_invalid=skip_invalid, expected_invalid=expected_invalid)
    session.delete(staged)
    return receipt, preview


# --- the receipt after the list: dock, unexpected serials, closing -----------------


def get_receipt(session: Session, receipt_id: int) -> Receipt:
    receipt = session.get(Receipt, receipt_id)
    if receipt is None:
        raise NotFound(f"There is no receipt #{receipt_id}.")
    return receipt


def _must_be_open(receipt: Receipt) -> None:
    if receipt.status != ReceiptStatus.OPEN:
        raise Conflict(f"Receipt #{receipt.id} is closed.", code="receipt_closed")


def _bulk_transition(session: Session, *, receipt: Receipt, from_status: str, to_status: str, kind: str,
                     actor: User | None, to_bin_id: int | None, note: str, received: bool = False) -> int:
    """Every item of the receipt in ``from_status`` changes to ``to_status``, one
    movement each, through the ledger's set-based path."""
    return ledger.bulk_transition(
        session, where=(SerialItem.receipt_id == receipt.id) & (SerialItem.status == from_status),
        to_status=to_status, kind=kind, actor=actor, to_bin_id=to_bin_id, note=note, mark_received=received)


def receive_all_at_dock(session: Session, *, receipt: Receipt, actor: User | None) -> int:
    """A trusted supplier's shipment: every expected item becomes in stock in
    the warehouse's dock bin, one 'received' movement each. Returns how many."""
    _must_be_open(receipt)
    if not receipt.supplier.trusted:
        raise Invalid(
            f"{receipt.supplier.name} is not a trusted supplier: scan each item in with put-away.",
            code="supplier_not_trusted")
    dock = special_bin(session, receipt.warehouse_id, BinKind.DOCK)
    return _bulk_transition(session, receipt=receipt, from_status=ItemStatus.EXPECTED,
                            to_status=ItemStatus.IN_STOCK, kind=MovementKind.RECEIVED, actor=actor,
                            to_bin_id=dock.id, note=f"received at the dock with receipt #{receipt.id}",
                            received=True)


def close_receipt(session: Session, *, receipt: Receipt, actor: User | None) -> int:
    """Close: every item still expected becomes missing (one 'marked_missing'
    movement each). Returns how many went missing."""
    _must_be_open(receipt)
    missing = _bulk_transition(session, receipt=receipt, from_status=ItemStatus.EXPECTED,
                               to_status=ItemStatus.MISSING, kind=MovementKind.MARKED_MISSING, actor=actor,
                               to_bin_id=None, note=f"not received when receipt #{receipt.id} was closed")
    receipt = session.get(Receipt, receipt.id)
    receipt.status = ReceiptStatus.CLOSED
    receipt.closed_at = utcnow()
    session.flush()
    return missing


def add_unexpected(session: Session, *, receipt: Receipt, serial: str, product_sku: str | None,
                   actor: User | None) -> SerialItem:
    """A serial that arrived with the shipment but is not on the list: it is
    listed on this receipt (marked unexpected) and received into the dock bin."""
    _must_be_open(receipt)
    cleaned = lists.clean_edges(serial or "")
    problem = lists.check_serial(cleaned)
    if problem:
        raise Invalid(f"{cleaned[:64]!s}: {problem[1]}" if cleaned else problem[1], code=problem[0])
    key = cleaned.upper()
    serialise_receiving(session)
    hit = existing_serials(session, [key]).get(key)
    if hit is not None:
        stored, status, receipt_id, reference = hit
        if receipt_id == receipt.id and status == ItemStatus.EXPECTED:
            raise Conflict(f"{stored} is on this receipt's list: put it away with the scanner.",
                           code="on_the_list")
        where = f"receipt #{receipt_id} ({reference})" if receipt_id else "no receipt"
        raise Conflict(f"{stored} is already in the system: {where}, status {status.replace('_', ' ')}.",
                       code="already_in_system")
    sku = (product_sku or "").strip().upper()
    product = catalog_queries.product_by_sku(session, sku) if sku else None
    if product is None or not product.active:
        raise Invalid("Choose the product of this item." if not sku else f"No active product has the SKU {sku[:64]}.",
                      code="unknown_sku")
    dock = special_bin(session, receipt.warehouse_id, BinKind.DOCK)
    item = SerialItem(serial=cleaned, serial_key=key, product_id=product.id, supplier_id=receipt.supplier_id,
                      receipt_id=receipt.id, warehouse_id=receipt.warehouse_id, status=ItemStatus.EXPECTED)
    session.add(item)
    session.flush()
    ledger.list_item(session, item, actor=actor, note=f"not on the supplier's list of receipt #{receipt.id}")
    item.received_at = utcnow()
    ledger.transition(session, item, to_status=ItemStatus.IN_STOCK, kind=MovementKind.RECEIVED, actor=actor,
               to_bin=dock, note=f"unexpected with receipt #{receipt.id}")
    session.add(UnexpectedItem(receipt_id=receipt.id, item_id=item.id, found_by_id=actor.id if actor else None))
    session.flush()
    return item
