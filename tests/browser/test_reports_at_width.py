"""The stock-aging and defects report pages over the demo warehouse, at the
manager's 1280 px and a handheld's 360 px (issue 12.8): the currency is
named, tables end with a totals row that adds up, expiry reads in words, and
headline figures lead to the records they count."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

WIDTHS = {"1280 px": {"width": 1280, "height": 900}, "360 px": {"width": 360, "height": 740}}


def _number(text: str) -> float:
    return float(re.search(r"-?[\d,]+(?:\.\d+)?", text).group(0).replace(",", ""))


def _column(table, heading: str) -> int:
    """Index (1-based) of the column whose heading starts with ``heading``."""
    headings = table.locator("thead th").all_inner_texts()
    return next(i for i, h in enumerate(headings, 1) if h.startswith(heading))


def _column_sum_and_total(section, heading: str) -> tuple[float, float]:
    table = section.locator("table.report-table")
    n = _column(table, heading)
    cells = table.locator(f"tbody tr td:nth-child({n}), tbody tr th:nth-child({n})").all_inner_texts()
    total = table.locator(f"tfoot tr.totals > :nth-child({n})").inner_text()
    return sum(_number(c) for c in cells), _number(total)


def _follow(page, fact_key: str) -> tuple[str, int]:
    """Click a headline figure; the figure as shown and the item list's total where it led."""
    link = page.locator(f"#fact-{fact_key} dd a")
    shown = link.inner_text()
    link.click()
    page.wait_for_url("**/items/?*")
    line = page.locator("#item-list .count").inner_text()
    found = re.search(r"of ([\d,]+) items", line)
    listed = int(found.group(1).replace(",", "")) if found else 0
    page.wait_for_load_state("networkidle")  # the favicon too: a request cut off leaves a file open
    page.go_back()
    page.wait_for_url("**/reports/**")
    return shown, listed


@pytest.fixture
def open_report(page, demo_server):
    """``open_report(path, width)``: the manager's page showing the report at that width."""
    demo_server.log_in(page, "manager")

    def open_(path: str, width: str):
        page.set_viewport_size(WIDTHS[width])
        page.goto(demo_server.url + path)
        return page

    return open_


@pytest.mark.parametrize("width", WIDTHS)
def test_stock_aging_names_the_currency_adds_up_says_expired_in_words_and_its_units_lead_to_the_items(
        open_report, width):
    page = open_report("/reports/stock-aging", width)
    expect(page.locator(".report-meta")).to_contain_text("Money in EUR")
    expect(page.locator("#fact-value dd")).to_have_text(re.compile(r"^[\d,]+\.\d\d EUR$"))
    buckets = page.locator("#table-buckets")
    expect(buckets.locator("thead")).to_contain_text("Value at cost (EUR)")
    expect(buckets.locator("tfoot tr.totals th")).to_have_text("Total")
    units_shown = _number(page.locator("#fact-units dd").inner_text())
    for heading in ("Units", "Value at cost"):
        rows, total = _column_sum_and_total(buckets, heading)
        assert rows == pytest.approx(total, abs=0.011), heading
    assert _column_sum_and_total(buckets, "Units")[1] == units_shown
    assert _column_sum_and_total(page.locator("#table-by_warehouse"), "Units") == (units_shown, units_shown)

    expiry = page.locator("#table-expiry")
    expect(expiry.locator("tbody td", has_text=re.compile(r"^expired [\d,]+ days? ago$")).first).to_be_attached()
    expect(expiry.locator("tbody td", has_text=re.compile(r"^[\d,]+ days? left$")).first).to_be_attached()
    expect(expiry.locator("tbody")).not_to_contain_text("\u2212")  # no "Days left −108"

    shown, listed = _follow(page, "units")
    assert listed == _number(shown) > 0
    shown, listed = _follow(page, "value")  # the value of the units in stock: the same units
    assert listed == units_shown


@pytest.mark.parametrize("width", WIDTHS)
def test_the_fifo_figure_leads_to_the_shipments_it_counts(open_report, width):
    page = open_report("/reports/stock-aging", width)
    shown, listed = _follow(page, "fifo")  # "0.3 % (2 of 683)": the shipments of the period
    assert listed == _number(shown.split("of")[-1]) > 0


@pytest.mark.parametrize("width", WIDTHS)
def test_the_defects_report_adds_up_to_its_headline_figures(open_report, width):
    page = open_report("/reports/defects-by-supplier", width)
    suppliers = page.locator("#table-suppliers")
    expect(suppliers.locator("tfoot tr.totals th")).to_have_text(re.compile(r"^Total"))
    received_shown = _number(page.locator("#fact-received dd").inner_text())
    defective_shown = _number(page.locator("#fact-defective dd").inner_text())
    assert _column_sum_and_total(suppliers, "Received") == (received_shown, received_shown)
    assert _column_sum_and_total(suppliers, "Defective") == (defective_shown, defective_shown)
    rate = page.locator("#fact-rate dd").inner_text()
    assert rate.endswith(f"({defective_shown:,.0f} of {received_shown:,.0f})")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_defects_figures_lead_to_the_units_they_count(open_report, width):
    page = open_report("/reports/defects-by-supplier", width)
    for key in ("received", "defective"):
        shown, listed = _follow(page, key)
        assert listed == _number(shown) > 0, key
    shown, listed = _follow(page, "rate")  # "3.5 % (366 of 10,579)": the defective units
    assert listed == _number(shown.split("(")[1]) > 0


def test_downloads_from_the_page_survive_excel(open_report, tmp_path):
    """Issue 12.9 at 1280 px: the manager clicks the report's downloads. The CSV
    starts with a BOM, every IMEI-length serial carries the leading tab that keeps
    Excel from turning it into 3.5E+14 (and is never a formula); the semicolon
    choice writes `;`; the XLSX has its header frozen and filtered."""
    import csv
    import io
    from urllib.parse import urljoin

    from openpyxl import load_workbook

    page = open_report("/reports/stock-aging", "1280 px")
    link = page.locator(".report-downloads a.download", has_text="CSV").filter(has_text="oldest").first
    with page.expect_download() as download:
        link.click()
    body = download.value.path().read_bytes()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    serials = [row[0] for row in rows[1:]]
    long_digits = [s for s in serials if s.strip().isdigit() and len(s.strip()) >= 12]
    assert long_digits and all(s.startswith("\t") for s in long_digits), serials[:5]
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)

    semicolon = page.request.get(urljoin(page.url, link.get_attribute("href")) + "&sep=semicolon").body()
    assert semicolon.decode("utf-8-sig").splitlines()[0].count(";") >= 3

    with page.expect_download() as download:
        page.locator(".report-downloads a.download", has_text="XLSX").click()
    tables = [sheet for sheet in load_workbook(io.BytesIO(download.value.path().read_bytes())).worksheets
              if sheet.title != "Report"]  # the first sheet is the report's headline figures
    assert tables and all(sheet.freeze_panes == "A2" and sheet.auto_filter.ref for sheet in tables)
