"""The scan station's customer return and defect flows on a 360 px handheld, in
Chromium (issue 13 points 2, 4 and 5): a return in warranty back into stock and
one out of warranty exchanged, each read in large type with its days; a return
taken with no network (the warranty not checked, the outcome queued); and a
defect flagged at the station, put on a return to the supplier and shipped, with
its whole story on the item page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.items import ledger
from portal.models import Bin, DefectReport, SerialItem, Supplier, utcnow
from portal.supplier_returns import services as supplier_returns
from portal.warranty import add_months
from tests import factories
from tests.scanning.stock import wh1_stock
from tests.scanning.test_floor_browser import HANDHELD, console_errors, fits, open_task, scanner, small_targets

pytestmark = pytest.mark.browser


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": HANDHELD}


@pytest.fixture
def counter(app):
    """WH1 (shelf A-01, B-02): RET-IN sold 10 days ago on SO-1, RET-OUT sold 400 days ago on SO-2
    (12 months' warranty), STK-1 and STK-2 in stock. Returns the days left and over."""
    with app.app_context():
        s = db.session
        wh, item = wh1_stock(s, sku="SKU-RET", warranty_months=12)
        shelf = factories.bin_(s, warehouse_id=wh.id, code="B-02").id
        sold = {}
        for serial, order, days in (("RET-IN", "SO-1", 10), ("RET-OUT", "SO-2", 400)):
            row = s.scalars(select(SerialItem).where(
                SerialItem.serial == item(serial, "in_stock", bin_id=shelf))).one()
            ledger.transition(s, row, to_status="sold", kind="shipped", actor=None, note=f"order {order}")
            row.order_ref, row.sold_at = order, utcnow() - timedelta(days=days)
            row.warranty_ends_on = add_months(row.sold_at.date(), 12)
            sold[serial] = row.warranty_ends_on
        item("STK-1", "in_stock", bin_id=shelf)
        item("STK-2", "in_stock", bin_id=shelf)
        s.commit()
    today = utcnow().date()
    return {"left": (sold["RET-IN"] - today).days, "over": (today - sold["RET-OUT"]).days,
            "ends": sold["RET-OUT"]}


def item_row(app, serial):
    with app.app_context():
        row = db.session.execute(
            select(SerialItem.status, SerialItem.condition, SerialItem.order_ref, SerialItem.warranty_ends_on,
                   Bin.code).outerjoin(Bin, SerialItem.bin_id == Bin.id).where(SerialItem.serial == serial)
        ).one()
        db.session.remove()
    return row


def focused(page):
    expect(page.locator("#scan-code")).to_be_focused()


def test_a_return_in_warranty_goes_back_into_stock_damaged(page, app, live_server, make_user, browser_login, counter):
    errors = console_errors(page)
    open_task(page, live_server, make_user, browser_login, "return")
    page.click("#return-order-ref")
    page.keyboard.type("SO-1", delay=5)
    page.keyboard.press("Enter")  # the order reference typed: back to the scan field
    focused(page)
    scanner(page, "ret-in")
    verdict = page.locator(".warranty-verdict")
    expect(verdict).to_have_text("In warranty")
    expect(page.locator(".warranty-days")).to_have_text(f"{counter['left']} days left")
    assert page.evaluate("parseFloat(getComputedStyle(document.querySelector('.warranty-verdict')).fontSize)") >= 32
    facts = page.locator(".return-facts")
    for fact in ("RET-IN", "SKU-RET", "SO-1", add_months((utcnow() - timedelta(days=10)).date(), 12).isoformat()):
        expect(facts).to_contain_text(fact)
    expect(page.locator("#scan-banner")).to_have_class("banner banner-accepted")
    page.get_by_role("button", name="Back in stock").click()
    focused(page)
    page.get_by_role("button", name="Damaged").click()
    expect(page.get_by_role("button", name="Damaged")).to_have_attribute("aria-pressed", "true")
    focused(page)
    expect(page.locator("#scan-step")).to_contain_text("scan the label of the bin")
    assert fits(page) and small_targets(page) == []
    scanner(page, "BIN:WH1/B-02")
    expect(page.locator("#scan-log .scan-row").first).to_have_class("scan-row scan-accepted")
    expect(page.locator("#return-status")).to_contain_text("Done: RET-IN back in stock in WH1/B-02 as damaged")
    expect(page.locator("#return-outcome")).to_be_hidden()  # ready for the next customer
    focused(page)
    status, condition, order_ref, _, bin_code = item_row(app, "RET-IN")
    assert (status, condition, order_ref, bin_code) == ("in_stock", "damaged", "SO-1", "B-02")
    assert errors == []


def test_a_return_out_of_warranty_is_refused_under_another_order_then_exchanged(
    page, app, live_server, make_user, browser_login, counter
):
    errors = console_errors(page)
    open_task(page, live_server, make_user, browser_login, "return")
    page.fill("#return-order-ref", "SO-1")
    page.click("#scan-code")
    focused(page)
    scanner(page, "RET-OUT")
    expect(page.locator(".return-refused")).to_contain_text("sold under order SO-2, not SO-1")
    expect(page.locator("#scan-banner")).to_have_class("banner banner-refused")
    expect(page.locator("#return-outcome")).to_be_hidden()

    page.fill("#return-order-ref", "")
    page.click("#scan-code")
    focused(page)
    scanner(page, "RET-OUT")
    expect(page.locator(".warranty-verdict")).to_have_text("Out of warranty")
    expect(page.locator(".warranty-days")).to_have_text(f"{counter['over']} days over")
    expect(page.locator("#scan-banner")).to_have_class("banner banner-warning")
    page.get_by_role("button", name="Exchange").click()
    focused(page)
    page.select_option("#return-reason", "dead_on_arrival")
    focused(page)
    assert fits(page) and small_targets(page) == []
    scanner(page, "STK-1")
    expect(page.locator("#return-status")).to_contain_text("Give the customer STK-1")
    expect(page.locator("#scan-banner")).to_have_class("banner banner-accepted")
    original, replacement = item_row(app, "RET-OUT"), item_row(app, "STK-1")
    assert (original.status, original.code) == ("defective", "QUARANTINE")
    assert (replacement.status, replacement.order_ref, replacement.warranty_ends_on) == ("sold", "SO-2",
                                                                                         counter["ends"])
    with app.app_context():
        report = db.session.scalars(select(DefectReport)).one()
        assert (report.reason_code, report.stage_found) == ("dead_on_arrival", "customer_return")
        db.session.remove()
    assert errors == []


def test_a_refused_outcome_gives_the_choice_back(page, app, live_server, make_user, browser_login, counter):
    open_task(page, live_server, make_user, browser_login, "return")
    scanner(page, "RET-IN")
    expect(page.locator(".warranty-verdict")).to_have_text("In warranty")
    page.get_by_role("button", name="Back in stock").click()
    focused(page)
    scanner(page, "BIN:WH1/QUARANTINE")
    expect(page.locator("#return-status")).to_contain_text("Not recorded")
    expect(page.locator("#return-status")).to_contain_text("not a storage bin")
    expect(page.get_by_role("button", name="Back in stock")).to_have_attribute("aria-pressed", "true")
    scanner(page, "BIN:WH1/A-01")
    expect(page.locator("#return-status")).to_contain_text("Done: RET-IN back in stock in WH1/A-01")
    assert item_row(app, "RET-IN").status == "in_stock"


def test_without_network_the_warranty_is_not_checked_and_the_outcome_waits_in_the_queue(
    page, context, app, live_server, make_user, browser_login, counter
):
    open_task(page, live_server, make_user, browser_login, "return")
    context.set_offline(True)
    scanner(page, "RET-OUT")
    card = page.locator(".return-unchecked")
    expect(card).to_contain_text("Warranty not checked")
    expect(card).to_contain_text("No network")
    expect(page.locator("#scan-banner")).to_have_class("banner banner-queued")
    page.get_by_role("button", name="Defective").click()
    page.get_by_role("button", name="Record: defective, to quarantine").click()
    focused(page)
    expect(page.locator("#return-status")).to_contain_text("Saved on this device")
    expect(page.locator("#queue-status")).to_contain_text("1 scan waiting")
    assert item_row(app, "RET-OUT").status == "sold"
    context.set_offline(False)
    expect(page.locator("#scan-log .scan-row").first).to_have_class("scan-row scan-accepted", timeout=20_000)
    assert item_row(app, "RET-OUT").status == "defective"
    expect(page.locator("#queue-status")).to_be_hidden()


def test_a_defect_flagged_at_the_station_goes_back_to_the_supplier_and_the_item_page_tells_it_all(
    page, app, live_server, make_user, browser_login
):
    with app.app_context():
        s = db.session
        wh, item = wh1_stock(s, sku="SKU-DEF")
        shelf = s.scalar(select(Bin.id).where(Bin.warehouse_id == wh.id, Bin.code == "A-01"))
        serial = item("DEF-0001", "in_stock", bin_id=shelf)
        supplier = s.scalar(select(SerialItem.supplier_id).where(SerialItem.serial == serial))
        s.commit()
    errors = console_errors(page)
    operator = open_task(page, live_server, make_user, browser_login, "defect")
    page.select_option("#defect-reason", "cosmetic")
    focused(page)
    scanner(page, serial)
    expect(page.locator("#scan-log .scan-row").first).to_have_class("scan-row scan-accepted")
    expect(page.locator("#scan-banner")).to_contain_text("take it to WH1/QUARANTINE")

    receiver = make_user(role="receiver")
    with app.app_context():  # a receiver puts it on a return and ships it (the return pages have their own test)
        s = db.session
        code = s.get(Supplier, supplier).code
        opened = supplier_returns.open_return(s, supplier=code, warehouse="WH1", rma_number="RMA-88", actor=receiver)
        supplier_returns.add_item(s, return_id=opened.id, serial=serial, actor=receiver)
        supplier_returns.ship(s, return_id=opened.id, actor=receiver)
        s.commit()
        db.session.remove()

    page.goto(f"{live_server}/items/{serial}")
    expect(page.locator(".status")).to_have_text("returned to supplier")
    timeline = page.locator(".timeline")
    expect(timeline).to_contain_text(re.compile(r"defect", re.I))
    expect(timeline).to_contain_text(re.compile(r"cosmetic", re.I))
    expect(timeline).to_contain_text(f"by {operator.username}")
    expect(timeline).to_contain_text("QUARANTINE")
    expect(timeline).to_contain_text("RMA-88")
    expect(timeline).to_contain_text(re.compile(r"returned to supplier", re.I))
    assert fits(page)
    assert errors == []
