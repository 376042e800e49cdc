"""CSV, XLSX and JSON downloads, the API and the CLI: same report, same figures."""

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from portal.exports import neutralise_cell
from tests.reports.conftest import EVIL_NAME


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("Acme", "Acme"),
        ("", ""),
    ],
)
def test_neutralise_cell(value, expected):
    assert neutralise_cell(value) == expected


def test_downloads_keep_numbers_numeric():
    """The shared rule is for text; the report downloads leave numbers (even negative) as numbers."""
    from portal.reports.downloads import _plain

    assert _plain(-20) == -20 and _plain(2.5) == 2.5 and _plain(None) is None
    assert _plain("-20") == "'-20"


@pytest.fixture
def formula_supplier(fixed_warehouse, app, make_item, make_supplier):
    supplier = make_supplier(code="FORM", name="=cmd|' /C calc'!A0")
    make_item(supplier_id=supplier.id)
    return supplier


def _csv(response):
    assert response.mimetype == "text/csv"
    text = response.data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_csv_of_each_table(fixed_warehouse, manager):
    rows = _csv(manager.get("/reports/stock-aging.csv?table=buckets"))
    assert rows[0] == ["Age", "Units", "Share of units", "Value at cost (EUR)", "Share of value"]
    assert rows[1][:2] == ["0–30 days", "2"] and rows[1][3] == "20.0"
    assert len(rows) == 7
    products = _csv(manager.get("/reports/stock-aging.csv?table=by_product"))
    assert products[0][:3] == ["SKU", "Product", "Units"]
    oldest = _csv(manager.get("/reports/stock-aging.csv?table=oldest"))
    assert "Product" in oldest[0] and "Cost (EUR)" in oldest[0]  # detail columns are in the download
    assert oldest[1][0] == "S-OLD"


def test_csv_neutralises_formulas_and_keeps_names(fixed_warehouse, manager, formula_supplier):
    rows = _csv(manager.get("/reports/stock-aging.csv?table=by_supplier"))
    names = [row[1] for row in rows[1:]]
    assert "'=cmd|' /C calc'!A0" in names
    assert EVIL_NAME in names  # not a formula: kept as the text it is


def test_xlsx_has_a_sheet_per_table_and_neutralised_cells(fixed_warehouse, manager, formula_supplier, tmp_path):
    response = manager.get("/reports/stock-aging.xlsx")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Report", "buckets", "by_product", "by_supplier", "by_warehouse", "oldest",
                               "expiry", "fifo", "in_transit"]
    report = [[c.value for c in row] for row in book["Report"].iter_rows()]
    assert ["Units in stock", 9] in [row[:2] for row in report]
    suppliers = [[c.value for c in row] for row in book["by_supplier"].iter_rows()]
    assert suppliers[0][:3] == ["Code", "Supplier", "Units"]
    assert any(row[1] == "'=cmd|' /C calc'!A0" for row in suppliers)
    assert all(not (isinstance(v, str) and v.startswith("=")) for row in suppliers for v in row)
    assert book["buckets"]["B2"].value == 3  # numbers stay numbers (2 + the FORM unit received now)


def test_defects_downloads(fixed_warehouse, manager):
    start = fixed_warehouse.days_ago(364).isoformat()
    rows = _csv(manager.get(f"/reports/defects-by-supplier.csv?date_from={start}"))
    assert rows[0][:5] == ["Code", "Supplier", "Received", "Defective", "Defect rate"]
    assert rows[1][:4] == ["BAD", "Bad Batch GmbH", "6", "5"]
    book = load_workbook(io.BytesIO(manager.get(f"/reports/defects-by-supplier.xlsx?date_from={start}").data))
    assert book.sheetnames == ["Report", "suppliers", "stages", "supplier_returns", "reasons", "supplier_reasons",
                               "products", "months", "returns"]


def test_unknown_table_and_format(fixed_warehouse, manager):
    assert manager.get("/reports/stock-aging.csv?table=nope").status_code == 422
    assert manager.get("/reports/stock-aging.docx").status_code == 404


def test_empty_report_downloads_keep_their_headers(app, manager):
    rows = _csv(manager.get("/reports/stock-aging.csv?table=oldest"))
    assert rows[0][0] == "Serial" and len(rows) == 1
    rows = _csv(manager.get("/reports/defects-by-supplier.csv?table=suppliers"))
    assert rows[0][0] == "Code" and len(rows) == 1


