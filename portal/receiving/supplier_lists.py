"""Reading supplier serial lists: pure rules, no database, no Flask.

A supplier's file goes through three steps here:

1. :func:`read_table` decodes the bytes (CSV/text in UTF-8, UTF-16 or cp1252,
   or an XLSX workbook) into a :class:`Table`: every row as a list of strings,
   with the header row found below any title rows (or the one the receiver picked).
   Workbooks are bounded before they are read (:func:`check_workbook_package`).
   Whatever is wrong with a file is an :class:`UnreadableFile` with a ``code``.
2. :func:`resolve_mapping` decides which column holds what (serial, SKU, the
   supplier's article number, cost, ...): the receiver's explicit choice, else the
   file's own headers, else the supplier's remembered mapping, with notes saying
   which (:func:`recognise_columns` is the headers-only reading).
3. :func:`check_rows` checks every row and returns a :class:`Checked` list:
   the valid rows, column by column, and the errors found in the file itself.

Checks that need the database (already in the system, unknown SKU) are made
by the service, set-based, on what :func:`check_rows` returns.
"""

from __future__ import annotations

import codecs
import csv
import io
import operator
import re
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from ..lots import BadExpiry, BadLot, clean_lot, parse_expiry
from ..serials import (
    EDGE_CHARACTERS,
    MAX_SERIAL_LENGTH,
    PLAIN_SERIAL,
    clean_edges,
    has_bad_characters,
    imei_is_valid,
)

HEADER_SEARCH_ROWS = 30
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe", None: "one column"}
ACCEPTED = (
    "Accepted: CSV or plain text (comma, semicolon, tab or pipe separated, or one serial per line; "
    "UTF-8, UTF-16 with BOM or Windows-1252) and Excel workbooks (.xlsx)."
)

#: What a column can hold, with the header spellings that say so, in English, Spanish,
#: German, French, Italian and Dutch (compared by :func:`normalise_header`: lower-case,
#: accents, spaces, dots, underscores and dashes removed, º/° read as "o").
#: ``article`` is the supplier's own article number, which the receiving flow maps to a
#: SKU per supplier; a file with an article column and no SKU column is read with the
#: article number as the SKU too (as before the article role existed).
FIELDS = ("serial", "sku", "article", "description", "cost", "po", "carton", "lot", "expiry")
FIELD_LABELS = {
    "serial": "Serial",
    "sku": "SKU",
    "article": "Supplier article no.",
    "description": "Description",
    "cost": "Unit cost",
    "po": "PO",
    "carton": "Carton / pallet",
    "lot": "Lot / batch",
    "expiry": "Expiry / best before",
}
_IMEI_WORDS = ("imei", "imei1", "imeinumber", "imei number", "imei-nummer", "número imei", "numero imei",
               "numéro imei", "n° imei", "nº imei")
_MAC_WORDS = ("mac", "macaddress", "macid", "mac-adresse", "mac adresse", "adresse mac", "dirección mac",
              "direccion mac", "indirizzo mac", "mac-adres", "mac adres")
