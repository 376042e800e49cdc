"""The reports as PDF: the figures in the text, the running header and
footer, the "nothing to report" document, escaping, no WeasyPrint warnings,
and the fetcher that only reads static/."""

import logging
import re
from pathlib import Path

import pytest
from weasyprint import HTML

from portal.reports.pdf import StaticOnlyFetcher, html_to_pdf
from tests.reports.conftest import EVIL_NAME

STATIC = Path(__file__).resolve().parents[2] / "static"


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_stock_aging_pdf_figures(fixed_warehouse, manager, pdf_text, tmp_path, weasyprint_warnings):
    response = manager.get("/reports/stock-aging.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=\"stock-aging-")
    pages = pdf_text(response.data, tmp_path)
    text = _squash(" ".join(pages))
    for expected in [
        "Units in stock 8", "Value at cost 99.50", "Average age 117.0 days", "Oldest unit 400 days",
        "Units past expiry 1", "Units expiring within 30 days 1", "50.0 % (2 of 4)",
        "0–30 days 2 25.00 % of 8 20.00", "31–60 days 2 25.00 % of 8 22.00", "61–90 days 0 0.00 % of 8 0.00",
        "91–180 days 2 25.00 % of 8 50.00", "181–365 days 1 12.50 % of 8 4.00",
        "over 365 days 1 12.50 % of 8 3.50",
        "S-OLD P-300 CLEAN WH2 B-01", "S-EXPD P-200 EVIL WH2 B-01",
        "P-100 Router 3 1 33.33 % of 3",
    ]:
        assert expected in text, expected
    assert weasyprint_warnings == []


def test_header_and_footer_on_every_page(fixed_warehouse, manager, pdf_text, tmp_path):
    pages = pdf_text(manager.get("/reports/stock-aging.pdf?warehouse=WH1").data, tmp_path)
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        assert "Generated " in page and " UTC" in page
        assert "Stock aging" in page and "Warehouse: WH1 (Main)" in page


def test_defects_pdf_figures(fixed_warehouse, manager, pdf_text, tmp_path, weasyprint_warnings):
    start = fixed_warehouse.days_ago(364).isoformat()
    response = manager.get(f"/reports/defects-by-supplier.pdf?date_from={start}")
    assert response.status_code == 200
    text = _squash(" ".join(pdf_text(response.data, tmp_path)))
    for expected in [
        "Units received 24", "Units found defective 9", "Overall defect rate 37.5 % (9 of 24)",
        "Overall PPM 375,000", "Median days from receipt to defect 2.0 days",
        "BAD Bad Batch GmbH 6 5 83.33 % of 6 43.65–96.99 % 833,333",
        "SOLO Solo Ltd 1 0 0.00 % of 1 0.00–79.35 % 0",
        "CLEAN Clean Co 4 0 0.00 % of 4 0.00–48.99 % 0",
        "ABOVE OVERALL",
    ]:
        assert expected in text, expected
    assert weasyprint_warnings == []


def test_hostile_supplier_name_is_text_in_the_pdf(fixed_warehouse, manager, pdf_text, tmp_path):
    start = fixed_warehouse.days_ago(364).isoformat()
    text = " ".join(pdf_text(manager.get(f"/reports/defects-by-supplier.pdf?date_from={start}").data, tmp_path))
    assert EVIL_NAME in text  # printed as the characters it is, never run or dropped
    aging = " ".join(pdf_text(manager.get("/reports/stock-aging.pdf").data, tmp_path))
    assert EVIL_NAME in aging


@pytest.mark.parametrize("path", ["/reports/stock-aging.pdf", "/reports/defects-by-supplier.pdf"])
def test_nothing_to_report_is_a_readable_document(app, manager, pdf_text, tmp_path, weasyprint_warnings, path):
    response = manager.get(path)
    assert response.status_code == 200
    pages = pdf_text(response.data, tmp_path)
    assert len(pages) == 1
    assert "Nothing to report" in pages[0] and "Page 1 of 1" in pages[0]
    assert weasyprint_warnings == []


def test_fetcher_serves_static_files_only(tmp_path):
    fetcher = StaticOnlyFetcher(STATIC)
    css = fetcher((STATIC / "css" / "print.css").as_uri())
    assert b"@page" in css.read()
    for url in ["http://example.com/x.css", "https://127.0.0.1/x.png", "ftp://example.com/x",
                "file:///etc/passwd", (STATIC / ".." / "portal" / "config.py").resolve().as_uri(),
                (STATIC / "css" / ".." / ".." / "README.md").as_uri(), (STATIC / "css" / "missing.css").as_uri()]:
        with pytest.raises(ValueError):
            fetcher(url)
    assert fetcher("data:text/plain;base64,aGk=").read() == b"hi"


def test_documents_cannot_reach_the_network_or_other_files(app, weasyprint_warnings):
    secret = Path(app.root_path).parent / "README.md"
    html = (f'<html><head><link rel="stylesheet" href="http://127.0.0.1:9/x.css"></head><body>'
            f'<img src="https://example.com/tracker.png"><img src="{secret.as_uri()}">'
            f'<img src="../pyproject.toml"><p>ok</p></body></html>')
    with app.app_context():
        pdf = html_to_pdf(html)
    assert pdf.startswith(b"%PDF")
    refused = [r.getMessage() for r in weasyprint_warnings]
    assert len(refused) == 4, refused
    assert all("may not" in message for message in refused)


def test_default_fetcher_would_have_read_the_file(tmp_path):
    """Control for the test above: without our fetcher WeasyPrint reads local files."""
    image = tmp_path / "dot.svg"
    image.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>')
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logging.getLogger("weasyprint").addHandler(handler)
    try:
        HTML(string=f'<img src="{image.as_uri()}">').write_pdf()
    finally:
        logging.getLogger("weasyprint").removeHandler(handler)
    assert not [r for r in records if r.levelno >= logging.WARNING]


def test_api_pdf_and_cli_pdf(fixed_warehouse, client, app, pdf_text, tmp_path):
    response = client.get("/api/v1/reports/stock-aging?format=pdf&supplier=SOLO",
                          headers={"Authorization": f"Bearer {fixed_warehouse.manager_token}"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "Units in stock 1" in _squash(" ".join(pdf_text(response.data, tmp_path)))
    out = tmp_path / "defects.pdf"
    result = app.test_cli_runner().invoke(args=["reports", "defects", "--out", str(out),
                                                "--from", fixed_warehouse.days_ago(364).isoformat()])
    assert result.exit_code == 0, result.output
    assert "Units received 24" in _squash(" ".join(pdf_text(out.read_bytes(), tmp_path)))


def test_long_tables_repeat_their_header_on_each_page(app, manager, make_item, make_product, make_bin, pdf_text,
                                                      tmp_path):
    product = make_product(sku="LONG")
    where = make_bin()
    for n in range(50):
        make_item(serial=f"LONG-{n:03d}", product_id=product.id, bin_id=where.id)
    pages = pdf_text(manager.get("/reports/stock-aging.pdf").data, tmp_path)
    with_rows = [page for page in pages if "LONG-0" in page]
    assert len(with_rows) >= 2  # the 50 oldest units run over a page break
    for page in with_rows:
        assert re.search(r"Serial\s+SKU\s+Supplier\s+Warehouse\s+Bin\s+Received", page), page[:400]
    for page in pages:  # no row is cut in two: every serial line is whole
        for line in page.splitlines():
            if "LONG-0" in line and "LONG-0" in line.split()[0]:
                assert len(line.split()) >= 7, line
