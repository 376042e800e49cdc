"""At handheld width (360 px), in Chromium: an operator opens a transfer,
scans serials onto it as fast as a scanner types (each scan queued and sent
one after another: none lost, none glued), takes none off, dispatches it, then
at the destination scans a bin label and the units into it, closes the
transfer and finds the unit that never arrived marked missing, the transfer
named on its timeline (issue 14 point 5)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from tests.transfers import two_warehouses

pytestmark = pytest.mark.browser

HANDHELD = {"width": 360, "height": 740}
SERIALS = tuple(f"TR-{n:04d}" for n in range(1, 7))


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": HANDHELD}


def _scan(page, code: str) -> None:
    field = page.locator("#transfer-serial")
    expect(field).to_be_focused()
    page.keyboard.type(code, delay=5)
    page.keyboard.press("Enter")


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= HANDHELD["width"]


def test_a_transfer_from_scan_to_close_at_handheld_width(page, app, live_server, make_user, browser_login):
    with app.app_context():
        two_warehouses(db.session, serials=SERIALS)
        db.session.commit()
    browser_login(page, live_server, make_user(role="operator"))
    page.get_by_role("link", name="Transfers").click()
    page.select_option("#t-from", "WH-A")
    page.select_option("#t-to", "WH-B")
    page.fill("#t-reference", "<b>VAN 7</b>")
    page.get_by_role("button", name="Open a transfer").click()
    expect(page.locator("h1")).to_contain_text("Transfer #")
    expect(page.locator(".transfer-reference").first).to_have_text("<b>VAN 7</b>")  # as typed, escaped
    _fits(page)

    for serial in SERIALS[:5]:  # one after another, without waiting for the answers
        _scan(page, serial.lower())
    _scan(page, "NOT-A-UNIT")
    log = page.locator("#transfer-log")
    expect(log.locator('[data-result="accepted"]')).to_have_count(5)
    expect(log.locator('[data-result="refused"]')).to_have_count(1)
    expect(log.locator('[data-result="refused"]')).to_contain_text("NOT-A-UNIT")
    expect(page.locator('[data-count="on_it"]')).to_have_text("5")
    _fits(page)

    page.reload()
    for serial in SERIALS[:5]:
        expect(page.locator(f'tr[data-serial="{serial}"]')).to_have_attribute("data-state", "on_transfer")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Dispatch: every serial on it leaves WH-A").click()
    expect(page.locator(".transfer-status")).to_have_text("dispatched")
    expect(page.locator('[data-count="still_missing"]')).to_have_text("5")

    _scan(page, "BIN:WH-B/B-02")  # a bin label: the next units go there
    expect(page.locator("#transfer-bin")).to_have_value("WH-B/B-02")
    for serial in SERIALS[:4]:
        _scan(page, serial)
    _scan(page, SERIALS[5])  # in WH-A, never on this transfer
    expect(log.locator('[data-result="accepted"]')).to_have_count(4)  # the log starts again with the page
    expect(log.locator('[data-result="refused"]').first).to_contain_text(f"{SERIALS[5]} is not on transfer")
    expect(page.locator('[data-count="received"]')).to_have_text("4")
    expect(page.locator('[data-count="still_missing"]')).to_have_text("1")
    _fits(page)

    page.reload()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Close: units not received become missing").click()
    expect(page.locator(".transfer-status")).to_have_text("closed")
    lost = page.locator(f'tr[data-serial="{SERIALS[4]}"]')
    expect(lost).to_have_attribute("data-state", "missing")
    expect(page.locator(f'tr[data-serial="{SERIALS[0]}"]')).to_contain_text("WH-B/B-02")
    _fits(page)
    lost.get_by_role("link", name=SERIALS[4]).click()
    expect(page.locator(".status")).to_have_text("missing")
    timeline = page.locator(".timeline")
    expect(timeline).to_contain_text("Dispatched on a transfer")
    expect(timeline).to_contain_text("closed without it")
    expect(timeline).to_contain_text("WH-A → WH-B")