# --- API -----------------------------------------------------------------------


def _api(client, token, path):
    return client.get(path, headers={"Authorization": f"Bearer {token}"})


def test_api_json_equals_the_page_json(fixed_warehouse, client, manager):
    api = _api(client, fixed_warehouse.manager_token, "/api/v1/reports/stock-aging?warehouse=WH1").get_json()
    page = manager.get("/reports/stock-aging.json?warehouse=WH1").get_json()
    assert api["summary"] == page["summary"] and api["tables"] == page["tables"]
    assert api["summary"]["units"] == 6


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.mark.parametrize("fmt, mimetype", [("pdf", "application/pdf"), ("csv", "text/csv"), ("xlsx", XLSX),
                                           ("json", "application/json")])
def test_api_formats(fixed_warehouse, client, fmt, mimetype):
    response = _api(client, fixed_warehouse.manager_token, f"/api/v1/reports/defects-by-supplier?format={fmt}")
    assert response.status_code == 200
    assert response.mimetype == mimetype
    if fmt != "json":
        assert "attachment" in response.headers["Content-Disposition"]


def test_api_refuses_bad_format_and_other_roles(fixed_warehouse, client, app):
    bad = _api(client, fixed_warehouse.manager_token, "/api/v1/reports/stock-aging?format=docx")
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "invalid_format"
    assert client.get("/api/v1/reports/stock-aging").status_code == 401
    from portal.auth.services import issue_token
    from portal.extensions import db
    from tests import factories

    with app.app_context():
        operator = factories.user(db.session, role="operator")
        _, token = issue_token(db.session, user=operator, name="t")
        db.session.commit()
    assert _api(client, token, "/api/v1/reports/stock-aging").status_code == 403


