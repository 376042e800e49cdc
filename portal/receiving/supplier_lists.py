"""Reading supplier serial lists: pure rules, no database, no Flask.

A supplier's file goes through three steps here:

1. :func:`read_table` decodes the bytes (CSV/text in UTF-8, UTF-16 or cp1252,
   or an XLSX workbook) into a :class:`Table`: every row as a list of strings,
   with the header row found (it need not be the first).
2. :func:`recognise_columns` maps the headers to what they hold (serial, SKU,
   cost, ...), or a :class:`Mapping` chosen by the receiver is used.
3. :func:`check_rows` checks every row and returns a :class:`Checked` list:
   the valid rows, column by column, and the errors found in the file itself.

Checks that need the database (already in the system, unknown SKU) are made
by the service, set-based, on what :func:`check_rows` returns.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from ..serials import (
    BAD_INNER_CHARACTERS,
    EDGE_CHARACTERS,
    MAX_SERIAL_LENGTH,
    PLAIN_SERIAL,
    clean_edges,
    imei_is_valid,
)

HEADER_SEARCH_ROWS = 30
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe", None: "one column"}
ACCEPTED = (
    "Accepted: CSV or plain text (comma, semicolon, tab or pipe separated, or one serial per line; "
    "UTF-8, UTF-16 with BOM or Windows-1252) and Excel workbooks (.xlsx)."
)

#: What a column can hold, with the header spellings that say so (compared
#: lower-case with spaces, dots, underscores and dashes removed).
FIELDS = ("serial", "sku", "description", "cost", "po", "carton")
FIELD_LABELS = {
    "serial": "Serial",
    "sku": "SKU",
    "description": "Description",
    "cost": "Unit cost",
    "po": "PO",
    "carton": "Carton / pallet",
}
HEADER_WORDS: dict[str, tuple[str, ...]] = {
    "serial": (
        "serial", "serialno", "serialnumber", "serial#", "serialnr", "sn", "s/n", "snr", "sno",
        "imei", "imei1", "imeinumber", "mac", "macaddress", "macid", "esn", "serialnumbers",
        "seriennummer", "numerodeserie", "numéro de série", "serie",
    ),
    "sku": (
        "sku", "partnumber", "partno", "part#", "pn", "p/n", "item", "itemno", "itemnumber",
        "itemcode", "article", "articleno", "articlenumber", "artnr", "model", "modelno",
        "modelnumber", "productcode", "mpn",
    ),
    "description": ("description", "desc", "productname", "itemdescription", "name", "designation"),
    "cost": ("cost", "unitcost", "price", "unitprice", "netprice", "value", "costprice"),
    "po": ("po", "ponumber", "po#", "pono", "purchaseorder", "order", "ordernumber"),
    "carton": (
        "carton", "cartonno", "cartonnumber", "carton#", "box", "boxno", "pallet", "palletno",
        "palletid", "case", "caseno", "package", "hu",
    ),
}
SERIAL_KINDS = ("any", "imei", "mac")

#: Placeholders written where a serial should be.
PLACEHOLDERS = frozenset(
    {"-", "--", "---", "–", "—", "n/a", "na", "n.a.", "#n/a", "none", "null", "nil", "?", "tbd",
     "unknown", "x", "0", "no serial", "noserial", "missing", "nan"}
)
#: The serial rules (edge characters, length, allowed characters, Luhn) are portal.serials'.
_INNER_BAD = BAD_INNER_CHARACTERS
_PLAIN_SERIAL = PLAIN_SERIAL
_INVALID_COST = object()
_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+$")
_TRAILING_ZERO = re.compile(r"^\d+\.0+$")
_HEX12 = re.compile(r"^[0-9A-Fa-f]{12}$")
_MAC_SEPARATORS = re.compile(r"[:\-. ]")


class UnreadableFile(Exception):
    """The file cannot be read as a serial list. ``details`` helps the receiver."""

    def __init__(self, message: str, *, code: str = "unreadable_file", details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = details or {}


@dataclass
class Table:
    """A file read into rows of strings. ``header_index`` is the index of the
    header row in ``rows`` (None: no header, every row is data)."""

    rows: list[list[str]]
    kind: str  # "csv", "text" or "xlsx"
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    header_index: int | None = None
    #: the spreadsheet row number of each row in ``rows`` (1-based, as Excel shows it)
    row_numbers: list[int] | None = None
    #: (row index, column) of numeric cells Excel had already rounded (more than 15 digits)
    rounded_cells: set[tuple[int, int]] = field(default_factory=set)

    @property
    def headers(self) -> list[str]:
        if self.header_index is None:
            width = max((len(r) for r in self.rows[:50]), default=1)
            return [f"Column {i + 1}" for i in range(width)]
        return list(self.rows[self.header_index])

    @property
    def data_start(self) -> int:
        return 0 if self.header_index is None else self.header_index + 1

    def row_number(self, index: int) -> int:
        return self.row_numbers[index] if self.row_numbers else index + 1

    @property
    def description(self) -> str:
        if self.kind == "xlsx":
            return f"Excel workbook, sheet “{self.sheet}”"
        what = "text, one serial per line" if self.delimiter is None else (
            f"CSV, {DELIMITER_NAMES[self.delimiter]} separated"
        )
        return f"{what}, {self.encoding}"


@dataclass
class Mapping:
    """Which column (by index) holds what; ``serial_kind`` asks for IMEI/MAC checks."""

    columns: dict[str, int]
    serial_kind: str = "any"

    def as_json(self, headers: list[str]) -> dict:
        """Remembered per supplier by header text, so it survives column moves."""
        return {
            "columns": {f: headers[i] for f, i in self.columns.items() if i < len(headers)},
            "serial_kind": self.serial_kind,
        }

    @classmethod
    def from_json(cls, data: dict | None, headers: list[str]) -> Mapping | None:
        """The remembered mapping, if every column it names is in ``headers``."""
        if not data or "columns" not in data:
            return None
        keys = [normalise_header(h) for h in headers]
        columns = {}
        for name, header in data["columns"].items():
            key = normalise_header(header)
            if name not in FIELDS or key not in keys:
                return None
            columns[name] = keys.index(key)
        if "serial" not in columns:
            return None
        kind = data.get("serial_kind", "any")
        return cls(columns=columns, serial_kind=kind if kind in SERIAL_KINDS else "any")


@dataclass
class RowError:
    row: int
    column: str
    value: str
    code: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "value": self.value, "code": self.code,
                "message": self.message}


@dataclass
class Checked:
    """Rows that passed the file checks, column by column (same length), and the errors."""

    rows_read: int = 0
    row_numbers: list[int] = field(default_factory=list)
    serials: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    skus: list[str | None] = field(default_factory=list)
    costs: list[Decimal | None] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    serial_header: str = "serial"
    sku_header: str = "SKU"

    def keep(self, mask: list[bool]) -> None:
        """Keep only the rows whose ``mask`` entry is true (others were found invalid later)."""
        for name in ("row_numbers", "serials", "keys", "skus", "costs"):
            setattr(self, name, [v for v, k in zip(getattr(self, name), mask, strict=True) if k])


# --- decoding -----------------------------------------------------------------


def describe_binary(raw: bytes) -> str | None:
    """What a file that is not text is, by its first bytes (None: maybe text)."""
    head = raw[:8]
    if raw.startswith(b"%PDF"):
        return "a PDF document"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "an old Excel 97-2003 workbook (.xls) or another Office 97 file; save it as .xlsx or CSV"
    if head.startswith(b"\x89PNG") or head.startswith(b"\xff\xd8\xff") or head[:4] in (b"GIF8",):
        return "an image"
    if head.startswith(b"\x1f\x8b"):
        return "a gzip archive"
    if head.startswith(b"Rar!") or head.startswith(b"7z\xbc\xaf"):
        return "a compressed archive"
    return None


def decode_text(raw: bytes) -> tuple[str, str]:
    """Bytes to text: BOMs first (UTF-8, UTF-16), then UTF-8, then cp1252."""
    if raw.startswith(codecs.BOM_UTF32_LE) or raw.startswith(codecs.BOM_UTF32_BE):
        raise UnreadableFile(f"This file is UTF-32 text, which is not supported. {ACCEPTED}",
                             code="unsupported_encoding")
    if raw.startswith(codecs.BOM_UTF8):
        return _decode(raw[3:], "utf-8", "UTF-8 with BOM")
    if raw.startswith(codecs.BOM_UTF16_LE) or raw.startswith(codecs.BOM_UTF16_BE):
        return _decode(raw, "utf-16", "UTF-16")
    if b"\x00" in raw[:4096]:
        raise UnreadableFile(
            f"This file is binary (it contains NUL bytes), or UTF-16 text without a byte-order mark. "
            f"{ACCEPTED}", code="binary_file")
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        raise UnreadableFile(
            f"This file is not text in UTF-8, UTF-16 or Windows-1252. {ACCEPTED}",
            code="unsupported_encoding") from None


def _decode(raw: bytes, codec: str, label: str) -> tuple[str, str]:
    try:
        return raw.decode(codec), label
    except UnicodeDecodeError as error:
        raise UnreadableFile(
            f"This file starts like {label} text but byte {error.start} is not valid {label}. {ACCEPTED}",
            code="unsupported_encoding") from None


# --- CSV and text -------------------------------------------------------------


def sniff_delimiter(lines: list[str]) -> str | None:
    """The delimiter that splits the sample lines into the most consistent
    number of columns (more than one); None for one value per line."""
    best, best_score = None, (0.0, 0)
    sample = [line for line in lines if line.strip()][:60]
    if not sample:
        return None
    for delimiter in DELIMITERS:
        counts = [len(r) for r in csv.reader(sample, delimiter=delimiter)]
        common, times = Counter(counts).most_common(1)[0]
        if common < 2:
            continue
        # later lines matter more: title rows above the header have fewer columns
        score = (times / len(counts), common)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def read_text(raw: bytes) -> Table:
    text, encoding = decode_text(raw)
    if not text.strip(EDGE_CHARACTERS):
        raise UnreadableFile("The file is empty.", code="empty_file")
    lines = text[:200_000].splitlines()[:201]  # a sample: the first lines say how the file is cut
    delimiter = None
    skip = 0
    first = lines[0].strip() if lines else ""
    if first.lower().startswith("sep=") and len(first) == 5:
        delimiter = first[4]  # Excel's "sep=;" first line names the delimiter
        skip = 1
    if delimiter is None:
        delimiter = sniff_delimiter(lines[skip:skip + 200])
    body = io.StringIO(text)
    if skip:
        body.readline()
    if delimiter is None:
        rows = [[line] for line in body.read().splitlines()]
        kind = "text"
    else:
        rows = list(csv.reader(body, delimiter=delimiter))
        kind = "csv"
    return Table(rows=rows, kind=kind, encoding=encoding, delimiter=delimiter)


# --- XLSX ----------------------------------------------------------------------


def xlsx_cell_text(value) -> str:
    """A cell as text. Numbers keep every digit: an integer-valued float is
    written as an integer, never in scientific notation."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return ""
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def read_xlsx(raw: bytes, sheet: str | None = None) -> Table:
    import warnings
    import zipfile

    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise UnreadableFile(f"This Excel file could not be opened ({error}). {ACCEPTED}") from None
    try:
        names = list(workbook.sheetnames)
        if not names:
            raise UnreadableFile("The workbook has no sheets.", code="empty_file")
        chosen = sheet if sheet in names else names[0]
        if sheet and sheet not in names:
            raise UnreadableFile(
                f"The workbook has no sheet “{sheet}”; its sheets are: {', '.join(names)}.",
                code="unknown_sheet", details={"sheets": names})
        rows: list[list[str]] = []
        numbers: list[int] = []
        mangled_cells: set[tuple[int, int]] = set()
        for number, values in enumerate(workbook[chosen].iter_rows(values_only=True), start=1):
            cells = []
            for col, value in enumerate(values):
                if isinstance(value, float | int) and not isinstance(value, bool) and abs(value) >= 1e15:
                    # Excel keeps 15 significant digits: longer numbers were rounded when typed
                    mangled_cells.add((len(rows), col))
                cells.append(xlsx_cell_text(value))
            while cells and cells[-1] == "":
                cells.pop()
            if not cells:
                continue
            rows.append(cells)
            numbers.append(number)
    finally:
        workbook.close()
    if not rows:
        raise UnreadableFile(f"The sheet “{chosen}” is empty.", code="empty_file")
    return Table(rows=rows, kind="xlsx", sheet=chosen, sheets=names, row_numbers=numbers,
                 rounded_cells=mangled_cells)


