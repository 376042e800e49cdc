"""At handheld width (360 px): an operator flags a defect at the scan station
with a reason the admin added; the item shows on the quarantine page and its
timeline; a move scan of it into storage is refused (issue 13, points 1-3)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.defects import services as defects
from portal.extensions import db
from tests import factories

pytestmark = pytest.mark.browser

HANDHELD = {"width": 360, "height": 740}


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": HANDHELD}


def scanner(page, code: str) -> None:
    page.keyboard.type(code, delay=5)
    page.keyboard.press("Enter")


def test_flag_at_the_station_then_quarantine_page_and_timeline(page, app, live_server, make_user, browser_login):
    with app.app_context():
        s = db.session
        wh = factories.warehouse(s, code="WH1")
        shelf = factories.bin_(s, warehouse_id=wh.id, code="B-02")
        factories.item(s, serial="DEF-0001", status="in_stock", bin_id=shelf.id)
        defects.add_reason(s, code="overheats", name="Overheats")
        s.commit()
    operator = make_user(role="operator")
    browser_login(page, live_server, operator)

    page.goto(f"{live_server}/scan/defect")
    page.select_option("#defect-reason", "overheats")
    page.locator("#scan-code").focus()
    expect(page.locator("#scan-code")).to_be_focused()
    scanner(page, "DEF-0001")
    accepted = page.locator("#scan-log .scan-accepted")
    expect(accepted).to_have_count(1)
    expect(accepted).to_contain_text("Overheats")
    expect(accepted).to_contain_text("QUARANTINE")

    page.goto(f"{live_server}/scan/move")
    expect(page.locator("#scan-code")).to_be_focused()
    scanner(page, "BIN:WH1/B-02")
    expect(page.locator("#scan-log .scan-accepted")).to_have_count(1)
    scanner(page, "DEF-0001")
    refused = page.locator("#scan-log .scan-refused")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text("in quarantine")

    page.goto(f"{live_server}/defects/quarantine?warehouse=WH1")
    row = page.locator('tr[data-serial="DEF-0001"]')
    expect(row).to_contain_text("Overheats")
    expect(row).to_contain_text("storage")
    assert page.evaluate("document.documentElement.scrollWidth") <= HANDHELD["width"]
    row.get_by_role("link", name="DEF-0001").click()
    expect(page.locator("h1.serial")).to_have_text("DEF-0001")
    expect(page.locator(".timeline")).to_contain_text("defect")
    expect(page.locator(".timeline")).to_contain_text("overheats")
    expect(page.locator(".status")).to_have_text("defective")