def test_openapi_describes_the_reports(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/reports/stock-aging", "/reports/defects-by-supplier"):
        names = [p["name"] for p in paths[path]["get"]["parameters"]]
        assert "format" in names and "warehouse" in names


# --- CLI -----------------------------------------------------------------------


def test_cli_writes_each_format(fixed_warehouse, app, tmp_path):
    runner = app.test_cli_runner()
    for name in ("aging.json", "aging.csv", "aging.xlsx", "aging.pdf"):
        out = tmp_path / name
        result = runner.invoke(args=["reports", "stock-aging", "--out", str(out), "--warehouse", "WH2"])
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 0
    assert json.loads((tmp_path / "aging.json").read_text())["summary"]["units"] == 2
    result = runner.invoke(args=["reports", "defects", "--out", str(tmp_path / "d.csv"), "--table", "reasons"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "d.csv").read_text(encoding="utf-8-sig").startswith("Reason,")


def test_cli_bad_input_says_why(fixed_warehouse, app, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reports", "stock-aging", "--out", str(tmp_path / "x.pdf"), "--warehouse", "NOPE"])
    assert result.exit_code != 0 and "No warehouse with code 'NOPE'" in result.output
    assert not (tmp_path / "x.pdf").exists()
    result = runner.invoke(args=["reports", "stock-aging", "--out", str(tmp_path / "x.txt")])
    assert result.exit_code != 0 and "format" in result.output


# --- exports that survive Excel ----------------------------------------------------

IMEI = "356938035643809"


@pytest.mark.parametrize(
    "value, expected",
    [
        (IMEI, "\t" + IMEI),  # Excel would show 3.56938E+14 and lose the last digits
        ("0012345", "\t0012345"),  # and drop the leading zeros
        ("12345", "12345"),  # short numbers are safe
        ("AB356938035643809", "AB356938035643809"),
        ("-" + IMEI, "'-" + IMEI),  # the formula rule comes first
        ("=1+" + IMEI, "'=1+" + IMEI),
        ("@" + IMEI, "'@" + IMEI),
        ("+" + IMEI, "'+" + IMEI),
    ],
)
def test_csv_cells_keep_long_identifiers_as_text(value, expected):
    from portal.exports import cell_text

    assert neutralise_cell(value) == expected
    if not expected.startswith("'"):
        assert cell_text(neutralise_cell(value)) == value


def test_imei_round_trips_through_the_csv(fixed_warehouse, make_item, manager):
    """The serial cell carries a leading tab (text for Excel, never a formula);
    read back - by our own supplier-list reader too - it is the same serial."""
    from portal.receiving.supplier_lists import read_table
    from portal.serials import serial_key

    make_item(serial=IMEI)
    response = manager.get("/reports/stock-aging.csv?table=oldest")
    rows = _csv(response)
    cells = [row[0] for row in rows[1:]]
    assert "\t" + IMEI in cells
    assert not any(cell.startswith("=") for row in rows for cell in row)
    table = read_table(response.data, file_name="oldest.csv")
    header = table.rows[table.header_index]
    serials = [serial_key(row[header.index("Serial")]) for row in table.rows[table.header_index + 1:]]
    assert IMEI in serials


def test_semicolon_separator_by_parameter_and_setting(fixed_warehouse, app, manager):
    text = manager.get("/reports/stock-aging.csv?table=buckets&sep=semicolon").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == ["Age", "Units", "Share of units", "Value at cost (EUR)", "Share of value"]
    assert rows[1][3] == "20,0"  # European Excel reads a decimal comma
    assert manager.get("/reports/stock-aging.csv?table=buckets&sep=;").data.decode("utf-8-sig").count(";") > 10
    app.config["CSV_SEPARATOR"] = ";"
    assert ";" in manager.get("/reports/stock-aging.csv?table=buckets").data.decode("utf-8-sig").splitlines()[0]
    assert "," in manager.get("/reports/stock-aging.csv?table=buckets&sep=comma").data.decode().splitlines()[0]
    bad = manager.get("/reports/stock-aging.csv?table=buckets&sep=|")
    assert bad.status_code == 422 and "separator" in bad.get_data(as_text=True)


def test_xlsx_formats_widths_filter_and_frozen_header(fixed_warehouse, manager):
    from datetime import date, datetime

    book = load_workbook(io.BytesIO(manager.get("/reports/stock-aging.xlsx").data))
    buckets = book["buckets"]
    assert buckets.freeze_panes == "A2"
    assert buckets.auto_filter.ref == "A1:E7"  # header + 6 buckets; the totals row below stays put
    assert buckets["D1"].value == "Value at cost (EUR)"
    assert buckets["D2"].number_format == "#,##0.00" and buckets["C2"].number_format == "0.00%"
    assert buckets["B2"].number_format == "#,##0"
    assert buckets["A8"].value == "Total" and buckets["A8"].font.bold and buckets["D8"].value == 99.5
    assert buckets.column_dimensions["D"].width >= len("Value at cost (EUR)")
    oldest = book["oldest"]
    received = [c.value for c in oldest["G"][1:]]
    assert all(isinstance(v, date) for v in received) and oldest["G2"].number_format == "yyyy-mm-dd"
    assert oldest["A2"].data_type == "s"  # serials are text cells
    expiry = book["expiry"]
    days = [row[8] for row in expiry.iter_rows(min_row=2, values_only=True)]
    assert -20 in days  # numbers stay numbers in the download
    summary = [[c.value for c in row] for row in book["Report"].iter_rows()]
    assert ["Currency", "EUR"] in [row[:2] for row in summary]
    assert isinstance(book["Report"]["B" + str(next(i for i, r in enumerate(summary, 1) if r[0] == "Generated (UTC)"))
                                     ].value, datetime)


def test_currency_is_a_setting(fixed_warehouse, app, manager, pdf_text, tmp_path):
    app.config["CURRENCY"] = "CHF"
    page = manager.get("/reports/stock-aging").get_data(as_text=True)
    assert "Money in CHF" in page and "Value at cost (CHF)" in page and "99.50 CHF" in page
    assert _csv(manager.get("/reports/stock-aging.csv?table=by_product"))[0][3] == "Value at cost (CHF)"
    text = " ".join(pdf_text(manager.get("/reports/stock-aging.pdf").data, tmp_path))
    assert "Money in CHF" in text and "99.50 CHF" in text
    assert manager.get("/reports/stock-aging.json").get_json()["currency"] == "CHF"
    defects = manager.get("/reports/defects-by-supplier").get_data(as_text=True)
    assert "Money in" not in defects  # no money in that report