HEADER_WORDS: dict[str, tuple[str, ...]] = {
    "serial": (
        "serial", "serialno", "serialnumber", "serial#", "serialnr", "sn", "s/n", "snr", "sno",
        "esn", "serialnumbers", "serial no.", "serial nr.",
        *_IMEI_WORDS, *_MAC_WORDS,
        # es
        "serie", "nº de serie", "n° de serie", "no. de serie", "no de serie", "n. de serie", "n de serie",
        "núm. de serie", "num. de serie", "número de serie", "numero de serie", "números de serie",
        "nro. de serie", "nro de serie", "nro. serie", "nº serie", "n° serie", "número serie", "numero serie",
        # de
        "seriennummer", "seriennummern", "seriennr.", "seriennr", "serien-nr.", "ser.-nr.", "sernr",
        "serien nummer",
        # fr
        "numéro de série", "numero de serie", "n° de série", "nº de série", "no de série", "no. de série",
        "num. de série", "n° série", "numéro série", "série",
        # it
        "numero di serie", "n. di serie", "nr. di serie", "n° di serie", "nº di serie", "num. di serie",
        "numero seriale", "seriale", "matricola", "n. serie", "nr. serie",
        # nl
        "serienummer", "serienummers", "serienr.", "serienr", "serie nummer", "serie nr.",
    ),
    "sku": (
        "sku", "partnumber", "partno", "part#", "pn", "p/n", "item", "itemcode", "model", "modelno",
        "modelnumber", "productcode", "product code", "mpn",
        "código", "código de producto", "código producto", "modelo", "produktcode", "produkt-nr.",
        "modell", "code produit", "modèle", "codice", "codice prodotto", "modello", "productcode", "model nr.",
    ),
    "article": (
        "article", "articleno", "articlenumber", "article no.", "art. no.", "art.-nr.", "art.nr.", "artnr",
        "item no", "item no.", "itemno", "item number", "itemnumber", "item #",
        "supplier part", "supplier part number", "supplier part no.", "vendor part", "vendor part number",
        "supplier sku", "vendor sku", "supplier article", "supplier item", "supplier ref",
        # es
        "referencia", "ref.", "ref", "referencia proveedor", "ref. proveedor", "artículo", "código de artículo",
        "código artículo", "cód. artículo",
        # de
        "artikel", "artikelnummer", "artikelnr.", "artikel-nr.", "artikel nr.", "lieferantenartikelnummer",
        "referenz",
        # fr
        "référence", "réf.", "réf", "référence fournisseur", "réf. fournisseur", "code article",
        # it
        "riferimento", "rif.", "codice articolo", "articolo", "cod. articolo",
        # nl
        "artikelcode", "artikel nummer", "artikelnummer leverancier", "referentie",
    ),
    "description": (
        "description", "desc", "productname", "itemdescription", "name", "designation",
        "descripción", "nombre", "producto", "beschreibung", "bezeichnung", "artikelbezeichnung",
        "produktname", "désignation", "libellé", "nom", "descrizione", "nome", "omschrijving",
        "beschrijving", "naam", "productnaam",
    ),
    "cost": (
        "cost", "unitcost", "price", "unitprice", "netprice", "value", "costprice", "price each",
        "precio", "precio unitario", "precio unidad", "coste", "coste unitario", "costo", "costo unitario",
        "preis", "einzelpreis", "stückpreis", "nettopreis", "netto-preis", "ek-preis", "ek", "einkaufspreis",
        "prix", "prix unitaire", "prix ht", "prix unitaire ht", "coût", "coût unitaire",
        "prezzo", "prezzo unitario", "prijs", "stukprijs", "eenheidsprijs", "kostprijs", "inkoopprijs",
    ),
    "po": (
        "po", "ponumber", "po#", "pono", "purchaseorder", "order", "ordernumber",
        "pedido", "nº de pedido", "n° de pedido", "número de pedido", "orden de compra",
        "bestellung", "bestellnr.", "bestellnummer", "auftrag", "auftragsnummer",
        "commande", "n° de commande", "nº de commande", "numéro de commande", "bon de commande",
        "ordine", "n. ordine", "numero ordine", "ordine d'acquisto",
        "bestelling", "bestelnummer", "inkooporder", "ordernummer",
    ),
    "carton": (
        "carton", "cartonno", "cartonnumber", "carton#", "box", "boxno", "pallet", "palletno",
        "palletid", "case", "caseno", "package", "hu",
        "caja", "nº de caja", "n° de caja", "número de caja", "bulto", "palé", "palet",
        "karton", "kartonnummer", "karton-nr.", "kartonnr.", "palette", "paletten-nr.", "kiste",
        "colis", "n° de colis", "nº de colis", "n° carton",
        "scatola", "collo", "cartone", "bancale",
        "doos", "doosnummer", "colli", "pallet nr.",
    ),
    # the batch (GS1 AI 10) and the expiry (AI 17); also in Polish and Portuguese
    "lot": (
        "lot", "lotno", "lot no.", "lot nr.", "lot#", "lotnumber", "lot number", "lot code", "lotcode",
        "batch", "batchno", "batch no.", "batch nr.", "batch#", "batchnumber", "batch number", "batch code",
        "batch/lot", "lot/batch", "ai 10", "ai10", "(10)", "gs1 10",
        # es, pt
        "lote", "nº de lote", "n° de lote", "no. de lote", "número de lote", "numero de lote", "nº lote",
        "n.º lote", "número do lote", "numero do lote", "nº do lote", "n.º do lote",
        # de
        "charge", "chargennummer", "chargen-nr.", "chargennr.", "charge-nr.", "chargen nr.", "los",
        "losnummer", "los-nr.", "partie", "partienummer",
        # fr
        "numéro de lot", "n° de lot", "nº de lot", "no de lot", "no. de lot", "n° lot", "lot n°",
        # it
        "lotto", "n. lotto", "nr. lotto", "numero di lotto", "numero lotto", "n. di lotto", "partita",
        # nl
        "partij", "partijnummer", "partijnr.", "lotnummer", "batchnummer", "chargenummer",
        # pl
        "partia", "numer partii", "nr partii", "nr. partii", "numer serii produkcyjnej", "numer lotu",
    ),
    "expiry": (
        "expiry", "expiry date", "expirydate", "expiration", "expiration date", "exp", "exp.", "exp date",
        "exp. date", "expires", "expires on", "expire date", "best before", "best before date",
        "best-before", "best by", "bbd", "bb date", "use by", "use-by", "use by date", "ai 17", "ai17",
        "(17)", "gs1 17",
        # es
        "caducidad", "fecha de caducidad", "fecha caducidad", "f. caducidad", "vencimiento",
        "fecha de vencimiento", "fecha vencimiento", "fecha de expiración", "consumir preferentemente antes de",
        # de
        "mhd", "mindesthaltbarkeitsdatum", "mindesthaltbarkeit", "haltbar bis", "mindestens haltbar bis",
        "verfallsdatum", "verfall", "verfalldatum", "ablaufdatum", "ablauf",
        # fr
        "date d'expiration", "expiration", "date de péremption", "péremption", "date de peremption",
        "dluo", "ddm", "dlc", "date limite", "à consommer de préférence avant",
        # it
        "scadenza", "data di scadenza", "data scadenza", "tmc", "da consumarsi preferibilmente entro",
        # nl
        "houdbaarheidsdatum", "houdbaar tot", "ten minste houdbaar tot", "tht", "tht-datum", "vervaldatum",
        "vervaldag",
        # pl
        "data ważności", "termin ważności", "ważne do", "ważny do", "najlepiej spożyć przed",
        "data przydatności", "termin przydatności",
        # pt
        "validade", "data de validade", "prazo de validade", "data de vencimento", "consumir de preferência antes de",
    ),
}
#: Headers that say "this is the header row" although no field uses them (a serial list
#: has one row per unit, so a quantity column is not read).
OTHER_HEADER_WORDS = (
    "qty", "quantity", "cantidad", "menge", "anzahl", "quantité", "quantita", "quantità", "aantal",
    "date", "fecha", "datum", "data", "remarks", "comment", "comments", "notes", "bemerkung", "observaciones",
    "remarques", "note", "opmerking", "status", "estado", "warranty", "garantía", "garantie", "garanzia",
    "line", "pos", "pos.", "position", "línea", "zeile", "ligne", "riga", "regel", "total", "amount",
    "importe", "betrag", "montant", "importo", "bedrag", "condition", "color", "colour", "farbe", "couleur",
    "colore", "kleur",
)
SERIAL_KINDS = ("any", "imei", "mac")

#: Placeholders written where a serial should be.
PLACEHOLDERS = frozenset(
    {"-", "--", "---", "–", "—", "n/a", "na", "n.a.", "#n/a", "none", "null", "nil", "?", "tbd",
     "unknown", "x", "0", "no serial", "noserial", "missing", "nan"}
)
#: The serial rules (edge characters, length, allowed characters, Luhn) are portal.serials'.
_PLAIN_SERIAL = PLAIN_SERIAL
_INVALID_COST = object()
_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+$")
_TRAILING_ZERO = re.compile(r"^\d+\.0+$")
_HEX12 = re.compile(r"^[0-9A-Fa-f]{12}$")
_MAC_SEPARATORS = re.compile(r"[:\-. ]")