# --- reading any file -------------------------------------------------------------


def read_table(raw: bytes, *, file_name: str = "", sheet: str | None = None,
               mapping_hint: dict | None = None) -> Table:
    """Read a supplier's file and find its header row. ``mapping_hint`` is a
    remembered mapping: its serial header counts as a serial header."""
    if not raw:
        raise UnreadableFile("The file is empty.", code="empty_file")
    if raw.startswith(b"PK\x03\x04"):
        if b"xl/workbook.xml" in raw[:200_000] or b"xl/" in raw[:2000] or file_name.lower().endswith(
                (".xlsx", ".xlsm")):
            table = read_xlsx(raw, sheet)
        elif b"opendocument.spreadsheet" in raw[:200]:
            raise UnreadableFile(f"This file is an OpenDocument spreadsheet (.ods). {ACCEPTED}",
                                 code="unsupported_format")
        elif b"word/" in raw[:2000]:
            raise UnreadableFile(f"This file is a Word document. {ACCEPTED}", code="unsupported_format")
        else:
            raise UnreadableFile(f"This file is a ZIP archive, not a workbook. {ACCEPTED}",
                                 code="unsupported_format")
    else:
        what = describe_binary(raw)
        if what:
            raise UnreadableFile(f"This file is {what}. {ACCEPTED}", code="unsupported_format")
        table = read_text(raw)
    extra = ()
    if mapping_hint and mapping_hint.get("columns", {}).get("serial"):
        extra = (normalise_header(mapping_hint["columns"]["serial"]),)
    table.header_index = find_header_row(table.rows, extra_serial_headers=extra)
    if table.header_index is None and _width(table.rows) > 1:
        found = [c for c in table.rows[0] if c.strip()]
        raise UnreadableFile(
            "No column is recognisable as the serial number. Columns found: "
            + ", ".join(f"“{c}”" for c in found[:30])
            + ". Name the serial column Serial, Serial No, S/N, SN, IMEI or MAC, and upload again.",
            code="no_serial_column", details={"columns": found[:100], "sheets": table.sheets,
                                              "sheet": table.sheet})
    return table


