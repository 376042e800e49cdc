"""Shared rules for files the portal writes (CSV/XLSX exports): every CSV and
XLSX the portal offers (reports, the receiving errors and reconciliation CSVs)
goes through these functions, so Excel opens them the same way.

Two things Excel does to a CSV on opening it, and what we do about them:

* **Formulas.** A cell starting with ``= + - @`` (or a tab or carriage return
  followed by one) is run as a formula. Such text gets a leading single quote
  (the OWASP "CSV injection" advice), so it shows as the text it is.
* **Long numbers.** A digit-only identifier of 12 or more digits (an IMEI, an
  EAN, a long serial) becomes a number: 356938035643809 turns into 3.57E+14
  and its last digits are lost for good; a leading zero is dropped. Such a
  value is written with a leading tab character. Excel then keeps the cell as
  text (the tab is invisible; ``TRIM`` or any importer that trims - ours do -
  gives the identifier back). We do not write ``="..."``: that is a formula,
  exactly what the rule above keeps out of our files. XLSX needs neither trick:
  its cells carry a type, and identifiers are written as text cells.

European Excel (German, French, Dutch... locale) expects ``;`` between fields
and a decimal comma: :class:`CsvOptions` with ``separator=";"`` writes both.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: digit-only text Excel would turn into a number and so lose: 12+ digits, or a leading zero
EXCEL_WOULD_MANGLE = re.compile(r"\d{12,}|0\d+")
TEXT_MARK = "\t"
SEPARATORS = {",": ",", "comma": ",", ";": ";", "semicolon": ";"}
BOM = "\ufeff"  # Excel then reads the file as UTF-8
STREAM_CHUNK_ROWS = 2000


def neutralise_formula(value) -> str:
    """Text a spreadsheet would run as a formula gets a leading single quote;
    everything else is written as it is."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def neutralise_cell(value) -> str:
    """A CSV cell as Excel should show it: formulas neutralised and long
    digit-only identifiers kept as text (see the module's docstring)."""
    text = neutralise_formula(value)
    if isinstance(value, str) and EXCEL_WOULD_MANGLE.fullmatch(text):
        return TEXT_MARK + text
    return text


def cell_text(value: str) -> str:
    """What a CSV cell written by :func:`neutralise_cell` holds, read back:
    the identifier without the text mark (for tests and re-imports)."""
    return value[1:] if value.startswith(TEXT_MARK) and EXCEL_WOULD_MANGLE.fullmatch(value[1:]) else value


@dataclass(frozen=True)
class CsvOptions:
    separator: str = ","

    @property
    def decimal_comma(self) -> bool:
        return self.separator == ";"


def csv_options(args: Mapping, config: Mapping) -> CsvOptions:
    """The separator from the ``sep`` query parameter (``,``/``comma`` or
    ``;``/``semicolon``), else the CSV_SEPARATOR setting; anything else is refused."""
    from .errors import Invalid

    raw = (args.get("sep") or config.get("CSV_SEPARATOR") or ",").strip().lower()
    if raw not in SEPARATORS:
        raise Invalid("The separator (sep) must be ',' or ';' (comma or semicolon).", code="invalid_separator",
                      details={"field": "sep"})
    return CsvOptions(separator=SEPARATORS[raw])


COMMA = CsvOptions()


def csv_value(value, options: CsvOptions) -> str:
    """One CSV field: text through :func:`neutralise_cell`; numbers as they are
    (with a decimal comma for ``;`` files); dates ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        text = repr(round(value, 6))
        return text.replace(".", ",") if options.decimal_comma else text
    if isinstance(value, int):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return neutralise_cell(value if isinstance(value, str) else str(value))


def csv_lines(rows: Iterable[Iterable], options: CsvOptions = COMMA) -> Iterator[str]:
    """CSV text in chunks (a BOM first), for a streamed download of many rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=options.separator, lineterminator="\r\n")
    buffer.write(BOM)
    for n, row in enumerate(rows, 1):
        writer.writerow([csv_value(v, options) for v in row])
        if n % STREAM_CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_bytes(rows: Iterable[Iterable], options: CsvOptions = COMMA) -> bytes:
    return "".join(csv_lines(rows, options)).encode("utf-8")


# --- XLSX -------------------------------------------------------------------------------

#: Excel number formats by the kind of a column's values (reports/results.py KINDS)
NUMBER_FORMATS = {
    "int": "#,##0", "days": "#,##0", "ppm": "#,##0", "expiry": "#,##0",
    "money": "#,##0.00", "number": "#,##0.0", "pct": "0.00%",
    "date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm",
}
MIN_WIDTH, MAX_WIDTH = 8, 60


def xlsx_value(value):
    """A cell value for openpyxl: text neutralised (a string starting with ``=``
    would be written as a formula), numbers and dates as they are."""
    if isinstance(value, str):
        return neutralise_formula(value)
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value


def write_sheet(sheet, headers: list[str], kinds: list[str], rows: Iterable[list],
                totals: list | None = None) -> None:
    """One table on a worksheet: a bold header row that stays in view (frozen)
    with an auto-filter over the data, number and date formats by column kind,
    columns as wide as their longest value. ``totals`` goes in bold below the
    data, outside the filter (sorting leaves it where it is)."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    sheet.append([neutralise_formula(h) for h in headers])
    for cell in sheet[1]:
        cell.font = bold
    widths = [len(h) for h in headers]
    for row in rows:
        values = [xlsx_value(v) for v in row]
        sheet.append(values)
        for index, value in enumerate(values):
            widths[index] = max(widths[index], _shown_length(value))
    last_data_row = sheet.max_row
    if totals is not None:
        sheet.append([xlsx_value(v) for v in totals])
        for cell in sheet[sheet.max_row]:
            cell.font = bold
    for index, kind in enumerate(kinds, 1):
        number_format = NUMBER_FORMATS.get(kind)
        letter = get_column_letter(index)
        if number_format:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = number_format
        sheet.column_dimensions[letter].width = min(max(widths[index - 1] + 2, MIN_WIDTH), MAX_WIDTH)
    sheet.freeze_panes = "A2"
    if headers:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{last_data_row}"


def _shown_length(value) -> int:
    if value is None:
        return 0
    if isinstance(value, float):
        return len(f"{value:,.2f}")
    if isinstance(value, int):
        return len(f"{value:,}")
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    return len(str(value))