class UnreadableFile(Exception):
    """The file cannot be read as a serial list. ``details`` helps the receiver (JSON-safe).

    ``table`` is set when the file itself was read but no header row or serial column
    was found (code ``no_serial_column``): its raw rows let the preview offer to pick
    the header row and the serial column instead of a dead end.
    """

    def __init__(self, message: str, *, code: str = "unreadable_file", details: dict | None = None,
                 table: Table | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = details or {}
        self.table = table


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
    #: True when the file was one line of separated serials, read as one serial per row
    #: (``row_numbers`` are then the positions on that line)
    one_line: bool = False

    @property
    def headers(self) -> list[str]:
        """The header row's cells; a blank header, or a column past the header row's end
        that the first rows use (up to 200), is named "Column N", so every column can be
        mapped."""
        if self.header_index is None:
            width = max((len(r) for r in self.rows[:50]), default=1)
            return [f"Column {i + 1}" for i in range(width)]
        row = self.rows[self.header_index]
        start = self.header_index + 1
        width = max((len(r) for r in self.rows[start:start + 50]), default=0)
        width = max(len(row), min(width, 200))
        return [row[i] if i < len(row) and row[i].strip(EDGE_CHARACTERS) else f"Column {i + 1}"
                for i in range(width)]

    @property
    def data_start(self) -> int:
        return 0 if self.header_index is None else self.header_index + 1

    def row_number(self, index: int) -> int:
        return self.row_numbers[index] if self.row_numbers else index + 1

    @property
    def description(self) -> str:
        if self.kind == "xlsx":
            return f"Excel workbook, sheet “{self.sheet}”"
        if self.one_line:
            return f"one line of {DELIMITER_NAMES[self.delimiter]} separated serials, {self.encoding}"
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
    #: the supplier's article number of each row (upper-cased), only when the mapping has
    #: an ``article`` column (else empty): the receiving flow maps it to a SKU per supplier
    articles: list[str | None] = field(default_factory=list)
    article_header: str | None = None
    #: each row's lot and expiry date, only when the mapping has that column (else empty)
    lots: list[str | None] = field(default_factory=list)
    expiries: list[date | None] = field(default_factory=list)

    def keep(self, mask: list[bool]) -> None:
        """Keep only the rows whose ``mask`` entry is true (others were found invalid later)."""
        for name in ("row_numbers", "serials", "keys", "skus", "costs", *OPTIONAL_COLUMNS):
            values = getattr(self, name)
            if values or name not in OPTIONAL_COLUMNS:
                setattr(self, name, [v for v, k in zip(values, mask, strict=True) if k])


#: Columns of :class:`Checked` filled only when the mapping has their field.
OPTIONAL_COLUMNS = ("articles", "lots", "expiries")


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
        return _no_nul(raw.decode("utf-8")), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return _no_nul(raw.decode("cp1252")), "Windows-1252"
    except UnicodeDecodeError:
        raise UnreadableFile(
            f"This file is not text in UTF-8, UTF-16 or Windows-1252. {ACCEPTED}",
            code="unsupported_encoding") from None


def _decode(raw: bytes, codec: str, label: str) -> tuple[str, str]:
    try:
        return _no_nul(raw.decode(codec)), label
    except UnicodeDecodeError as error:
        raise UnreadableFile(
            f"This file starts like {label} text but byte {error.start} is not valid {label}. {ACCEPTED}",
            code="unsupported_encoding") from None


def _no_nul(text: str) -> str:
    """Text files never hold NUL characters; one means a damaged export (and PostgreSQL
    refuses NUL in text), so the whole file is refused naming the line."""
    at = text.find("\x00")
    if at >= 0:
        line = text.count("\n", 0, at) + 1
        raise UnreadableFile(
            f"Line {line} of this file contains a NUL character (a zero byte), which a text file never has: "
            "the file is damaged or is not text. Export it from the supplier's system again.",
            code="nul_character", details={"line": line})
    return text


# --- CSV and text -------------------------------------------------------------


def sniff_delimiter(lines: list[str]) -> str | None:
    """The delimiter that splits the sample lines into the most consistent
    number of columns (more than one); None for one value per line."""
    best, best_score = None, (0.0, 0)
    sample = [line[:10_000] for line in lines if line.strip()][:60]  # a very long line says enough early
    if not sample:
        return None
    for delimiter in DELIMITERS:
        try:
            counts = [len(r) for r in csv.reader(sample, delimiter=delimiter)]
        except csv.Error:  # e.g. a field over the csv module's limit when cut at the wrong character
            continue
        # title rows above the header have fewer columns: the most common count of
        # several columns must cover at least half the lines
        multi = [c for c in counts if c >= 2]
        if not multi:
            continue
        common, times = Counter(multi).most_common(1)[0]
        if times * 2 < len(counts):
            continue
        score = (times / len(counts), common)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def read_text(raw: bytes) -> Table:
    text, encoding = decode_text(raw)
    if not text.strip(EDGE_CHARACTERS):
        raise UnreadableFile("The file is empty.", code="empty_file")
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        # lines ending in a bare carriage return (older Mac exports), maybe mixed with others
        text = text.replace("\r\n", "\n").replace("\r", "\n")
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
        rows = []
        try:
            rows.extend(csv.reader(body, delimiter=delimiter))
        except csv.Error as error:
            # the value that is too long starts on the line after the last row read
            again = csv.reader(io.StringIO(text), delimiter=delimiter)
            for _ in range(len(rows) + skip):
                next(again)
            line = again.line_num + 1
            raise UnreadableFile(
                f"Line {line} of this file holds a value of more than {csv.field_size_limit():,} characters, "
                "which no serial list has: most often a quote mark (\") opens a value and is never closed. "
                "Check that line in the file and export it again.",
                code="field_too_large", details={"line": line, "reason": str(error)}) from None
        kind = "csv"
    return Table(rows=rows, kind=kind, encoding=encoding, delimiter=delimiter)


# --- XLSX ----------------------------------------------------------------------

#: Bounds on what reading one workbook may cost (issue 11.4). They are checked on the
#: bytes actually decompressed and the cells actually present, never on what the
#: workbook declares (its zip directory sizes or its ``<dimension>``).
MAX_XLSX_UNCOMPRESSED = 200 * 1024 * 1024  #: all parts together, as decompressed
MAX_XLSX_PART = 16 * 1024 * 1024  #: one XML part other than a worksheet or the shared strings
MAX_XLSX_PARTS = 2_000
MAX_XLSX_ROWS = 1_048_576  #: Excel's own limit
MAX_XLSX_COLUMNS = 1_000
MAX_XLSX_CELLS = 3_000_000  #: rows x columns of the sheet's used area (the reader holds it densely)
#: Seconds for reading one workbook, well inside gunicorn's 30 s worker timeout. This is for
#: slow but legitimate workbooks (a large, styled export that passed every bound above), not
#: the defence against hostile ones: a zip bomb, a huge cell area or a DTD is refused by the
#: bounds above before the spreadsheet reader runs, in well under 2 s
#: (tests/receiving/test_reading_xlsx_limits.py; end to end: ``python -m bench hostile_files``).
#: A 2 s budget would refuse real lists that take a few seconds to read.
XLSX_TIME_BUDGET = 15.0
_CHUNK = 1 << 20

_CELL_REF = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c\s[^>]*?\br=\"([A-Z]{1,3})([0-9]{1,7})\"")
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")
_ROW_NUMBER = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row\s[^>]*?\br=\"([0-9]{1,7})\"")
#: an ``r`` attribute that is neither a cell reference (A1) nor a row number
_BAD_REFERENCE = re.compile(rb"\sr=\"(?![A-Z]{0,3}[0-9]{1,7}\")")
_TAG_ENDS = (b" ", b"\t", b"\r", b"\n", b">", b"/")
_ROW_TAGS = tuple(start + end for start in (b"<row", b":row") for end in _TAG_ENDS)
_SHARED_STRING_TAGS = tuple(start + end for start in (b"<si", b":si") for end in _TAG_ENDS)
_DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY")


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ch - 64
    return number


