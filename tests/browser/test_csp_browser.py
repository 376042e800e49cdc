"""The content security policy holds after every swap (issue 12.12). The
``context`` fixture in tests/conftest.py fails any browser test on a console
error, a page error or a CSP violation; these tests walk the swaps that
once broke it."""

import pytest
from playwright.sync_api import expect

from tests.items.receipts import open_receipt_url

pytestmark = pytest.mark.browser

def test_adding_unexpected_serials_keeps_the_csp(page, live_server, client_as, make_supplier,
                                                 make_warehouse, make_product, browser_login):
    make_supplier(code="ACME", name="Acme Phones", trusted=True)
    make_warehouse(code="MAIN")
    make_product(sku="PHONE-1")
    make_product(sku="PHONE-2")
    desk = client_as("receiver")
    url = open_receipt_url(desk)
    browser_login(page, live_server, desk.user)
    page.goto(live_server + url)
    for serial in ("EXTRA-1", "EXTRA-2"):
        page.fill("#unexpected-product", "PHONE-2")
        page.focus("#unexpected-serial")
        page.keyboard.type(serial, delay=5)  # as a handheld scanner types, then Enter
        # a password manager or an autofill marks the fields it touched with an
        # inline style through the CSSOM (allowed by the CSP); htmx's settle
        # step used to copy that attribute onto the new fields with
        # setAttribute, which the CSP refuses (two violations per swap)
        page.evaluate("""() => { for (const id of ["unexpected-serial", "unexpected-product"]) {
            document.getElementById(id).style.backgroundColor = "rgb(232, 240, 254)"; } }""")
        page.keyboard.press("Enter")
        expect(page.locator("#unexpected [role=status]")).to_contain_text(f"{serial} added as unexpected")
        expect(page.locator("#unexpected-serial")).to_be_focused()
    # a refusal swaps the same form in with its message
    page.fill("#unexpected-serial", "sn-1")
    page.fill("#unexpected-product", "PHONE-2")  # the SKU is never preselected: the receiver chooses
    page.get_by_role("button", name="Add unexpected").click()
    expect(page.locator("#unexpected [role=alert]")).to_be_visible()
