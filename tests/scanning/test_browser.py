"""What an operator does, in Chromium: a handheld scanner typing fast while the
server is slow, and scans made while the network is gone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Movement, SerialItem
from tests.scanning.stock import wh1_stock

pytestmark = pytest.mark.browser

SERIALS = 30


@pytest.fixture
def app_config():
    return {"SCAN_TEST_DELAY_S": 0.08}  # a slow server: scans pile up behind each other


@pytest.fixture
def put_away_floor(app):
    with app.app_context():
        s = db.session
        _, item = wh1_stock(s)
        serials = [item(f"PA{n:04d}", "expected") for n in range(SERIALS)]
        s.commit()
    return serials


def scanner(page, code: str) -> None:
    page.keyboard.type(code, delay=5)
    page.keyboard.press("Enter")


def open_task(page, live_server, make_user, browser_login, task="put-away"):
    user = make_user(role="operator")
    browser_login(page, live_server, user)
    page.goto(f"{live_server}/scan/{task}")
    expect(page.locator("#scan-code")).to_be_focused()
    return user


def received_in_order(app, serials):
    with app.app_context():
        rows = db.session.execute(
            select(SerialItem.serial, Movement.id)
            .join(Movement, Movement.item_id == SerialItem.id)
            .where(Movement.kind == "received", SerialItem.serial.in_(serials))
            .order_by(Movement.id)
        ).all()
        db.session.remove()
    return [serial for serial, _ in rows]


def test_thirty_scans_back_to_back_all_arrive_once_in_order_and_focus_stays(
    page, live_server, app, make_user, browser_login, put_away_floor
):
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    open_task(page, live_server, make_user, browser_login)
    scanner(page, "BIN:WH1/A-01")
    for serial in put_away_floor:
        scanner(page, serial)  # as fast as the page accepts them: no waiting for answers
        assert page.evaluate("document.activeElement.id") == "scan-code"
    expect(page.locator("#scan-log .scan-pending")).to_have_count(0, timeout=20_000)
    expect(page.locator("#scan-log .scan-accepted")).to_have_count(20)  # the last 20, newest on top
    expect(page.locator("#scan-log .scan-row").first).to_contain_text(put_away_floor[-1])
    expect(page.locator("#scan-banner")).to_have_class("banner banner-accepted")
    assert page.evaluate("document.activeElement.id") == "scan-code"
    assert page.locator("#scan-code").input_value() == ""
    assert received_in_order(app, put_away_floor) == put_away_floor

    # a tap elsewhere, then undo: focus comes back to the field; the last scan is reversed
    page.click("h1")
    expect(page.locator("#scan-code")).to_be_focused()
    page.click("#undo-button")
    expect(page.locator("#scan-log .scan-row").first).to_contain_text("Undone")
    expect(page.locator("#scan-code")).to_be_focused()
    with app.app_context():
        status = db.session.scalar(select(SerialItem.status).where(SerialItem.serial == put_away_floor[-1]))
        db.session.remove()
    assert status == "expected"
    assert errors == []  # no CSP violations, no script errors


def test_scans_made_without_network_wait_survive_a_reload_and_arrive_exactly_once(
    page, context, live_server, app, make_user, browser_login, put_away_floor
):
    open_task(page, live_server, make_user, browser_login)
    scanner(page, "BIN:WH1/A-01")
    expect(page.locator("#scan-log .scan-accepted")).to_have_count(1)
    offline = put_away_floor[:5]

    context.set_offline(True)
    for serial in offline:
        scanner(page, serial)
    expect(page.locator("#queue-status")).to_contain_text("5 scans waiting")
    expect(page.locator("#scan-log .scan-waiting")).to_have_count(5)

    # the network comes back, but the portal is still unreachable: then the page is reloaded
    page.route("**/scan/put-away/scans", lambda route: route.abort("internetdisconnected"))
    context.set_offline(False)
    page.reload()
    expect(page.locator("#scan-code")).to_be_focused()
    expect(page.locator("#scan-log .scan-waiting")).to_have_count(5)
    expect(page.locator("#queue-status")).to_contain_text("5 scans waiting")

    page.unroute("**/scan/put-away/scans")  # the portal answers again: the timer replays in order
    expect(page.locator("#scan-log .scan-accepted")).to_have_count(6, timeout=20_000)
    expect(page.locator("#queue-status")).to_be_hidden()
    assert received_in_order(app, put_away_floor) == offline
    assert page.evaluate("document.activeElement.id") == "scan-code"


def test_device_check_shows_what_the_scanner_sends_and_camera_explains_itself(
    page, live_server, make_user, browser_login
):
    user = make_user(role="operator")
    browser_login(page, live_server, user)
    page.goto(f"{live_server}/scan/device-check")
    expect(page.locator("#check-code")).to_be_focused()
    expect(page.locator(".test-code img")).to_have_count(3)
    page.keyboard.type("BIN:WH1/A-01", delay=5)
    page.keyboard.press("Enter")
    row = page.locator("#check-log tr").first
    expect(row).to_contain_text("BIN:WH1/A-01")
    expect(row).to_contain_text("Enter")
    expect(row).to_contain_text("A bin label: WH1/A-01")

    page.goto(f"{live_server}/scan/lookup")
    expect(page.locator("#scan-code")).to_be_focused()
    page.click("#camera-button")  # the polyfill reads codes here; headless Chromium has no camera to open
    expect(page.locator("#scan-banner")).to_contain_text("camera could not be opened")
    expect(page.locator("#scan-code")).to_be_focused()
    assert page.locator("#scan-code").get_attribute("inputmode") == "none"
    page.click("#keyboard-button")
    assert page.locator("#scan-code").get_attribute("inputmode") == "text"
    expect(page.locator("#scan-code")).to_be_focused()