_FIRST, _SECOND = operator.itemgetter(0), operator.itemgetter(1)


def _count_tags(data: bytes, tags: tuple[bytes, ...]) -> int:
    """How many of these tags start in ``data`` (never fewer; text such as "a:c b" counts too)."""
    return sum(data.count(tag) for tag in tags)


class _SheetExtent:
    """Bounds a worksheet's used area from its XML as it streams past: the largest cell
    reference, plus (for cells written without a reference, which sit after the previous
    one) one column per such cell and one row per row without a number. The spreadsheet
    reader allocates that area at once, so it is bounded before the reader runs."""

    def __init__(self) -> None:
        self.cells = self.cells_numbered = self.rows = self.rows_numbered = 0
        self.max_row = self.max_column = 0
        self.bad_reference = False

    def feed(self, data: bytes) -> None:
        if _BAD_REFERENCE.search(data):
            self.bad_reference = True
        self.cells += len(_CELL_TAG.findall(data))
        refs = _CELL_REF.findall(data)
        if refs:
            self.cells_numbered += len(refs)
            letters = set(map(_FIRST, refs))
            self.max_column = max(self.max_column, max(_column_number(c) for c in letters))
            self.max_row = max(self.max_row, max(map(int, map(_SECOND, refs))))
        if self.cells_numbered < self.cells:  # some cells without a reference: count rows too
            self.rows += _count_tags(data, _ROW_TAGS)
            numbers = _ROW_NUMBER.findall(data)
            self.rows_numbered += len(numbers)
            if numbers:
                self.max_row = max(self.max_row, max(map(int, numbers)))

    @property
    def height(self) -> int:
        if self.cells_numbered >= self.cells:
            return self.max_row
        return self.max_row + max(self.rows - self.rows_numbered, 0) + 1

    @property
    def width(self) -> int:
        return self.max_column + max(self.cells - self.cells_numbered, 0)


def _too_large(message: str, code: str = "workbook_too_large", **details) -> UnreadableFile:
    return UnreadableFile(message + " Save the sheet as CSV, or delete what is not part of the list, and upload "
                          "again.", code=code, details=details)


