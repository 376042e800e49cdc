"""A report in every format it is offered in: pdf, csv, xlsx, json. The page,
the API and the CLI call :func:`render_report`."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.styles import Font

from ..errors import Invalid
from ..exports import COMMA, NUMBER_FORMATS, CsvOptions, csv_bytes, neutralise_formula, write_sheet
from .pdf import render_pdf
from .results import Report, Table, json_value

FORMATS = ("pdf", "csv", "xlsx", "json")
MIMETYPES = {
    "pdf": "application/pdf",
    "csv": "text/csv",  # Flask adds "; charset=utf-8" to every text/* answer
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


@dataclass(frozen=True)
class Download:
    body: bytes
    mimetype: str
    filename: str


def _text(value):
    """Text through the shared formula rule; numbers stay numbers (a negative
    'days to expiry' is data, and XLSX keeps it numeric), empty stays empty."""
    return neutralise_formula(value) if isinstance(value, str) else value


def _plain(value):
    """A cell value for a spreadsheet: intervals become text, dates stay dates
    (XLSX formats them, CSV writes them ISO), numpy scalars plain numbers."""
    if isinstance(value, tuple):
        return " to ".join(f"{v:.6f}" for v in value)
    if isinstance(value, date | datetime) or value is None:
        return value
    if isinstance(value, int | float | str):
        return _text(value)
    return _text(json_value(value))


def _header(table: Table) -> list[str]:
    return [c.label for c in table.columns]


def table_csv(table: Table, options: CsvOptions = COMMA) -> bytes:
    """One table's rows (every row, no totals row: a CSV is data to sort and sum)."""
    rows = [_header(table)] + [[_plain(row.get(c.key)) for c in table.columns] for row in table.rows]
    return csv_bytes(rows, options)


def _xlsx_kind(column) -> str:
    return "text" if column.kind == "interval" else column.kind


def report_xlsx(report: Report) -> bytes:
    """A summary sheet (title, filters, headline figures), then one sheet per
    table with formats, widths, a header filter and a frozen header row."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Report"
    sheet.append([_text(report.title)])
    sheet["A1"].font = Font(bold=True, size=14)
    for label, value in report.filters:
        sheet.append([_text(label), _text(value)])
    sheet.append(["Generated (UTC)", report.generated_at.replace(microsecond=0)])
    sheet.cell(sheet.max_row, 2).number_format = NUMBER_FORMATS["datetime"]
    if report.currency:
        sheet.append(["Currency", report.currency])
    sheet.append([])
    for fact in report.facts:
        label = f"{fact.label} ({fact.unit})" if fact.unit else fact.label
        if fact.denominator is not None:
            sheet.append([_text(label), fact.value, fact.numerator, fact.denominator])
            sheet.cell(sheet.max_row, 2).number_format = NUMBER_FORMATS["pct"]
        else:
            sheet.append([_text(label), json_value(fact.value)])
            if fact.kind in NUMBER_FORMATS:
                sheet.cell(sheet.max_row, 2).number_format = NUMBER_FORMATS[fact.kind]
    sheet.column_dimensions["A"].width = max(len(str(c.value or "")) for c in sheet["A"]) + 2
    sheet.column_dimensions["B"].width = 24
    for table in report.tables.values():
        rows = ([_plain(row.get(c.key)) for c in table.columns] for row in table.rows)
        totals = ([_plain(table.totals.get(c.key)) for c in table.columns] if table.totals is not None else None)
        write_sheet(book.create_sheet(table.key[:31]), _header(table), [_xlsx_kind(c) for c in table.columns],
                    rows, totals)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def render_report(report: Report, fmt: str, *, table: str | None = None, template: str = "",
                  csv: CsvOptions | None = None) -> Download:
    fmt = (fmt or "").lower()
    stem = f"{report.kind}-{report.query.get('as_of') or report.query.get('date_to')}"
    if fmt not in FORMATS:
        raise Invalid(f"Format must be one of: {', '.join(FORMATS)}.", code="invalid_format")
    if fmt == "pdf":
        body = render_pdf(template or "reports/pdf/report.html", report=report, pdf=True)
    elif fmt == "json":
        body = json.dumps(report.as_json(), ensure_ascii=False).encode()
    elif fmt == "xlsx":
        body = report_xlsx(report)
    else:
        key = table or next(iter(report.tables))
        if key not in report.tables:
            raise Invalid(f"Table must be one of: {', '.join(report.tables)}.", code="invalid_table")
        body = table_csv(report.tables[key], csv or COMMA)
        stem = f"{stem}-{key}"
    return Download(body, MIMETYPES[fmt], f"{stem}.{fmt}")
