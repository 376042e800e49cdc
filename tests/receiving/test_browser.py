"""The receiving desk in Chromium: drop a file, preview, change the column
mapping, commit, and watch the receipt count by itself."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db

pytestmark = pytest.mark.browser

LIST = "Ident;Modell;Cost\nZX-1;PHONE-1;10.00\nZX-2;PHONE-1;10.00\nZX-3;PHONE-1;10.00\n"


def test_upload_preview_remap_commit_and_live_counts(page, app, make_supplier, make_warehouse, make_product,
                                                     open_desk):
    make_supplier(code="ACME", name="Acme Phones", trusted=True)
    make_warehouse(code="MAIN")
    make_product(sku="PHONE-1")
    open_desk(page, "PO-4711")
    # drag and drop the file onto the drop zone
    page.evaluate(
        """(text) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([text], "acme.csv", {type: "text/csv"}));
            const zone = document.querySelector("[data-dropzone]");
            zone.dispatchEvent(new DragEvent("dragover", {dataTransfer: transfer, bubbles: true, cancelable: true}));
            zone.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true}));
        }""",
        LIST,
    )
    expect(page.locator("[data-file-name]")).to_contain_text("acme.csv")
    page.get_by_role("button", name="Upload and preview").click()
    # no serial header: refused with the columns found, then the receiver maps it
    expect(page.locator("[data-refusal]")).to_contain_text("“Ident”")
    assert page.eval_on_selector("#upload-progress", "p => p.value") == 100  # progress events were handled
    page.select_option("#column_serial", "Ident")
    page.select_option("#column_sku", "Modell")
    page.get_by_role("button", name="Apply columns").click()
    expect(page.locator('[data-count="valid"]')).to_have_text("3")
    page.get_by_role("button", name="Create receipt with 3 serials").click()
    page.wait_for_url("**/receiving/receipts/*")
    expect(page.locator('[data-count="expected"]')).to_have_text("3")

    # a put-away on the floor (another process): the counts follow without a reload
    from portal.items.services import transition
    from portal.models import Bin, SerialItem

    with app.app_context():
        item = db.session.scalars(select(SerialItem).where(SerialItem.serial == "ZX-1")).one()
        dock = db.session.scalars(select(Bin).where(Bin.kind == "dock")).one()
        transition(db.session, item, to_status="in_stock", kind="received", actor=None, to_bin=dock)
        db.session.commit()
        db.session.remove()
    expect(page.locator('[data-count="received"]')).to_have_text("1", timeout=6000)
    expect(page.locator('[data-count="expected"]')).to_have_text("2")

    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Receive all at the dock").click()
    expect(page.locator('[data-count="received"]')).to_have_text("3")
    expect(page.locator("#flash")).to_contain_text("2 items received into the dock bin")
    expect(page.locator("#items .status-in_stock")).to_have_count(3)
    page.get_by_role("button", name="Close receipt").click()
    expect(page.locator("#counts")).to_contain_text("closed")
    expect(page.get_by_role("link", name="Reconciliation (CSV)")).to_be_visible()
