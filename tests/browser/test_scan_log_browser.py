"""The scan log stays accessible with an undone scan in it (issue 12.11).

Apart from test_pages_browser.py on purpose: this test's own database rows
are emptied at its end, which must not happen while the demo warehouse of
that module is loaded."""

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from tests import factories

pytestmark = pytest.mark.browser


def test_scan_log_with_an_undone_scan_has_no_axe_violations(page, live_server, app, make_user, browser_login,
                                                             axe):
    """Undone rows were drawn at 55 % opacity: 3.64:1, under the 4.5:1 text needs."""
    with app.app_context():
        warehouse = factories.warehouse(db.session, code="WH1")
        factories.bin_(db.session, warehouse_id=warehouse.id, code="A-01")
        for serial in ("UNDO-1", "UNDO-2"):
            factories.item(db.session, serial=serial, status="expected")
        db.session.commit()
    browser_login(page, live_server, make_user(role="operator"))
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server}/scan/put-away")
    expect(page.locator("#scan-code")).to_be_focused()
    for code in ("BIN:WH1/A-01", "UNDO-1", "UNDO-2"):
        page.keyboard.type(code, delay=5)
        page.keyboard.press("Enter")
    expect(page.locator("#scan-log .scan-accepted")).to_have_count(3)
    page.click("#undo-button")
    expect(page.locator("#scan-log .scan-undone")).to_have_count(1)
    assert axe(page) == []