def _width(rows: list[list[str]]) -> int:
    return max((len([c for c in r if c.strip()]) for r in rows[:HEADER_SEARCH_ROWS * 2]), default=0)


def normalise_header(header: str) -> str:
    text = unicodedata.normalize("NFKC", header or "").strip(EDGE_CHARACTERS).lower()
    return re.sub(r"[\s._\-:()\[\]]", "", text)


_HEADER_INDEX: dict[str, str] = {}


def header_field(header: str) -> str | None:
    """What a header says its column holds (None: not recognised)."""
    if not _HEADER_INDEX:
        for name, words in HEADER_WORDS.items():
            for word in words:
                _HEADER_INDEX.setdefault(normalise_header(word), name)
    return _HEADER_INDEX.get(normalise_header(header))


def header_serial_kind(header: str) -> str:
    key = normalise_header(header)
    if key.startswith("imei"):
        return "imei"
    if key.startswith("mac"):
        return "mac"
    return "any"


def find_header_row(rows: list[list[str]], *, extra_serial_headers: tuple[str, ...] = ()) -> int | None:
    """The first of the top rows that has a serial header."""
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        for cell in row:
            if header_field(cell) == "serial" or (
                    extra_serial_headers and normalise_header(cell) in extra_serial_headers):
                return index
    return None