def check_workbook_package(raw: bytes, *, deadline: float | None = None) -> None:
    """Refuse, before any spreadsheet reader sees it, a workbook whose reading would cost
    too much or is unsafe: too many parts, more than :data:`MAX_XLSX_UNCOMPRESSED`
    uncompressed (declared, or counted while decompressing: a zip directory may lie),
    an XML part with a DTD or entity declarations (billion laughs), a worksheet whose
    used area is over :data:`MAX_XLSX_ROWS`/:data:`MAX_XLSX_COLUMNS`/:data:`MAX_XLSX_CELLS`,
    more shared strings than cells allowed, or more than :data:`XLSX_TIME_BUDGET` seconds.
    Every part is decompressed once, in 1 MB pieces, and not kept."""
    import copy
    import zipfile
    import zlib

    deadline = time.monotonic() + XLSX_TIME_BUDGET if deadline is None else deadline
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as error:
        raise UnreadableFile(f"This Excel file is damaged and cannot be opened ({error}). {ACCEPTED}",
                             code="corrupt_workbook") from None
    if len(parts) > MAX_XLSX_PARTS:
        raise _too_large(f"This workbook has {len(parts):,} parts; a workbook of a serial list has a few dozen.",
                         parts=len(parts))
    names = [p.filename for p in parts]
    if len(set(names)) != len(names):
        raise UnreadableFile(f"This Excel file is damaged: it holds the same part twice. {ACCEPTED}",
                             code="corrupt_workbook")
    declared = sum(p.file_size for p in parts)
    if declared > MAX_XLSX_UNCOMPRESSED:
        raise _too_large(f"This workbook would take {declared / 2**20:,.0f} MB once unpacked; at most "
                         f"{MAX_XLSX_UNCOMPRESSED / 2**20:,.0f} MB are read.", declared_bytes=declared)
    total = 0
    for part in parts:
        if part.is_dir():
            continue
        name = part.filename.lower()
        # the workbook's relationships may point a sheet at any part, whatever its name:
        # every part is searched for a DTD and bounded as if it were a sheet
        is_xml = name.endswith((".xml", ".rels", ".vml"))
        is_sheet = name.startswith("xl/worksheets/") and name.endswith(".xml")
        is_strings = name.startswith("xl/sharedstrings")
        limit = MAX_XLSX_UNCOMPRESSED if (is_sheet or is_strings or not is_xml) else MAX_XLSX_PART
        extent = _SheetExtent()
        strings = 0
        counting = copy.copy(part)
        # let the stdlib reader run past the declared size, so a lying directory is caught here
        counting.file_size = min(MAX_XLSX_UNCOMPRESSED - total, limit) + 1
        size = 0
        carry = b""
        try:
            with archive.open(counting) as member:
                while True:
                    chunk = member.read(_CHUNK)
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > part.file_size:
                        raise _too_large(f"This workbook's part “{part.filename}” unpacks to more than its "
                                         "directory says: a damaged or hostile file.", code="workbook_too_large")
                    if size > limit or total + size > MAX_XLSX_UNCOMPRESSED:
                        raise _too_large(f"This workbook's part “{part.filename}” is larger once unpacked than "
                                         "is read.")
                    if size == len(chunk) and (chunk[:2] in (b"\xff\xfe", b"\xfe\xff") or chunk[:4] in (
                            b"<\x00?\x00", b"\x00<\x00?") or (is_xml and b"\x00" in chunk[:2])):
                        raise UnreadableFile(
                            f"This Excel file's part “{part.filename}” is UTF-16 XML, which Excel never "
                            f"writes. {ACCEPTED}", code="corrupt_workbook")
                    data = carry + chunk
                    cut = data.rfind(b"<")
                    if cut <= 0 or len(data) - cut > 65536:
                        body, carry = data, b""
                    else:
                        body, carry = data[:cut], data[cut:]
                    _refuse_dtd(body, part.filename)
                    extent.feed(body)
                    strings += _count_tags(body, _SHARED_STRING_TAGS)  # shared strings may be any part
                    if time.monotonic() > deadline:
                        raise _timeout()
            if carry:
                _refuse_dtd(carry, part.filename)
                extent.feed(carry)
                strings += _count_tags(carry, _SHARED_STRING_TAGS)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError,
                ValueError) as error:
            raise UnreadableFile(f"This Excel file is damaged and cannot be read ({error}). {ACCEPTED}",
                                 code="corrupt_workbook") from None
        if size != part.file_size:
            raise UnreadableFile(f"This Excel file is damaged: its part “{part.filename}” is not the size its "
                                 f"directory says. {ACCEPTED}", code="corrupt_workbook")
        total += size
        if strings > MAX_XLSX_CELLS:
            raise _too_large(f"This workbook holds {strings:,} shared strings; at most {MAX_XLSX_CELLS:,} "
                             "cells are read.", code="sheet_too_large")
        _check_extent(extent, part.filename)


def _refuse_dtd(data: bytes, part: str) -> None:
    if any(marker in data for marker in _DTD_MARKERS):
        raise UnreadableFile(
            f"This Excel file's part “{part}” declares a DTD or XML entities, which Excel never writes (it is "
            f"how “billion laughs” files blow up readers): it is not read. {ACCEPTED}", code="xml_entities")


def _check_extent(extent: _SheetExtent, part: str) -> None:
    if extent.bad_reference:
        raise UnreadableFile(f"This Excel file is damaged: the sheet “{part}” has cell references that are not "
                             f"cells (like A1). {ACCEPTED}", code="corrupt_workbook")
    height, width = extent.height, extent.width
    if height > MAX_XLSX_ROWS or width > MAX_XLSX_COLUMNS or height * width > MAX_XLSX_CELLS:
        raise _too_large(
            f"A sheet of this workbook spans {height:,} rows and {width:,} columns; at most "
            f"{MAX_XLSX_ROWS:,} rows, {MAX_XLSX_COLUMNS:,} columns and {MAX_XLSX_CELLS:,} cells are read.",
            code="sheet_too_large", rows=height, columns=width)


def _timeout() -> UnreadableFile:
    return UnreadableFile(
        f"Reading this workbook took more than {XLSX_TIME_BUDGET:.0f} seconds and was stopped. Save the sheet "
        "as CSV (it reads far faster) and upload again.", code="read_timeout")


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
    """An XLSX sheet as rows of text, with python-calamine, after
    :func:`check_workbook_package` has bounded what that may cost (calamine allocates
    a sheet's whole used area at once: unchecked, two cells at A1 and XFD1048576 abort
    the process)."""
    import python_calamine

    deadline = time.monotonic() + XLSX_TIME_BUDGET
    check_workbook_package(raw, deadline=deadline)
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(raw))
    except (python_calamine.CalamineError, ValueError, OSError) as error:
        raise UnreadableFile(f"This Excel file could not be opened ({error}). {ACCEPTED}",
                             code="corrupt_workbook") from None
    try:
        names = [m.name for m in workbook.sheets_metadata
                 if m.typ == python_calamine.SheetTypeEnum.WorkSheet] or list(workbook.sheet_names)
        if not names:
            raise UnreadableFile("The workbook has no sheets.", code="empty_file")
        chosen = sheet if sheet in names else names[0]
        if sheet and sheet not in names:
            raise UnreadableFile(
                f"The workbook has no sheet “{sheet}”; its sheets are: {', '.join(names)}.",
                code="unknown_sheet", details={"sheets": names})
        try:
            data = workbook.get_sheet_by_name(chosen)
            start_row, start_col = data.start or (0, 0)
            rows: list[list[str]] = []
            numbers: list[int] = []
            mangled_cells: set[tuple[int, int]] = set()
            pad = [""] * start_col
            for offset, values in enumerate(data.iter_rows()):
                cells = pad.copy()
                for col, value in enumerate(values, start=start_col):
                    if value.__class__ is str:
                        cells.append(value)
                        continue
                    if isinstance(value, float | int) and not isinstance(value, bool) and abs(value) >= 1e15:
                        # Excel keeps 15 significant digits: longer numbers were rounded when typed
                        mangled_cells.add((len(rows), col))
                    cells.append(xlsx_cell_text(value))
                while cells and cells[-1] == "":
                    cells.pop()
                if not cells:
                    continue
                if "\x00" in "".join(cells):
                    raise UnreadableFile(
                        f"Row {start_row + offset + 1} of the sheet “{chosen}” contains a NUL character, which no "
                        "cell of a serial list has: the file is damaged. Export it again.", code="nul_character")
                rows.append(cells)
                numbers.append(start_row + offset + 1)
                if offset % 10_000 == 0 and time.monotonic() > deadline:
                    raise _timeout()
        except python_calamine.CalamineError as error:
            raise UnreadableFile(f"The sheet “{chosen}” could not be read ({error}). {ACCEPTED}",
                                 code="corrupt_workbook") from None
    finally:
        workbook.close()
    if not rows:
        raise UnreadableFile(f"The sheet “{chosen}” is empty.", code="empty_file", details={"sheets": names,
                                                                                            "sheet": chosen})
    return Table(rows=rows, kind="xlsx", sheet=chosen, sheets=names, row_numbers=numbers,
                 rounded_cells=mangled_cells)


