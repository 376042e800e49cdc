"""A hostile file on the receiving desk in Chromium: the refusal shows beside the file on the
form, which keeps what the receiver typed, and another file can be chosen at once."""

import pytest
from playwright.sync_api import expect

from tests.receiving.hostile_files import xlsx_with_dtd

pytestmark = pytest.mark.browser

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_a_refused_file_shows_its_message_on_the_kept_form_and_another_file_goes_through(
        page, make_supplier, make_warehouse, make_product, open_desk):
    make_supplier(code="ACME")
    make_warehouse(code="MAIN")
    make_product(sku="PHONE-1")
    open_desk(page, "PO-HOSTILE")
    page.set_input_files("#file", files=[{"name": "laughs.xlsx", "mimeType": XLSX, "buffer": xlsx_with_dtd()}])
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.locator("#file-error")).to_contain_text("DTD")
    expect(page.locator("#reference")).to_have_value("PO-HOSTILE")
    expect(page.locator("#preview")).to_be_empty()
    good = b"Serial,SKU\nG-1,PHONE-1\nG-2,PHONE-1\n"
    page.set_input_files("#file", files=[{"name": "good.csv", "mimeType": "text/csv", "buffer": good}])
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.locator('[data-count="valid"]')).to_have_text("2")
