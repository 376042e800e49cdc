"""Shipping an expired unit at the scan station on a 360 px handheld (issue 14.1):
an operator's scan is refused naming the date with no way round it; a manager is
offered "Ship anyway" with a note, which ships the unit and records the note in
the sale, while the scan field keeps working."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Movement, SerialItem, utcnow
from tests.scanning.stock import wh1_stock
from tests.scanning.test_floor_browser import browser_context_args, console_errors, fits, scanner  # noqa: F401

pytestmark = pytest.mark.browser  # browser_context_args: the station's 360 px handheld


@pytest.fixture
def expired(app):
    """An expired unit EXP-OLD-1 and a fresh one FRESH-1 in stock in WH1."""
    with app.app_context():
        s = db.session
        _, item = wh1_stock(s)
        for serial, days in (("EXP-OLD-1", -5), ("FRESH-1", 200)):
            unit = s.scalars(select(SerialItem).where(SerialItem.serial == item(serial, "in_stock"))).one()
            unit.expires_at = (utcnow() + timedelta(days=days)).date()
        s.commit()
        return (utcnow() - timedelta(days=5)).date().isoformat()


def open_ship(page, live_server, make_user, browser_login, role):
    browser_login(page, live_server, make_user(role=role))
    page.goto(f"{live_server}/scan/ship")
    expect(page.locator("#scan-code")).to_be_focused()
    scanner(page, "SO-2026-0042")
    expect(page.locator("#scan-banner")).to_contain_text("SO-2026-0042")


def sale_note(app, serial):
    with app.app_context():
        note = db.session.scalar(select(Movement.note).join(SerialItem, Movement.item_id == SerialItem.id)
                                 .where(SerialItem.serial == serial, Movement.kind == "shipped"))
        db.session.remove()
    return note


def test_an_operator_is_refused_with_the_date_and_offered_no_override(page, live_server, make_user, browser_login,
                                                                      app, expired):
    errors = console_errors(page)
    open_ship(page, live_server, make_user, browser_login, "operator")
    scanner(page, "EXP-OLD-1")
    expect(page.locator("#scan-banner")).to_contain_text(f"expired on {expired}")
    expect(page.locator("#scan-banner")).to_have_class("banner banner-refused")
    assert page.locator("#expiry-override").count() == 0
    expect(page.locator("#scan-code")).to_be_focused()
    assert sale_note(app, "EXP-OLD-1") is None
    assert errors == []


def test_a_manager_ships_an_expired_unit_anyway_with_a_note_at_360_px(page, live_server, make_user, browser_login,
                                                                     app, expired):
    errors = console_errors(page)
    open_ship(page, live_server, make_user, browser_login, "manager")
    panel = page.locator("#expiry-override")
    expect(panel).to_be_hidden()
    scanner(page, "EXP-OLD-1")
    expect(panel).to_be_visible()
    expect(page.locator("#expiry-override-question")).to_have_text(f"EXP-OLD-1 expired on {expired}. Ship it anyway?")
    assert page.evaluate("window.innerWidth") == 360 and fits(page)
    for button in ("#expiry-override-ship", "#expiry-override-cancel"):
        assert page.locator(button).bounding_box()["height"] >= 44
    # without a note nothing is sent
    page.click("#expiry-override-ship")
    expect(panel).to_be_visible()
    expect(page.locator("#expiry-override-note")).to_be_focused()
    page.fill("#expiry-override-note", "customer takes it for parts <b>")
    page.click("#expiry-override-ship")
    expect(panel).to_be_hidden()
    row = page.locator('.scan-row[data-result="accepted"]').first
    expect(row).to_contain_text("shipped by a manager's override")
    expect(page.locator("#scan-code")).to_be_focused()
    assert sale_note(app, "EXP-OLD-1").endswith("manager's override: customer takes it for parts <b>")
    # the next scan goes on as before
    scanner(page, "FRESH-1")
    expect(page.locator('.scan-row[data-result="accepted"]').first).to_contain_text("FRESH-1 shipped")
    assert errors == []


def test_dont_ship_closes_the_offer_and_a_new_scan_closes_it_too(page, live_server, make_user, browser_login,
                                                               app, expired):
    open_ship(page, live_server, make_user, browser_login, "manager")
    panel = page.locator("#expiry-override")
    scanner(page, "EXP-OLD-1")
    expect(panel).to_be_visible()
    page.click("#expiry-override-cancel")
    expect(panel).to_be_hidden()
    expect(page.locator("#scan-code")).to_be_focused()
    scanner(page, "EXP-OLD-1")
    expect(panel).to_be_visible()
    page.locator("#scan-code").focus()
    scanner(page, "FRESH-1")
    expect(panel).to_be_hidden()
    assert sale_note(app, "EXP-OLD-1") is None