# --- reading any file -------------------------------------------------------------

#: A single line with at least this many values and no header is read as a list of
#: serials, one per value (a supplier pasting serials separated by commas).
ONE_LINE_MIN_VALUES = 10


def read_table(raw: bytes, *, file_name: str = "", sheet: str | None = None,
               mapping_hint: dict | None = None, header_row: int | None = None) -> Table:
    """Read a supplier's file and find its header row.

    ``mapping_hint`` is a remembered or explicit mapping (``{"columns": {field: header}}``
    or the short form ``{field: header}``): its serial header counts as a serial header.
    ``header_row`` is the receiver's choice of header row, a 0-based index into
    ``Table.rows`` (None: find it); with it no serial header is required here, the
    mapping (:func:`resolve_mapping`) decides. Every problem is an :class:`UnreadableFile`
    with a ``code``; ``no_serial_column`` carries the raw rows in ``.table``.
    """
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
    if header_row is not None:
        if not isinstance(header_row, int) or isinstance(header_row, bool) or not (
                0 <= header_row < min(len(table.rows), HEADER_SEARCH_ROWS * 10)):
            raise UnreadableFile(
                f"Row {header_row} cannot be the header row: the file has {len(table.rows)} rows.",
                code="bad_header_row", details={"rows": len(table.rows)}, table=table)
        table.header_index = header_row
        return table
    hint = _hint_columns(mapping_hint)
    extra = (normalise_header(hint["serial"]),) if hint.get("serial") else ()
    table.header_index = find_header_row(table.rows, extra_serial_headers=extra)
    if table.kind == "csv" and _one_line_of_serials(table):
        return table
    if table.header_index is None and _width(table.rows) > 1:
        guess = _header_guess(table.rows)
        found = [c for c in table.rows[guess] if c.strip()] if table.rows else []
        raise UnreadableFile(
            "No column is recognisable as the serial number: no header row with a serial column "
            f"(Serial, S/N, IMEI, MAC, Nº de serie, Seriennr., N° de série, ...) in the first {HEADER_SEARCH_ROWS} "
            "rows. Columns found: " + ", ".join(f"“{c}”" for c in found[:30])
            + ". Pick the header row and the serial column on the preview (the file's first rows are shown "
            "as they are; nothing is saved), or rename the serial column and upload again.",
            code="no_serial_column",
            details={"columns": found[:100], "sheets": table.sheets, "sheet": table.sheet,
                     "header_row": guess, "rows": _raw_sample(table.rows)},
            table=table)
    return table


def _hint_columns(hint: dict | None) -> dict:
    """``{field: header}`` from a mapping in either form (see :func:`read_table`)."""
    if not hint or not isinstance(hint, dict):
        return {}
    columns = hint.get("columns") if "columns" in hint else hint
    if not isinstance(columns, dict):
        return {}
    return {k: v for k, v in columns.items() if k in FIELDS and (v is None or isinstance(v, str | int))}


def _one_line_of_serials(table: Table) -> bool:
    """A file that is one line of many separated values, with no header or a header of
    one cell (e.g. "Serial") above it: one serial per value, numbered by position."""
    header = table.header_index
    if header is not None and len([c for c in table.rows[header] if c.strip(EDGE_CHARACTERS)]) != 1:
        return False
    start = 0 if header is None else header + 1
    lines = [r for r in table.rows[start:] if any(c.strip(EDGE_CHARACTERS) for c in r)]
    if len(lines) != 1 or len(lines[0]) < ONE_LINE_MIN_VALUES:
        return False
    values = lines[0]
    while values and not values[-1].strip(EDGE_CHARACTERS):
        values = values[:-1]  # a trailing separator
    head = [] if header is None else [[c for c in table.rows[header] if c.strip(EDGE_CHARACTERS)]]
    table.rows = head + [[v] for v in values]
    table.row_numbers = [0] * len(head) + list(range(1, len(values) + 1))
    table.header_index = 0 if head else None
    table.one_line = True
    return True


def _raw_sample(rows: list[list[str]], count: int = 10) -> list[list[str]]:
    """The first rows as they are, cut to a size that fits in an error answer."""
    return [[c[:100] for c in r[:30]] for r in rows[:count]]


def _width(rows: list[list[str]]) -> int:
    return max((len([c for c in r if c.strip()]) for r in rows[:HEADER_SEARCH_ROWS * 2]), default=0)


def _header_guess(rows: list[list[str]]) -> int:
    """For a file without a recognisable serial header: the row most like a header (the
    most recognised header words, else the first of the widest rows)."""
    best, best_score = 0, (-1, -1)
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        score = (_header_score(row), len([c for c in row if c.strip()]))
        if score > best_score:
            best, best_score = index, score
    return best


_ACCENTS = re.compile(r"[\u0300-\u036f]")
_HEADER_NOISE = re.compile(r"[\s._\-:()\[\]'’]")


def normalise_header(header: str) -> str:
    """A header as compared: lower-case, no accents, no spaces or punctuation, º/° as "o"
    (so "Nº de série", "N° de serie" and "no. de serie" are one spelling)."""
    text = unicodedata.normalize("NFKD", header or "").strip(EDGE_CHARACTERS).lower()
    text = _ACCENTS.sub("", text).replace("°", "o").replace("ß", "ss")
    return _HEADER_NOISE.sub("", text)