def recognise_columns(headers: list[str]) -> Mapping:
    """The mapping read from the headers; the first header of each kind wins."""
    columns: dict[str, int] = {}
    for index, header in enumerate(headers):
        name = header_field(header)
        if name and name not in columns:
            columns[name] = index
    if "serial" not in columns and len(headers) == 1:
        columns["serial"] = 0  # one serial per line
    kind = header_serial_kind(headers[columns["serial"]]) if "serial" in columns else "any"
    return Mapping(columns=columns, serial_kind=kind)


# --- checking rows --------------------------------------------------------------


def parse_cost(raw: str) -> Decimal | None:
    """A unit cost as suppliers write it: 12.50, 12,50, 1,234.50, 1.234,50, € 12.50.
    Raises ValueError when it is not a sensible amount."""
    text = clean_edges(raw).replace("\u00a0", "").replace(" ", "")
    text = re.sub(r"^(?:[$€£]|EUR|USD|GBP)|(?:[$€£]|EUR|USD|GBP)$", "", text, flags=re.IGNORECASE)
    if not text:
        return None
    if "," in text and "." in text:
        decimal_comma = text.rfind(",") > text.rfind(".")
        text = text.replace(".", "").replace(",", ".") if decimal_comma else text.replace(",", "")
    elif "," in text:
        whole, _, frac = text.rpartition(",")
        text = f"{whole.replace(',', '')}.{frac}" if len(frac) != 3 else text.replace(",", "")
    if not re.fullmatch(r"\d+(?:\.\d+)?", text):
        raise ValueError(raw)
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(raw) from None
    if value >= Decimal("1e10"):
        raise ValueError(raw)
    return value.quantize(Decimal("0.01"))


