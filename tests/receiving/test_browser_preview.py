"""The preview at 1280 px in Chromium: a workbook with title rows above its
header, the receiver picks the header row from the raw rows, maps a column,
and commits - no dead end. (The context fixture fails the test on a CSP
violation or a script error; a 422 answer that asks for the serial column is
the page working as meant.)"""

import pytest
from playwright.sync_api import expect

from tests.receiving.files import xlsx_bytes

pytestmark = pytest.mark.browser


def test_pick_the_header_row_of_a_title_row_workbook_map_a_column_and_commit(
        page, make_supplier, make_warehouse, make_product, open_desk):
    make_supplier(code="ACME", name="Acme Phones")
    make_warehouse(code="MAIN")
    make_product(sku="PHONE-1")
    page.set_viewport_size({"width": 1280, "height": 900})
    open_desk(page, "PO-1280")
    page.fill("#product", "PHONE-1")
    workbook = xlsx_bytes({"Lieferung": [["Lieferschein 4711 vom 1.12.2026"], ["Kunde: Lager Nord"],
                                         ["Pos", "Kennung", "Menge"], [1, "KN-1", 1], [2, "KN-2", 1]]})
    page.set_input_files("#file", files=[{"name": "lieferung.xlsx", "buffer": workbook, "mimeType":
                                          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.locator("[data-refusal]")).to_contain_text("Choose the header row")
    page.get_by_label("Row 3 is the header row").check()
    # wait for the answer: the columns are already listed, and a swap landing after the next
    # choice would put the serial column back to "choose"
    with page.expect_response(lambda r: r.request.method == "POST" and "/receiving/" in r.url):
        page.get_by_role("button", name="Apply columns").click()
    expect(page.locator(".htmx-request")).to_have_count(0)  # and swapped in
    expect(page.locator("#column_serial option", has_text="Kennung")).to_have_count(1)
    page.select_option("#column_serial", label="Kennung")
    page.get_by_role("button", name="Apply columns").click()
    expect(page.locator('[data-count="valid"]')).to_have_text("2")
    wrap = page.locator(".raw-rows").evaluate("e => e.scrollWidth <= e.parentElement.clientWidth + 1")
    assert wrap  # the raw rows fit at 1280 px
    page.get_by_role("button", name="Create receipt with 2 serials").click()
    page.wait_for_url("**/receiving/receipts/*")
    expect(page.locator("#flash")).to_contain_text("2 serials listed")
    expect(page.locator('[data-count="expected"]')).to_have_text("2")


def test_the_columns_cannot_be_changed_while_their_answer_is_on_its_way(
        page, make_supplier, make_warehouse, make_product, open_desk):
    """A choice made while "Apply columns" is in flight would be swapped away by the answer:
    the header row and column choices are disabled until it lands."""
    make_supplier(code="ACME", name="Acme Phones")
    make_warehouse(code="MAIN")
    make_product(sku="PHONE-1")
    page.set_viewport_size({"width": 1280, "height": 900})
    open_desk(page, "PO-SLOW")
    page.fill("#product", "PHONE-1")
    workbook = xlsx_bytes({"Lieferung": [["Lieferschein 4712"], ["Pos", "Kennung", "Menge"], [1, "KN-1", 1]]})
    page.set_input_files("#file", files=[{"name": "slow.xlsx", "buffer": workbook, "mimeType":
                                          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.locator("#column_serial")).to_be_visible()
    held = []
    page.route("**/mapping", lambda route: held.append(route))  # the answer waits until released
    page.get_by_role("button", name="Apply columns").click()
    expect(page.locator("#column_serial")).to_be_disabled()
    expect(page.get_by_label("Row 2 is the header row")).to_be_disabled()
    while not held:
        page.wait_for_timeout(20)
    held[0].continue_()
    expect(page.locator("#column_serial")).to_be_enabled()
    page.unroute("**/mapping")