_HEADER_INDEX: dict[str, str] = {}
_OTHER_HEADERS: set[str] = set()
_IMEI_KEYS: set[str] = set()
_MAC_KEYS: set[str] = set()


def _header_index() -> dict[str, str]:
    if not _HEADER_INDEX:
        for name, words in HEADER_WORDS.items():
            for word in words:
                _HEADER_INDEX.setdefault(normalise_header(word), name)
        _OTHER_HEADERS.update(normalise_header(w) for w in OTHER_HEADER_WORDS)
        _IMEI_KEYS.update(normalise_header(w) for w in _IMEI_WORDS)
        _MAC_KEYS.update(normalise_header(w) for w in _MAC_WORDS)
    return _HEADER_INDEX


def header_field(header: str) -> str | None:
    """What a header says its column holds (None: not recognised)."""
    if not header or len(header) > 100:
        return None
    return _header_index().get(normalise_header(header))


def header_serial_kind(header: str) -> str:
    _header_index()
    key = normalise_header(header)
    if key in _IMEI_KEYS or key.startswith("imei"):
        return "imei"
    if key in _MAC_KEYS or key.startswith("mac"):
        return "mac"
    return "any"


def _header_score(row: list[str]) -> int:
    """How many cells of a row are header words (of a field or not)."""
    index = _header_index()
    score = 0
    for cell in row[:200]:
        if cell and len(cell) <= 100:
            key = normalise_header(cell)
            if key in index or key in _OTHER_HEADERS:
                score += 1
    return score


def find_header_row(rows: list[list[str]], *, extra_serial_headers: tuple[str, ...] = ()) -> int | None:
    """The header row: of the top rows with a serial header, the one with the most
    header words (so a title row such as "Serial numbers" above the real header row
    "Serial | SKU | Cost" is passed over); the first of them on a tie."""
    best, best_score = None, 0
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        has_serial = False
        for cell in row[:200]:
            if header_field(cell) == "serial" or (
                    extra_serial_headers and normalise_header(cell) in extra_serial_headers):
                has_serial = True
                break
        if has_serial:
            score = max(_header_score(row), 1)
            if score > best_score:
                best, best_score = index, score
    return best


def _own_columns(headers: list[str]) -> dict[str, int]:
    """What the headers themselves say, the first header of each kind winning."""
    columns: dict[str, int] = {}
    for index, header in enumerate(headers):
        name = header_field(header)
        if name and name not in columns:
            columns[name] = index
    if "serial" not in columns and len(headers) == 1:
        columns["serial"] = 0  # one serial per line
    return columns


def recognise_columns(headers: list[str]) -> Mapping:
    """The mapping read from the headers; the first header of each kind wins. An article
    column with no SKU column is read as the SKU too."""
    columns = _own_columns(headers)
    if "article" in columns and "sku" not in columns:
        columns["sku"] = columns["article"]
    kind = header_serial_kind(headers[columns["serial"]]) if "serial" in columns else "any"
    return Mapping(columns=columns, serial_kind=kind)


@dataclass
class MappingNote:
    """How one field's column was decided, for the preview.

    ``source``: ``file`` (the file's own header), ``remembered`` (the supplier's
    remembered mapping, where the file's header did not decide), ``file_over_remembered``
    (the file's header disagreed with the remembered mapping and won),
    ``remembered_missing`` (the remembered column is not in this file), ``explicit``
    (the receiver's or the API's choice), ``article_as_sku`` (no SKU column: the article
    number is read as the SKU).
    """

    field: str
    source: str
    header: str | None
    message: str
    remembered: str | None = None

    def as_dict(self) -> dict:
        return {"field": self.field, "source": self.source, "header": self.header, "message": self.message,
                "remembered": self.remembered}


class Resolution(tuple):
    """``(mapping, notes)`` from :func:`resolve_mapping`, also by name."""

    __slots__ = ()

    def __new__(cls, mapping: Mapping, notes: list[MappingNote]):
        return super().__new__(cls, (mapping, notes))

    @property
    def mapping(self) -> Mapping:
        return self[0]

    @property
    def notes(self) -> list[MappingNote]:
        return self[1]

    @property
    def disagreements(self) -> list[MappingNote]:
        """The notes the preview must show: where the file overrode the remembered mapping."""
        return [n for n in self[1] if n.source in ("file_over_remembered", "remembered_missing")]