def check_serial(serial: str, kind: str = "any") -> tuple[str, str] | None:
    """(code, message) for a serial that cannot be accepted, None if it is fine.
    ``serial`` has had its edges cleaned."""
    if not serial:
        return "blank_serial", "The serial is blank."
    if serial.lower() in PLACEHOLDERS:
        return "placeholder", f"“{serial}” is a placeholder, not a serial."
    if _SCIENTIFIC.match(serial):
        return "excel_mangled", (
            "Excel has turned this serial into scientific notation and lost digits; "
            "format the column as Text in Excel and export again.")
    if _TRAILING_ZERO.match(serial):
        return "excel_mangled", (
            "This serial ends in “.0”: Excel has treated it as a number; "
            "format the column as Text in Excel and export again.")
    if _INNER_BAD.search(serial):
        return "bad_characters", "The serial has whitespace or control characters inside it."
    if len(serial) > MAX_SERIAL_LENGTH:
        return "too_long", f"The serial is {len(serial)} characters long; at most {MAX_SERIAL_LENGTH} are allowed."
    if kind == "imei" and not imei_is_valid(serial):
        if len(serial) != 15 or not serial.isdigit():
            return "invalid_imei", "An IMEI has 15 digits."
        return "invalid_imei", "This IMEI's check digit is wrong: a digit was mistyped or misread."
    if kind == "mac" and not _HEX12.match(_MAC_SEPARATORS.sub("", serial)):
        return "invalid_mac", "A MAC address has 12 hexadecimal digits (0-9, A-F)."
    return None


