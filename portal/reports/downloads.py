"""A report in every format it is offered in: pdf, csv, xlsx, json. The page,
the API and the CLI call :func:`render_report`."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Font

from ..errors import Invalid
from ..exports import neutralise_cell
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
    'days left' is data, and XLSX keeps it numeric), empty stays empty."""
    return neutralise_cell(value) if isinstance(value, str) else value


def _plain(value):
    """A cell value for a spreadsheet: intervals become text, dates ISO text."""
    if isinstance(value, tuple):
        return " to ".join(f"{v:.6f}" for v in value)
    return _text(value if isinstance(value, int | float | str) or value is None else json_value(value))


def _header(table: Table) -> list[str]:
    return [_text(c.label) for c in table.columns]


def table_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(_header(table))
    for row in table.rows:
        writer.writerow([_plain(row.get(c.key)) for c in table.columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel then reads UTF-8


def report_xlsx(report: Report) -> bytes:
    book = Workbook(write_only=False)
    sheet = book.active
    sheet.title = "Report"
    sheet.append([_text(report.title)])
    sheet["A1"].font = Font(bold=True, size=14)
    for label, value in report.filters:
        sheet.append([_text(label), _text(value)])
    sheet.append(["Generated (UTC)", report.generated_at.strftime("%Y-%m-%d %H:%M")])
    sheet.append([])
    for fact in report.facts:
        if fact.denominator is not None:
            sheet.append([_text(fact.label), fact.value, fact.numerator, fact.denominator])
        else:
            sheet.append([_text(fact.label), json_value(fact.value)])
    for table in report.tables.values():
        ws = book.create_sheet(table.key[:31])
        ws.append(_header(table))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            ws.append([_plain(row.get(c.key)) for c in table.columns])
        ws.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def render_report(report: Report, fmt: str, *, table: str | None = None, template: str = "") -> Download:
    fmt = (fmt or "").lower()
    stem = f"{report.kind}-{report.query.get('as_of') or report.query.get('date_to')}"
    if fmt not in FORMATS:
        raise Invalid(f"Format must be one of: {', '.join(FORMATS)}.", code="invalid_format")
    if fmt == "pdf":
        body = render_pdf(template or "reports/pdf/report.html", report=report)
    elif fmt == "json":
        body = json.dumps(report.as_json(), ensure_ascii=False).encode()
    elif fmt == "xlsx":
        body = report_xlsx(report)
    else:
        key = table or next(iter(report.tables))
        if key not in report.tables:
            raise Invalid(f"Table must be one of: {', '.join(report.tables)}.", code="invalid_table")
        body = table_csv(report.tables[key])
        stem = f"{stem}-{key}"
    return Download(body, MIMETYPES[fmt], f"{stem}.{fmt}")
