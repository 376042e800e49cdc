"""The condition task on a 360 px handheld, in Chromium: the operator picks a
condition and a note once, focus goes back to the scan field, and every serial
scanned (fast, one after another) gets that condition; undo puts the last back."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Movement, SerialItem
from tests.scanning.stock import wh1_stock
from tests.scanning.test_floor_browser import HANDHELD, console_errors, fits, scanner, small_targets

pytestmark = pytest.mark.browser


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": HANDHELD}


@pytest.fixture
def stock(app):
    with app.app_context():
        _, item = wh1_stock(db.session)
        serials = [item(f"CND{n:03d}", "in_stock") for n in range(5)]
        db.session.commit()
    return serials


def _conditions(app, serials) -> dict[str, str]:
    with app.app_context():
        rows = db.session.execute(select(SerialItem.serial, SerialItem.condition)
                                  .where(SerialItem.serial.in_(serials))).all()
        db.session.remove()
    return dict(rows)


def test_the_condition_chosen_once_goes_to_every_serial_scanned(page, live_server, app, make_user, browser_login,
                                                                stock):
    errors = console_errors(page)
    browser_login(page, live_server, make_user(role="operator"))
    page.goto(f"{live_server}/scan/condition")
    expect(page.locator("#scan-code")).to_be_focused()
    assert fits(page) and small_targets(page) == []
    # a scan before choosing is refused, and nothing changes
    scanner(page, stock[0])
    expect(page.locator("#scan-log .scan-row").first).to_contain_text("Choose the condition")
    page.select_option("#scan-condition", "damaged")
    expect(page.locator("#scan-code")).to_be_focused()
    page.click("#scan-note")
    page.keyboard.type("<b>box crushed</b>")
    page.keyboard.press("Enter")
    expect(page.locator("#scan-code")).to_be_focused()
    for serial in stock:
        scanner(page, serial)
    expect(page.locator("#scan-log .scan-pending")).to_have_count(0, timeout=15_000)
    expect(page.locator("#scan-log .scan-accepted")).to_have_count(len(stock))
    assert _conditions(app, stock) == dict.fromkeys(stock, "damaged")
    with app.app_context():
        notes = db.session.scalars(select(Movement.note).where(Movement.kind == "condition_changed")).all()
        db.session.remove()
    assert notes == ["<b>box crushed</b>"] * len(stock)
    # the same serial again: a warning, nothing recorded
    scanner(page, stock[0])
    expect(page.locator("#scan-log .scan-row").first).to_contain_text("already damaged")
    # undo the last scan that changed something
    page.click("#undo-button")
    expect(page.locator("#scan-log .scan-row").first).to_contain_text("Undone", timeout=10_000)
    expect(page.locator("#scan-code")).to_be_focused()
    assert _conditions(app, stock) == {**dict.fromkeys(stock, "damaged"), stock[-1]: "regular"}
    assert errors == []
