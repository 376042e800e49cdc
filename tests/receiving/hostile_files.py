"""The hostile supplier files of issue 11.4 and 11.5, built in a few lines (never committed
as binaries), in one place: the reader's tests, the page and API tests, and
``python -m bench hostile_files`` all use these.

``REFUSED`` are the files the reader refuses (code and a part of the message each);
``READ`` are hostile-looking files that are real lists and are read."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from tests.receiving.files import bomb_xlsx, csv_bytes, inline_cell, sheet_xml, workbook_bytes

BILLION_LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">'
                            for i in range(1, 10))
                  + "]>")


@lru_cache(maxsize=4)
def xlsx_bomb(*, declared_mb: int | None = None) -> bytes:
    """7 MB that expands to 2.3 GB of XML (its zip directory honest, or lying with ``declared_mb``)."""
    return bomb_xlsx(2300, declared_mb=declared_mb)


def xlsx_declared_dimension() -> bytes:
    """1.9 KB declaring ``A1:XFD1048576`` over two real cells: read by its real cells."""
    return workbook_bytes(sheet_xml([f'<row r="1">{inline_cell("A1", "Serial")}</row>',
                                     f'<row r="2">{inline_cell("A2", "SN-1")}</row>'],
                                    head='<dimension ref="A1:XFD1048576"/>'))


def xlsx_far_cells(far_cell: str = "XFD1048576", *, sheet_part: str = "xl/worksheets/sheet1.xml") -> bytes:
    """``A1`` and one cell at ``far_cell``, under the declared dimension ``A1:XFD1048576``: a reader
    that allocates the area between them takes gigabytes."""
    row = far_cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    return workbook_bytes(sheet_xml([f'<row r="1">{inline_cell("A1", "Serial")}</row>',
                                     f'<row r="{row}">{inline_cell(far_cell, "x")}</row>'],
                                    head='<dimension ref="A1:XFD1048576"/>'), sheet_part=sheet_part)


def xlsx_with_dtd(where: str = "sheet") -> bytes:
    """A workbook with a DTD: billion laughs in the sheet or the shared strings, or an external entity."""
    extra = None
    if where == "sheet":
        sheet = sheet_xml([f'<row r="1">{inline_cell("A1", "&lol9;")}</row>'], prolog=BILLION_LAUGHS)
    elif where == "shared strings":
        sheet = sheet_xml(['<row r="1"><c r="A1" t="s"><v>0</v></c></row>'])
        extra = {"xl/sharedStrings.xml": '<?xml version="1.0"?>' + BILLION_LAUGHS.replace("lolz", "sst")
                 + '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol9;</t></si></sst>'}
    elif where == "external entity":
        sheet = sheet_xml([f'<row r="1">{inline_cell("A1", "&x;")}</row>'],
                          prolog='<!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>')
    else:
        raise ValueError(where)
    return workbook_bytes(sheet, extra=extra)


def csv_unclosed_quote() -> bytes:
    """A quote on line 3 that never closes: the field runs past the csv module's limit."""
    return b"Serial,SKU\nSN-1,P-1\nSN-2,\"P-2\n" + b"SN-x,P-1\n" * 20_000


def csv_value_over_field_limit() -> bytes:
    """One value on line 2 longer than the csv module's field limit."""
    return b"Serial;SKU\nSN-1;" + b"P" * (csv.field_size_limit() + 10) + b"\nSN-2;P-2\n"


def csv_nul_after_4_kb(encoding: str = "utf-8") -> bytes:
    """400 good rows, then a NUL in the SKU of line 402 (past the first 4 KB, where a sniffer looks)."""
    rows = [["Serial", "SKU"]] + [[f"SN-{i:05d}", "P-1"] for i in range(400)] + [["SN-X", "P\x001"]]
    return csv_bytes(rows, encoding=encoding)


def one_line_of_serials(n: int = 15_000, separator: str = ",") -> bytes:
    """``n`` serials on one line (a trailing separator, as some exports add): read as ``n`` serials."""
    return (separator.join(one_line_serials(n)) + separator + "\r\n").encode()


def one_line_serials(n: int = 15_000) -> list[str]:
    return [f"SN{i:08d}" for i in range(n)]


def bare_cr_lines() -> bytes:
    """Lines ending with a bare carriage return (older Mac software), in Windows-1252: read."""
    return "\r".join(["Serial,SKU", "SN-1,P-1", "SN-2,P-1", "SN-3,P-2"]).encode("cp1252") + b"\r"


@dataclass(frozen=True)
class HostileFile:
    name: str
    file_name: str
    build: Callable[[], bytes]
    #: the reader's refusal code; None: the file is read
    code: str | None = None
    #: a part of the refusal's message
    says: str = ""
    #: the rows (serials) of a file that is read
    rows: int = 0


REFUSED = [
    HostileFile("xlsx-bomb", "bomb.xlsx", xlsx_bomb, "workbook_too_large", "Save the sheet as CSV"),
    HostileFile("xlsx-bomb-lying-directory", "bomb.xlsx", lambda: xlsx_bomb(declared_mb=1), "workbook_too_large",
                "Save the sheet as CSV"),
    HostileFile("xlsx-a1-to-xfd1048576", "dimension.xlsx", xlsx_far_cells, "sheet_too_large", "columns"),
    HostileFile("xlsx-dtd-in-sheet", "laughs.xlsx", xlsx_with_dtd, "xml_entities", "DTD"),
    HostileFile("xlsx-dtd-in-shared-strings", "laughs.xlsx", lambda: xlsx_with_dtd("shared strings"),
                "xml_entities", "DTD"),
    HostileFile("xlsx-external-entity", "entity.xlsx", lambda: xlsx_with_dtd("external entity"), "xml_entities",
                "DTD"),
    HostileFile("csv-unclosed-quote", "quote.csv", csv_unclosed_quote, "field_too_large", "Line 3"),
    HostileFile("csv-value-over-field-limit", "long.csv", csv_value_over_field_limit, "field_too_large", "Line 2"),
    HostileFile("csv-nul-after-4-kb", "nul.csv", csv_nul_after_4_kb, "nul_character", "Line 402"),
]

READ = [
    HostileFile("xlsx-declared-dimension-only", "dimension.xlsx", xlsx_declared_dimension, rows=1),
    HostileFile("15000-serials-on-one-line", "one-line.csv", one_line_of_serials, rows=15_000),
    HostileFile("bare-carriage-returns", "mac.csv", bare_cr_lines, rows=3),
]
