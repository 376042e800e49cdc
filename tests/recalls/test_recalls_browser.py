"""In Chromium at 1280 px: a manager opens a recall by supplier and lot,
sees its units and progress, quarantines every unit in stock, and downloads
the CSV; the unit's page flags the recall (issue 14, point 2)."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

from portal.exports import cell_text
from portal.extensions import db
from tests import factories

pytestmark = pytest.mark.browser


def test_open_a_recall_quarantine_it_and_export_it(page, app, live_server, make_user, browser_login):
    with app.app_context():
        s = db.session
        acme = factories.supplier(s, code="ACME")
        shelf = factories.bin_(s, warehouse_id=factories.warehouse(s, code="WH-X").id, code="B-1")
        for serial in ("RC-1", "RC-2"):
            factories.item(s, serial=serial, supplier_id=acme.id, bin_id=shelf.id).lot = "LOT-5"
        factories.item(s, serial="RC-S", supplier_id=acme.id, status="sold", order_ref="ORD-55").lot = "LOT-5"
        factories.item(s, serial="RC-OTHER", supplier_id=acme.id, bin_id=shelf.id).lot = "LOT-6"
        s.commit()
    browser_login(page, live_server, make_user(role="manager"))

    page.goto(f"{live_server}/")
    page.get_by_role("link", name="Recalls").click()
    page.fill("#rc-reason", "<b>Overheating</b> battery")
    page.fill("#rc-supplier", "acme")
    page.fill("#rc-lot", "LOT-5")
    page.get_by_role("button", name="Open the recall").click()
    expect(page.locator("#flash")).to_contain_text("3 units affected")
    expect(page.locator(".recall-reason")).to_have_text("<b>Overheating</b> battery")
    expect(page.locator('[data-progress="in_stock"]')).to_have_text("2")
    expect(page.locator('[data-progress="sold"]')).to_have_text("1")
    expect(page.locator('tr[data-serial="RC-S"]')).to_contain_text("ORD-55")
    expect(page.locator('tr[data-serial="RC-OTHER"]')).to_have_count(0)

    page.get_by_role("button", name="Quarantine every unit in stock (2)").click()
    expect(page.locator("#flash")).to_contain_text("2 units quarantined.")
    expect(page.locator('[data-progress="quarantined"]')).to_have_text("2")
    expect(page.locator('tr[data-serial="RC-1"]')).to_contain_text("defective")

    page.select_option("#units-status", "sold")
    page.get_by_role("button", name="Show").click()
    expect(page.locator('tr[data-serial="RC-1"]')).to_have_count(0)
    expect(page.locator('tr[data-serial="RC-S"]')).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="Every unit (CSV)").click()
    text = download.value.path().read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert sorted((cell_text(r[0]), r[4]) for r in rows[1:]) == [("RC-1", "defective"), ("RC-2", "defective"),
                                                                 ("RC-S", "sold")]

    page.goto(f"{live_server}/items/RC-S")
    expect(page.locator(".recall-flag")).to_contain_text("It cannot be shipped")
    expect(page.locator(".timeline")).to_contain_text("In recall #")
