"""The scan station on a 360 px handheld, in Chromium: a scan the server
refuses does not block the queue, offline scans look different and keep their
device time, shipping asks for the order reference, the banner's colours say
what happened, the pages fit, and the camera's WebAssembly reader loads from
our own static files; a long count keeps "Apply corrections" in view and a bin
look-up lists what is in the bin."""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta

import pytest
import segno
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Movement, SerialItem, utcnow
from portal.scanning.routes import barcode_image
from tests import factories
from tests.scanning.stock import wh1_stock

pytestmark = pytest.mark.browser

HANDHELD = {"width": 360, "height": 740}


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": HANDHELD}


@pytest.fixture
def shop(app):
    """One warehouse, two bins, stock in B-02 and a few expected serials."""
    with app.app_context():
        s = db.session
        wh, item = wh1_stock(s)
        b = factories.bin_(s, warehouse_id=wh.id, code="B-02")
        expected = [item(f"EXP{n:03d}", "expected") for n in range(4)]
        stock = [item(f"STK{n:03d}", "in_stock", bin_id=b.id) for n in range(3)]
        s.commit()
    return {"expected": expected, "stock": stock}


def scanner(page, code: str) -> None:
    page.keyboard.type(code, delay=5)
    page.keyboard.press("Enter")


def open_task(page, live_server, make_user, browser_login, task):
    user = make_user(role="operator")
    browser_login(page, live_server, user)
    page.goto(f"{live_server}/scan/{task}")
    expect(page.locator("#scan-code")).to_be_focused()
    return user


def console_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def banner_colour(page) -> str:
    return page.evaluate("getComputedStyle(document.getElementById('scan-banner')).backgroundColor")


def movement_of(app, serial):
    with app.app_context():
        row = db.session.execute(
            select(Movement.kind, Movement.at).join(SerialItem, Movement.item_id == SerialItem.id)
            .where(SerialItem.serial == serial).order_by(Movement.id.desc()).limit(1)
        ).first()
        db.session.remove()
    return row


def test_a_scan_the_server_refuses_with_400_is_shown_refused_and_the_next_queued_scan_goes_through(
    page, live_server, app, make_user, browser_login, shop
):
    errors = console_errors(page)
    user = open_task(page, live_server, make_user, browser_login, "put-away")
    scanner(page, "BIN:WH1/A-01")
    expect(page.locator("#scan-log .scan-accepted")).to_have_count(1)
    bad, good = shop["expected"][:2]
    # two scans waiting from an earlier visit; the first carries an id the server refuses (400)
    queue = [
        {"id": "not a scan id!", "kind": "scan", "code": bad, "at": "2026-01-01T00:00:00Z"},
        {"id": str(uuid.uuid4()), "kind": "scan", "code": good, "at": utcnow().isoformat() + "Z"},
    ]
    page.evaluate("([key, value]) => localStorage.setItem(key, value)",
                  [f"portal.scanQueue.{user.id}.put-away", json.dumps(queue)])
    with page.expect_response(lambda r: r.url.endswith("/scans") and r.status == 400) as refused:
        page.reload()
    assert refused.value.headers["x-portal-error"] == "bad_scan_request"
    expect(page.locator("#scan-log .scan-refused")).to_contain_text(bad)
    expect(page.locator("#scan-log .scan-refused")).to_contain_text("Not recorded")
    expect(page.locator("#scan-log .scan-accepted").first).to_contain_text(good)
    expect(page.locator("#queue-status")).to_be_hidden()
    assert page.evaluate(f"JSON.parse(localStorage.getItem('portal.scanQueue.{user.id}.put-away'))") == []
    assert movement_of(app, good).kind == "received" and movement_of(app, bad).kind == "listed"  # not received
    assert page.evaluate("document.activeElement.id") == "scan-code"
    assert errors == ["Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"]


def wait_for_offline_copy(page, path):
    for _ in range(100):
        if page.evaluate("async (path) => Boolean(await caches.match(path))", path):
            return
        time.sleep(0.1)
    raise AssertionError(f"the service worker did not keep {path}")


