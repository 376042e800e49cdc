"""At handheld width (360 px): a receiver opens a return, types a defective
serial onto it, ships it, and sees the return on the item page's timeline;
then scans the replacement the supplier sent on that page and follows the link
both ways (issue 13, points 4 and 7)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Bin, SerialItem
from tests import factories
from tests.supplier_returns import defective_items

pytestmark = pytest.mark.browser

HANDHELD = {"width": 360, "height": 740}


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": HANDHELD}


def test_put_a_defective_serial_on_a_return_ship_it_and_see_it_on_the_timeline(page, app, live_server, make_user,
                                                                              browser_login):
    with app.app_context():
        defective_items(db.session, warehouse="WH-B", serials=("RET-0001",))
        old = db.session.scalars(select(SerialItem).where(SerialItem.serial == "RET-0001")).one()
        shelf = db.session.scalars(select(Bin).where(Bin.code == "A-01-1")).one()
        # the replacement the supplier sent: the same product, received later
        factories.item(db.session, serial="NEW-0001", product_id=old.product_id, supplier_id=old.supplier_id,
                       bin_id=shelf.id)
        db.session.commit()
    browser_login(page, live_server, make_user(role="receiver"))

    page.goto(f"{live_server}/supplier-returns/")
    page.fill("#r-supplier", "ACME")
    page.fill("#r-warehouse", "WH-B")
    page.fill("#r-rma", "RMA-77")
    page.get_by_role("button", name="Open a return").click()
    expect(page.locator("h1")).to_contain_text("Return to supplier #")
    page.fill("#return-serial", "ret-0001")
    page.get_by_role("button", name="Put on the return").click()
    row = page.locator('tr[data-serial="RET-0001"]')
    expect(row).to_contain_text("cosmetic")
    assert page.evaluate("document.documentElement.scrollWidth") <= HANDHELD["width"]
    page.get_by_role("button", name="Ship: every item goes back to the supplier").click()
    expect(page.locator(".return-status")).to_have_text("shipped")
    row.get_by_role("link", name="RET-0001").click()
    expect(page.locator(".status")).to_have_text("returned to supplier")
    expect(page.locator(".timeline")).to_contain_text("RMA-77")

    expect(page.locator(".timeline")).to_contain_text("Flagged defective")
    expect(page.locator(".timeline")).to_contain_text("reason: cosmetic, found at storage")
    expect(page.locator(".timeline")).to_contain_text("Put on return to supplier #")

    field = page.locator("#replacement-serial")
    field.click()
    expect(field).to_be_focused()
    page.keyboard.type("new-0001", delay=5)  # a keyboard-wedge scanner
    page.keyboard.press("Enter")
    expect(page.locator("#flash")).to_contain_text("replaced by NEW-0001")
    expect(page.locator("[data-replaced-by]")).to_have_text("NEW-0001")
    expect(page.locator(".timeline li").first).to_contain_text("Replacement linked")
    assert page.evaluate("document.documentElement.scrollWidth") <= HANDHELD["width"]
    page.locator("[data-replaced-by] a").click()
    expect(page.locator("h1.serial")).to_have_text("NEW-0001")
    expect(page.locator("[data-replaces]")).to_contain_text("RET-0001")
    expect(page.locator(".timeline li").first).to_contain_text("replaces RET-0001")