def _column_of(value, headers: list[str], keys: list[str]) -> int | None:
    """A column named by header text (compared normalised) or by 0-based index."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value < len(headers) else None
    if isinstance(value, str) and value.strip():
        key = normalise_header(value)
        if key in keys:
            return keys.index(key)
        match = re.fullmatch(r"column(\d+)", key)  # the preview's name for a column without a header
        if match and 0 < int(match.group(1)) <= len(headers):
            return int(match.group(1)) - 1
    return None


def resolve_mapping(headers: list[str], *, remembered: dict | None = None,
                    explicit: dict | None = None) -> Resolution:
    """Decide which column holds what, and say how (issue 11.1).

    - ``explicit`` (the receiver's choice on the preview, or ``mapping`` on the API/CLI;
      ``{"columns": {field: header}, "serial_kind": ...}`` or ``{field: header}``,
      a header by its text or a 0-based column index) decides every field it names; a
      field named with ``None``/``""`` is deliberately not mapped. A named header that is
      not in the file is refused (``unknown_column``).
    - the file's own headers decide every other field they recognise;
    - ``remembered`` (the supplier's last mapping, same forms) is only a suggestion for
      the fields the file's headers do not decide; where the file's header disagrees,
      the file wins and a note says so.
    - an article column with no SKU column is read as the SKU too.

    Returns ``(mapping, notes)``. Raises :class:`UnreadableFile` ``no_serial_column``
    when no column is the serial (the receiver then picks it on the preview).
    """
    keys = [normalise_header(h) for h in headers]
    notes: list[MappingNote] = []
    columns: dict[str, int] = {}
    taken: set[int] = set()
    chosen = _hint_columns(explicit)
    kind = None
    if explicit and isinstance(explicit, dict) and explicit.get("serial_kind") in SERIAL_KINDS:
        kind = explicit["serial_kind"]
    for name, value in chosen.items():
        if value is None or value == "":
            continue
        index = _column_of(value, headers, keys)
        if index is None:
            raise UnreadableFile(
                f"The mapping names the column “{value}” for {FIELD_LABELS[name]}, but the file has no such "
                f"column. Its columns are: {', '.join(f'“{h}”' for h in headers[:30])}.",
                code="unknown_column", details={"field": name, "column": str(value), "columns": headers[:100]})
        columns[name] = index
        taken.add(index)
        notes.append(MappingNote(name, "explicit", headers[index], f"{FIELD_LABELS[name]}: “{headers[index]}”, "
                                 "as chosen."))
    own = _own_columns(headers)
    suggested = _hint_columns(remembered)
    for name in FIELDS:
        if name in chosen:
            continue
        file_index = own.get(name)
        hint = suggested.get(name)
        hint_index = _column_of(hint, headers, keys) if hint not in (None, "") else None
        if file_index is not None and file_index not in taken:
            columns[name] = file_index
            taken.add(file_index)
            if hint_index is not None and hint_index != file_index:
                notes.append(MappingNote(
                    name, "file_over_remembered", headers[file_index],
                    f"{FIELD_LABELS[name]}: this file's header “{headers[file_index]}” is used, not the column "
                    f"“{hint}” remembered for this supplier.", remembered=str(hint)))
            else:
                notes.append(MappingNote(name, "file", headers[file_index],
                                         f"{FIELD_LABELS[name]}: “{headers[file_index]}” (the file's header)."))
        elif hint_index is not None and hint_index not in taken and _field_of(hint_index, own) in (None, name):
            columns[name] = hint_index
            taken.add(hint_index)
            notes.append(MappingNote(name, "remembered", headers[hint_index],
                                     f"{FIELD_LABELS[name]}: “{headers[hint_index]}”, as remembered for this "
                                     "supplier.", remembered=str(hint)))
        elif hint not in (None, ""):
            notes.append(MappingNote(
                name, "remembered_missing", None,
                f"{FIELD_LABELS[name]}: the column “{hint}” remembered for this supplier is not in this file"
                + (" (or this file's header uses it for something else)." if hint_index is not None else "."),
                remembered=str(hint)))
    if "article" in columns and "sku" not in columns and "sku" not in chosen:
        columns["sku"] = columns["article"]
        notes.append(MappingNote("sku", "article_as_sku", headers[columns["article"]],
                                 f"SKU: no SKU column, the article number “{headers[columns['article']]}” is "
                                 "read as the SKU."))
    if "serial" not in columns:
        raise UnreadableFile(
            "No column is mapped to the serial number. Pick the serial column (and the header row, if it is "
            "not the one shown) on the preview. Columns found: " + ", ".join(f"“{h}”" for h in headers[:30]) + ".",
            code="no_serial_column", details={"columns": headers[:100]})
    if kind is None:
        kind = header_serial_kind(headers[columns["serial"]])
        remembered_kind = remembered.get("serial_kind") if isinstance(remembered, dict) else None
        if kind == "any" and remembered_kind in SERIAL_KINDS and suggested.get("serial") not in (None, "") and \
                _column_of(suggested["serial"], headers, keys) == columns["serial"]:
            kind = remembered_kind
    return Resolution(Mapping(columns=columns, serial_kind=kind), notes)


def _field_of(index: int, columns: dict[str, int]) -> str | None:
    for name, i in columns.items():
        if i == index:
            return name
    return None


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
    if has_bad_characters(serial):
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
    "invalid_lot": "Invalid lot",
    "invalid_expiry": "Invalid expiry date",
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
    article_col = mapping.columns.get("article")
    out = Checked(serial_header=serial_header, sku_header=sku_header)
    if article_col is not None and article_col < len(headers):
        out.article_header = headers[article_col]
    articles = out.articles
    lot_col, expiry_col = mapping.columns.get("lot"), mapping.columns.get("expiry")
    lot_header = headers[lot_col] if lot_col is not None and lot_col < len(headers) else "lot"
    expiry_header = headers[expiry_col] if expiry_col is not None and expiry_col < len(headers) else "expiry"
    lot_cache: dict[str, str | None | BadLot] = {}
    expiry_cache: dict[str, date | None | BadExpiry] = {}  # a list repeats the same few lots and dates
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
        if lot_col is not None or expiry_col is not None:
            lot, expiry, problem = _lot_and_expiry(row, lot_col, expiry_col, lot_cache, expiry_cache)
            if problem is not None:
                raw_value, code, message = problem
                errors.append(RowError(number, lot_header if code == "invalid_lot" else expiry_header, raw_value,
                                       code, message))
                continue
            if lot_col is not None:
                out.lots.append(lot)
            if expiry_col is not None:
                out.expiries.append(expiry)
        out.row_numbers.append(number)
        out.serials.append(serial)
        out.keys.append(key)
        out.skus.append(sku)
        out.costs.append(cost)
        if article_col is not None:
            articles.append((row[article_col] if article_col < len(row) else "").strip(EDGE_CHARACTERS).upper()
                            or None)
    return out


def _lot_and_expiry(row: list[str], lot_col: int | None, expiry_col: int | None, lot_cache: dict,
                    expiry_cache: dict) -> tuple[str | None, date | None, tuple[str, str, str] | None]:
    """A row's lot and expiry date (portal.lots' rules), or the first problem as (value, code, message)."""
    lot = expiry = None
    if lot_col is not None:
        raw = row[lot_col] if lot_col < len(row) else ""
        lot = _read_once(lot_cache, raw, clean_lot, BadLot)
        if isinstance(lot, BadLot):
            return None, None, (raw, "invalid_lot", str(lot))
    if expiry_col is not None:
        raw = row[expiry_col] if expiry_col < len(row) else ""
        expiry = _read_once(expiry_cache, raw, parse_expiry, BadExpiry)
        if isinstance(expiry, BadExpiry):
            return None, None, (raw, "invalid_expiry", f"The expiry date cannot be read: {expiry}")
    return lot, expiry, None


def _read_once(cache: dict, raw: str, read, problem: type[ValueError]):
    """``read(raw)``, or the ``problem`` it raised, read once per distinct value."""
    if raw not in cache:
        try:
            cache[raw] = read(raw)
        except problem as error:
            cache[raw] = error
    return cache[raw]