def test_an_offline_scan_has_its_own_look_the_station_reloads_offline_and_the_scan_keeps_its_device_time(
    page, context, live_server, app, make_user, browser_login, shop
):
    open_task(page, live_server, make_user, browser_login, "put-away")
    scanner(page, "BIN:WH1/A-01")
    expect(page.locator("#scan-log .scan-accepted")).to_have_count(1)
    online_colour = banner_colour(page)
    wait_for_offline_copy(page, "/scan/put-away")

    context.set_offline(True)
    made = utcnow()
    serial = shop["expected"][0]
    scanner(page, serial)
    banner = page.locator("#scan-banner")
    expect(banner).to_have_class("banner banner-queued")  # at once, not after a timeout
    expect(banner).to_contain_text("Saved on this device, will send")
    assert banner_colour(page) != online_colour
    expect(page.locator("#scan-log .scan-waiting")).to_have_count(1)
    expect(page.locator("#scan-log .scan-waiting")).to_contain_text(serial)

    reloaded = page.reload()  # still offline: the service worker shows the station
    assert reloaded is not None and reloaded.ok and reloaded.from_service_worker
    expect(page.locator("#scan-code")).to_be_focused()
    expect(page.locator("#scan-log .scan-waiting")).to_contain_text(serial)
    expect(page.locator("#queue-status")).to_contain_text("1 scan waiting")
    time.sleep(1.5)

    back_online = utcnow()
    context.set_offline(False)
    expect(page.locator("#scan-log .scan-row").first).to_have_class("scan-row scan-accepted", timeout=20_000)
    kind, at = movement_of(app, serial)
    assert kind == "received"
    assert made - (back_online - made) <= at < back_online - (back_online - made) / 2, (made, at, back_online)
    expect(page.locator("#queue-status")).to_be_hidden()


def test_ship_asks_for_the_order_reference_and_confirms_a_code_that_does_not_look_like_one(
    page, live_server, app, make_user, browser_login, shop
):
    errors = console_errors(page)
    open_task(page, live_server, make_user, browser_login, "ship")
    expect(page.locator("#scan-banner")).to_contain_text("Scan the order reference")
    confirm = page.locator("#order-confirm")

    scanner(page, "NTK26TYPO99")  # a mistyped serial
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text("Use NTK26TYPO99 as the order reference?")
    expect(page.locator("#scan-banner")).to_have_class("banner banner-info")
    expect(page.locator("[data-context=order_ref]")).to_contain_text("scan the order reference")
    page.click("#order-confirm-no")
    expect(confirm).to_be_hidden()
    expect(page.locator("#scan-code")).to_be_focused()

    scanner(page, "SO-1001")
    expect(page.locator("[data-context=order_ref]")).to_have_text("SO-1001")
    scanner(page, shop["stock"][0])
    expect(page.locator("[data-context=scanned]")).to_have_text("1 in this order")

    scanner(page, "SO-1002")  # the next order, without New order
    expect(confirm).to_contain_text("Start order SO-1002?")
    page.click("#order-confirm-yes")
    expect(page.locator("[data-context=order_ref]")).to_have_text("SO-1002")
    expect(page.locator("#scan-banner")).to_contain_text("Order SO-1002")
    expect(page.locator("#scan-code")).to_be_focused()
    scanner(page, shop["stock"][1])
    expect(page.locator("[data-context=scanned]")).to_have_text("1 in this order")
    with app.app_context():
        orders = dict(db.session.execute(select(SerialItem.serial, SerialItem.order_ref)
                                         .where(SerialItem.serial.in_(shop["stock"]))).all())
        db.session.remove()
    assert orders == {shop["stock"][0]: "SO-1001", shop["stock"][1]: "SO-1002", shop["stock"][2]: None}
    assert errors == []


def test_the_banner_keeps_its_height_and_its_colours_tell_done_with_a_note_from_nothing_recorded(
    page, live_server, make_user, browser_login, shop
):
    errors = console_errors(page)
    open_task(page, live_server, make_user, browser_login, "put-away")
    banner = page.locator("#scan-banner")
    height = banner.bounding_box()["height"]
    colours = {}
    for code, result in [("BIN:WH1/A-01", "accepted"), (shop["stock"][0], "warning"),
                         (shop["stock"][0], "info"), ("NO-SUCH-SERIAL-1", "refused")]:
        scanner(page, code)
        expect(banner).to_have_class(f"banner banner-{result}")
        colours[result] = banner_colour(page)
        assert banner.bounding_box()["height"] == height
    assert len(set(colours.values())) == 4, colours
    # the long refusal is one line in the banner; a tap shows the rest
    details = page.locator("#scan-banner .banner-details")
    expect(details).to_be_hidden()
    banner.click()
    expect(details).to_be_visible()
    expect(details).to_contain_text("supplier list")
    expect(page.locator("#scan-code")).to_be_focused()
    assert errors == []


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def small_targets(page) -> list[str]:
    return page.evaluate("""() => Array.from(document.querySelectorAll('a, button, select, input, summary'))
        .filter((el) => el.offsetParent !== null)
        .map((el) => [el, el.getBoundingClientRect()])
        .filter(([el, box]) => box.height < 44 || box.width < 44)
        .map(([el, box]) => `${el.tagName} ${el.id || el.textContent.trim().slice(0, 20)} `
                            + `${box.width}x${box.height}`)""")


