"""Printable label sheets: bin labels (Code128 of the bin prefix, warehouse and bin
code, ``BIN:WH1/A-01``, and the code in large print) and serial labels for a receipt's items.

Barcodes are python-barcode SVGs embedded as base64 data URIs (pasting the
SVG inline makes WeasyPrint warn); their size comes from the writer's
module width and height, chosen so the symbol fits the label.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from barcode import Code128
from barcode.errors import BarcodeError
from barcode.writer import SVGWriter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import Invalid, NotFound
from ..models import Bin, ItemStatus, Product, Receipt, SerialItem, Supplier, Warehouse
from ..scanning.barcodes import bin_label_text
from .pdf import render_pdf

MAX_LABELS = 480  # 20 sheets of 24: one print run stays quick to render
QUIET_ZONE_MM = 1.5  # inside the symbol; the label's own padding adds 3 mm of white beyond it
MAX_MODULE_MM = 0.381
#: a printer dot at 200 dpi: bars a whole number of dots wide print (and decode) crisply
#: at 200, 300 and 600 dpi alike when the number is even
DOT_MM = 25.4 / 200


@dataclass(frozen=True)
class LabelSheet:
    """One kind of label stock: the labels' size and where they sit on the
    page (margins from the page's top-left corner and the pitch, label edge
    to label edge), all in millimetres from the stock's data sheet. The print
    layout places every label from these figures, so they are the one source
    of the geometry."""

    key: str
    name: str
    stock: str  # the stationery this layout is for
    columns: int
    rows: int
    label_width_mm: float
    label_height_mm: float
    top_mm: float
    left_mm: float
    pitch_x_mm: float
    pitch_y_mm: float
    padding_mm: float = 3.0

    @property
    def per_sheet(self) -> int:
        return self.columns * self.rows

    @property
    def barcode_width_mm(self) -> float:
        return self.label_width_mm - 2 * self.padding_mm

    def label_box(self, column: int, row: int) -> tuple[float, float, float, float]:
        """(left, top, width, height) in mm of the label at ``column``, ``row``."""
        return (round(self.left_mm + column * self.pitch_x_mm, 3), round(self.top_mm + row * self.pitch_y_mm, 3),
                self.label_width_mm, self.label_height_mm)


SHEETS = {
    # 3 x 70 mm fill the 210 mm width edge to edge; 8 x 37 mm leave 0.5 mm top and bottom
    "a4-3x8": LabelSheet("a4-3x8", "A4, 3 × 8 labels of 70 × 37 mm",
                         "Avery 3474 / L7159-type (24 per sheet, no gaps)", 3, 8, 70, 37,
                         top_mm=0.5, left_mm=0, pitch_x_mm=70, pitch_y_mm=37),
    "a4-3x7": LabelSheet("a4-3x7", "A4, 3 × 7 labels of 63.5 × 38.1 mm",
                         "Avery L7160 / J8160-type (21 per sheet)", 3, 7, 63.5, 38.1,
                         top_mm=15.15, left_mm=7.21, pitch_x_mm=66.04, pitch_y_mm=38.1),
    "a4-2x7": LabelSheet("a4-2x7", "A4, 2 × 7 labels of 99.1 × 38.1 mm",
                         "Avery L7163 / J8163-type (14 per sheet)", 2, 7, 99.1, 38.1,
                         top_mm=15.15, left_mm=4.65, pitch_x_mm=101.6, pitch_y_mm=38.1),
}


@dataclass(frozen=True)
class Label:
    code: str  # the human-readable line in large print
    barcode: str | None  # data URI, None when the text cannot be encoded
    lines: tuple[str, ...] = ()


def barcode_data_uri(data: str, *, width_mm: float, height_mm: float) -> str | None:
    """Code128 as an SVG data URI at most ``width_mm`` wide (None if the text
    has characters Code128 cannot carry)."""
    try:
        symbol = Code128(data, writer=SVGWriter())
        modules = len(symbol.build()[0])
    except (BarcodeError, ValueError, KeyError, IndexError, UnicodeError):
        return None
    module = min(MAX_MODULE_MM, (width_mm - 2 * QUIET_ZONE_MM) / modules)
    dots = int(module / DOT_MM + 1e-9)
    if dots >= 2:  # whole dots: a bar of 1.7 dots smears at 200 dpi and does not decode
        module = dots * DOT_MM
    module = max(int(module * 1000) / 1000, 0.05)
    svg = symbol.render({
        "module_width": module, "module_height": height_mm, "quiet_zone": QUIET_ZONE_MM,
        "write_text": False, "margin_top": 0, "margin_bottom": 0,
    })
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def _sheet(key: str | None) -> LabelSheet:
    sheet = SHEETS.get(key or "a4-3x8")
    if sheet is None:
        raise Invalid(f"Label sheet must be one of: {', '.join(SHEETS)}.", code="invalid_sheet")
    return sheet


def _skip(raw, sheet: LabelSheet) -> int:
    text = str(raw or "0").strip()
    if not text.isdigit() or int(text) >= sheet.per_sheet:
        raise Invalid(f"Skip must be a whole number from 0 to {sheet.per_sheet - 1} (labels already used).",
                      code="invalid_skip")
    return int(text)


def _pages(labels: list[Label | None], sheet: LabelSheet) -> list[list[list[Label | None]]]:
    """Labels laid out as sheets of rows; blanks (None) fill the gaps."""
    pages = []
    for start in range(0, len(labels), sheet.per_sheet):
        chunk = labels[start:start + sheet.per_sheet]
        chunk += [None] * (sheet.per_sheet - len(chunk))
        pages.append([chunk[r * sheet.columns:(r + 1) * sheet.columns] for r in range(sheet.rows)])
    return pages


def _render(title: str, labels: list[Label], sheet: LabelSheet, skip: int) -> bytes:
    slots: list[Label | None] = [None] * skip + list(labels)
    return render_pdf("reports/pdf/labels.html", title=title, sheet=sheet, pages=_pages(slots, sheet))


def bin_labels_pdf(session: Session, *, warehouse_code: str, bin_codes: list[str], all_bins: bool = False,
                   prefix: str, sheet_key: str | None = None, skip=0) -> bytes:
    """Labels for the chosen bins of a warehouse (or all its bins), in bin-code order."""
    sheet = _sheet(sheet_key)
    skip = _skip(skip, sheet)
    warehouse = session.scalar(select(Warehouse).where(Warehouse.code == (warehouse_code or "").strip().upper()))
    if warehouse is None:
        raise NotFound(f"No warehouse with code {warehouse_code!r}.")
    wanted = sorted({c.strip().upper() for c in bin_codes if c and c.strip()})
    stmt = select(Bin.code).where(Bin.warehouse_id == warehouse.id).order_by(Bin.code)
    if not all_bins:
        if not wanted:
            raise Invalid("Choose at least one bin.", code="no_bins")
        stmt = stmt.where(Bin.code.in_(wanted))
    codes = list(session.scalars(stmt))
    missing = sorted(set(wanted) - set(codes)) if not all_bins else []
    if missing:
        raise Invalid(f"{warehouse.code} has no bin {', '.join(missing[:10])}.", code="unknown_bin")
    if len(codes) > MAX_LABELS:
        raise Invalid(f"That is {len(codes)} labels; print at most {MAX_LABELS} at a time.", code="too_many")
    height = 15 if sheet.label_height_mm >= 35 else 12
    labels = [
        Label(code=code, lines=(f"{warehouse.code} · {warehouse.name}",), barcode=barcode_data_uri(
            bin_label_text(prefix=prefix, warehouse_code=warehouse.code, bin_code=code),
            width_mm=sheet.barcode_width_mm, height_mm=height))
        for code in codes
    ]
    return _render(f"Bin labels {warehouse.code}", labels, sheet, skip)


def receipt_parts(item_count: int) -> int:
    return max(1, -(-item_count // MAX_LABELS))


def item_status(raw: str | None) -> ItemStatus | None:
    """The ``status`` filter of serial labels: empty for every item."""
    text = (raw or "").strip().lower()
    if not text or text == "all":
        return None
    try:
        return ItemStatus(text)
    except ValueError:
        raise Invalid(f"Status must be one of: all, {', '.join(s.value for s in ItemStatus)}.",
                      code="invalid_status") from None


def receipt_labels_pdf(session: Session, *, receipt_id: int, part: int = 1, sheet_key: str | None = None,
                       skip=0, status: ItemStatus | None = None) -> bytes:
    """Serial labels for a receipt's items (all, or those in one status), in
    serial order; receipts larger than one print run come in parts of MAX_LABELS."""
    sheet = _sheet(sheet_key)
    skip = _skip(skip, sheet)
    receipt = session.get(Receipt, receipt_id)
    if receipt is None:
        raise NotFound(f"No receipt #{receipt_id}.")
    wanted = [SerialItem.receipt_id == receipt.id] + ([SerialItem.status == status] if status else [])
    count = session.scalar(select(func.count()).where(*wanted))
    if count == 0:
        which = f" {status.value.replace('_', ' ')}" if status else ""
        raise Invalid(f"Receipt {receipt.reference} has no{which} items to label.", code="no_items")
    parts = receipt_parts(count)
    if not 1 <= part <= parts:
        raise Invalid(f"Receipt {receipt.reference} prints in {parts} part(s).", code="invalid_part")
    rows = session.execute(
        select(SerialItem.serial, Product.sku, Product.name)
        .join(Product, Product.id == SerialItem.product_id)
        .where(*wanted)
        .order_by(SerialItem.serial_key)
        .offset((part - 1) * MAX_LABELS)
        .limit(MAX_LABELS)
    ).all()
    supplier = session.get(Supplier, receipt.supplier_id)
    labels = [
        Label(code=serial, barcode=barcode_data_uri(serial, width_mm=sheet.barcode_width_mm, height_mm=11),
              lines=(f"{sku} · {name[:40]}", f"{supplier.code} · {receipt.reference[:30]}"))
        for serial, sku, name in rows
    ]
    return _render(f"Serial labels {receipt.reference}", labels, sheet, skip)
