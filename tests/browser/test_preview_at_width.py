"""The upload preview at 1280 px in Chromium (issue 12.2): a supplier's
workbook with title rows above a German or Spanish header. The header row is
found, errors come grouped by kind, the mapping that fixes an error hitting
every row is offered and works, and a long serial stays on one line in the
error table."""

import pytest
from playwright.sync_api import expect

from tests.receiving.files import xlsx_bytes

pytestmark = pytest.mark.browser

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: language -> (sheet, title rows, header: serial, a column holding the SKU that no header rule knows, price)
FILES = {
    "German": ("Lieferung", [["Lieferschein 4711 vom 1.12.2026"], ["Kunde: Lager Nord"]],
               ["Seriennr.", "Typ", "Einzelpreis"]),
    "Spanish": ("Albarán", [["Albarán 2026-118"], ["Cliente: Almacén Norte"], []],
                ["Número de serie", "Tipo", "Precio"]),
}
ROWS = 12
#: whole lines of the element's text: one line box per line
LINE_BOXES = """cell => { const range = document.createRange(); range.selectNodeContents(cell);
                         return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size; }"""


@pytest.mark.parametrize("language", FILES)
def test_a_title_row_workbook_with_a_foreign_header_is_read_grouped_and_fixed_as_suggested(
        page, live_server, make_user, browser_login, make_supplier, make_warehouse, make_product, make_item,
        language):
    make_supplier(code="ACME", name="Acme Phones")
    make_warehouse(code="MAIN")
    make_product(sku="PHONE-1")
    serials = [f"ACME-LIEFERUNG-2026-12-SERIENNUMMER-{n:020d}" for n in range(ROWS)]  # 55 characters
    make_item(serial=serials[3])  # already in the system
    sheet, titles, header = FILES[language]
    rows = [[serial, "TYP-UNBEKANNT" if n == 7 else "PHONE-1", "12,50"] for n, serial in enumerate(serials)]
    workbook = xlsx_bytes({sheet: [*titles, header, *rows]})

    page.set_viewport_size({"width": 1280, "height": 900})
    browser_login(page, live_server, make_user(role="receiver"))
    page.goto(f"{live_server}/receiving/")
    page.select_option("#supplier", "ACME")
    page.select_option("#warehouse", "MAIN")
    page.fill("#reference", f"PO-{language}")
    page.set_input_files("#file", files=[{"name": f"{sheet}.xlsx", "buffer": workbook, "mimeType": XLSX}])
    page.get_by_role("button", name="Upload and preview").click()

    # the header row is found below the title rows, its serial column recognised
    preview = page.locator("[data-preview]")
    expect(preview.locator('[data-count="rows"]')).to_have_text(str(ROWS))
    expect(preview.locator("[data-refusal]")).to_have_count(0)
    expect(page.locator("#column_serial option:checked")).to_have_text(header[0])
    expect(preview.locator("table.sample th.mapped", has_text=header[0])).to_contain_text("Serial")
    # no SKU on any row: one group, not twelve identical rows, and the mapping that fixes it
    expect(preview.locator(".error-kinds li")).to_have_count(1)
    expect(preview.locator('.error-kinds li[data-error-code="no_product"]')).to_contain_text(str(ROWS))
    expect(preview.locator('tbody[data-error-group="no_product"] tr.error-group')).to_contain_text(
        f"{ROWS} rows (the first 5 shown)")
    expect(preview.locator('tbody[data-error-group="no_product"] tr:not(.error-group)')).to_have_count(5)
    expect(preview.locator("[data-suggestion]")).to_contain_text(f"map column “{header[1]}” to SKU")

    page.select_option("#column_sku", label=header[1])  # as the suggestion says
    page.get_by_role("button", name="Apply columns").click()
    expect(preview.locator('[data-count="valid"]')).to_have_text(str(ROWS - 2))
    expect(preview.locator("[data-suggestion]")).to_have_count(0)
    kinds = preview.locator(".error-kinds li")
    expect(kinds).to_have_count(2)
    expect(kinds.locator("xpath=.", has_text="Already in the system")).to_have_count(1)
    expect(kinds.locator("xpath=.", has_text="Unknown SKU")).to_have_count(1)

    # the serial in the error table: whole, on one line
    cell = preview.locator('tbody[data-error-group="already_in_system"] td.serial')
    expect(cell).to_have_text(serials[3])
    assert cell.evaluate(LINE_BOXES) == 1
    assert cell.evaluate("c => c.scrollWidth <= c.clientWidth + 1")  # nothing cut off inside the cell
    page.get_by_label("Skip the 2 invalid rows").check()
    page.get_by_role("button", name=f"Create receipt with {ROWS - 2} serials").click()
    page.wait_for_url("**/receiving/receipts/*")
    expect(page.locator('[data-count="expected"]')).to_have_text(str(ROWS - 2))