def test_scan_pages_fit_360_px_with_44_px_targets_and_the_defect_reason_above_the_field(
    page, live_server, make_user, browser_login, shop
):
    user = make_user(role="operator")
    browser_login(page, live_server, user)
    page.goto(f"{live_server}/scan/device-check")
    expect(page.locator("#check-code")).to_be_focused()
    scanner(page, "(01)09501101530003(17)281231(10)LOT42(21)SN-GS1-0001")
    expect(page.locator("#check-log tr").first).to_contain_text("SN-GS1-0001")
    assert fits(page), page.evaluate("document.documentElement.scrollWidth")
    for task in ["put-away", "move", "count", "ship", "defect", "return", "lookup"]:
        page.goto(f"{live_server}/scan/{task}")
        expect(page.locator("#scan-code")).to_be_focused()
        assert fits(page), (task, page.evaluate("document.documentElement.scrollWidth"))
        assert small_targets(page) == [], task
    reason = page.goto(f"{live_server}/scan/defect") and page.locator("#defect-reason").bounding_box()
    assert reason["y"] + reason["height"] <= page.locator("#scan-code").bounding_box()["y"]
    page.goto(f"{live_server}/scan/")
    assert fits(page) and small_targets(page) == []


def test_the_camera_reader_loads_its_webassembly_from_our_static_files_and_reads_a_qr_code_and_a_bin_label(
    page, context, live_server, make_user, browser_login
):
    errors = console_errors(page)
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    open_task(page, live_server, make_user, browser_login, "lookup")
    assert page.evaluate("'BarcodeDetector' in window") is False  # this Chromium has no native reader
    qr = segno.make("SN-CAM-0001", micro=False).png_data_uri(scale=6, border=4)
    label = barcode_image("BIN:WH1/A-01")
    read = page.evaluate("""async (images) => {
        const { barcodeDetectorClass } = await import("/static/js/scan/camera.js");
        const station = document.getElementById("scan-station");
        const Detector = await barcodeDetectorClass({
            scriptUrl: station.dataset.barcodePolyfill, wasmUrl: station.dataset.barcodeWasm });
        const detector = new Detector({ formats: ["qr_code", "code_128"] });
        const values = [];
        for (const src of images) {
            const img = new Image();
            img.src = src;
            await img.decode();
            // as a camera frame would be: a few pixels per bar
            const canvas = document.createElement("canvas");
            const scale = Math.max(1, Math.ceil(600 / img.naturalWidth));
            canvas.width = img.naturalWidth * scale;
            canvas.height = img.naturalHeight * scale;
            const ctx = canvas.getContext("2d");
            ctx.fillStyle = "#fff";
            ctx.fillRect(0, 0, canvas.width, canvas.height);
            ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
            values.push((await detector.detect(canvas)).map((code) => code.rawValue));
        }
        return values;
    }""", [qr, label])
    assert read == [["SN-CAM-0001"], ["BIN:WH1/A-01"]]
    assert f"{live_server}/static/vendor/zxing-wasm-3.1.3.reader.wasm" in requests
    assert f"{live_server}/static/vendor/barcode-detector-3.2.2.ponyfill.iife.js" in requests
    assert [url for url in requests if not url.startswith((live_server, "data:"))] == []
    assert errors == []


def test_an_expired_page_asks_for_a_reload_and_keeps_the_scan_until_then(
    page, live_server, app, make_user, browser_login, shop
):
    open_task(page, live_server, make_user, browser_login, "put-away")
    scanner(page, "BIN:WH1/A-01")
    expect(page.locator("#scan-log .scan-accepted")).to_have_count(1)
    page.evaluate("document.querySelector('meta[name=csrf-token]').setAttribute('content', 'expired')")
    serial = shop["expected"][0]
    scanner(page, serial)
    expect(page.locator("#scan-banner")).to_contain_text("This page has expired: reload it")
    expect(page.locator("#scan-log .scan-waiting")).to_contain_text(serial)
    expect(page.locator("#queue-status")).to_contain_text("1 scan waiting")
    assert movement_of(app, serial).kind == "listed"
    page.reload()  # a fresh token: the kept scan goes through
    expect(page.locator("#scan-log .scan-row").first).to_have_class("scan-row scan-accepted", timeout=20_000)
    assert movement_of(app, serial).kind == "received"