ERROR_LABELS = {
    "blank_serial": "Blank serial",
    "placeholder": "Placeholder instead of a serial",
    "bad_characters": "Whitespace or control characters inside",
    "too_long": f"Longer than {MAX_SERIAL_LENGTH} characters",
    "duplicate_in_file": "Duplicate within the file",
    "already_in_system": "Already in the system",
    "unknown_sku": "Unknown SKU",
    "no_product": "No product",
    "excel_mangled": "Mangled by Excel",
    "invalid_cost": "Invalid cost",
    "invalid_imei": "Invalid IMEI",
    "invalid_mac": "Invalid MAC address",
}


def check_rows(table: Table, mapping: Mapping) -> Checked:
    """Every data row checked against the rules that need no database."""
    headers = table.headers
    serial_col = mapping.columns["serial"]
    sku_col = mapping.columns.get("sku")
    cost_col = mapping.columns.get("cost")
    serial_header = headers[serial_col] if serial_col < len(headers) else "serial"
    sku_header = headers[sku_col] if sku_col is not None and sku_col < len(headers) else "SKU"
    cost_header = headers[cost_col] if cost_col is not None and cost_col < len(headers) else "cost"
    rounded = table.rounded_cells
    kind = mapping.serial_kind
    plain = _PLAIN_SERIAL.fullmatch if kind == "any" else (lambda _: None)
    placeholders = PLACEHOLDERS
    cost_cache: dict[str, Decimal | None] = {}
    out = Checked(serial_header=serial_header, sku_header=sku_header)
    errors = out.errors
    first_row_of: dict[str, int] = {}
    rows = table.rows
    for index in range(table.data_start, len(rows)):
        row = rows[index]
        raw = row[serial_col] if serial_col < len(row) else ""
        serial = raw.strip(EDGE_CHARACTERS)
        if not serial and not any(cell.strip(EDGE_CHARACTERS) for cell in row):
            continue  # an empty line is not a row
        out.rows_read += 1
        number = table.row_number(index)
        # the common case is settled by one regular expression and one set look-up
        problem = None if plain(serial) and serial.lower() not in placeholders else check_serial(serial, kind)
        if problem is None and rounded and (index, serial_col) in rounded:
            problem = ("excel_mangled", "Excel keeps only 15 digits of a number: this serial was rounded; "
                       "format the column as Text in Excel and type it again.")
        if problem:
            errors.append(RowError(number, serial_header, raw, *problem))
            continue
        key = serial.upper()  # serials.serial_key of a cleaned serial, inlined on the hot path
        if key in first_row_of:
            errors.append(RowError(number, serial_header, raw, "duplicate_in_file",
                                   f"Duplicate: row {first_row_of[key]} has the same serial "
                                   "(serials are compared without regard to case)."))
            continue
        first_row_of[key] = number
        sku = None
        if sku_col is not None:
            sku = (row[sku_col] if sku_col < len(row) else "").strip(EDGE_CHARACTERS).upper() or None
        cost = None
        if cost_col is not None:
            raw_cost = row[cost_col] if cost_col < len(row) else ""
            if raw_cost in cost_cache:  # suppliers repeat the same few prices
                cost = cost_cache[raw_cost]
            else:
                try:
                    cost = cost_cache[raw_cost] = parse_cost(raw_cost)
                except ValueError:
                    cost = cost_cache[raw_cost] = _INVALID_COST
            if cost is _INVALID_COST:
                errors.append(RowError(number, cost_header, raw_cost, "invalid_cost",
                                       "The cost is not an amount of money (e.g. 12.50)."))
                continue
        out.row_numbers.append(number)
        out.serials.append(serial)
        out.keys.append(key)
        out.skus.append(sku)
        out.costs.append(cost)
    return out
