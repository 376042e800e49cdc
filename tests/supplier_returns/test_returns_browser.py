"""At handheld width (360 px): a receiver opens a return, types a defective
serial onto it, ships it, and sees the return on the item page's timeline
(issue 13, point 4)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.extensions import db
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