def test_a_long_count_keeps_apply_corrections_in_view_and_counts_run_at_360_px(
    page, live_server, app, make_user, browser_login
):
    """Issue 12.5: a count whose lists are long still shows "Apply corrections"
    without scrolling, the header counts the scans, and applying marks the rest missing."""
    with app.app_context():
        s = db.session
        wh, item = wh1_stock(s)
        b = factories.bin_(s, warehouse_id=wh.id, code="C-09")
        counted = [item(f"CNT{n:03d}", "in_stock", bin_id=b.id) for n in range(120)]
        s.commit()
    errors = console_errors(page)
    open_task(page, live_server, make_user, browser_login, "count")
    running = page.locator('[data-context="scanned"]')
    scanner(page, "BIN:WH1/C-09")
    expect(page.locator('[data-context="bin"]')).to_contain_text("C-09")
    for n, serial in enumerate(counted[:3], start=1):
        scanner(page, serial)
        expect(running).to_have_text(f"{n} in this count")
    page.get_by_role("button", name="Finish count").click()
    apply = page.get_by_role("button", name="Apply corrections")
    expect(page.locator('[data-count="missing"]')).to_have_text("117")
    expect(apply).to_be_in_viewport()
    assert fits(page)
    apply.click()
    expect(page.locator("#count-result")).to_contain_text("Count of bin WH1/C-09 applied")
    with app.app_context():
        statuses = {db.session.scalar(select(SerialItem.status).where(SerialItem.serial == serial))
                    for serial in counted[3:]}
        db.session.remove()
    assert statuses == {"missing"}
    assert errors == []


def test_looking_up_a_bin_label_lists_what_is_in_the_bin_at_360_px(page, live_server, make_user, browser_login, shop):
    errors = console_errors(page)
    open_task(page, live_server, make_user, browser_login, "lookup")
    scanner(page, "BIN:WH1/B-02")
    for serial in shop["stock"]:
        expect(page.locator("#scan-log")).to_contain_text(serial)
    assert fits(page)
    assert errors == []


def test_the_fifo_warning_is_one_line_in_the_banner_with_the_rest_on_tap_at_360_px(
    page, live_server, make_user, browser_login, app
):
    """Issue 12.5: shipping a newer unit while an older one of the same product
    is in stock shows one line (which unit, where the older one is) instead of six;
    the first-in-first-out explanation is a tap away."""
    with app.app_context():
        wh, item = wh1_stock(db.session)
        b = factories.bin_(db.session, warehouse_id=wh.id, code="B-02")
        old = item("OLD001", "in_stock", bin_id=b.id, received_at=utcnow() - timedelta(days=90))
        new = item("NEW001", "in_stock", bin_id=b.id, received_at=utcnow() - timedelta(days=2))
        db.session.commit()
    errors = console_errors(page)
    open_task(page, live_server, make_user, browser_login, "ship")
    banner = page.locator("#scan-banner")
    height = banner.bounding_box()["height"]
    scanner(page, "SO-2026-0009")
    expect(banner).to_contain_text("SO-2026-0009")
    scanner(page, new)
    text = page.locator("#scan-banner .banner-text")
    expect(text).to_have_text(f"{new} shipped. Older: {old} in WH1/B-02.")
    expect(banner).to_have_class("banner banner-warning")
    box, line_height, clipped = page.evaluate("""() => { const el = document.querySelector('#scan-banner .banner-text');
        const b = document.getElementById('scan-banner');
        return [el.getBoundingClientRect().height, parseFloat(getComputedStyle(el).lineHeight),
                b.scrollHeight > b.clientHeight]; }""")
    # one sentence (two lines at most at 360 px), not six
    assert box <= line_height * 2.2 and not clipped, (box, line_height)
    assert banner.bounding_box()["height"] == height
    assert fits(page)
    banner.click()
    expect(page.locator("#scan-banner .banner-details")).to_contain_text("first in, first out")
    expect(page.locator("#scan-code")).to_be_focused()
    assert errors == []
