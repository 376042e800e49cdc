"""The floor's fixes (issue 12): device times, the order reference step, a calm
banner (what each answer is shown as), running counts, bin look-up; and the
station's requests as forms (issue 10.5)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.models import Movement, utcnow
from portal.scanning import services
from portal.scanning.models import ScanLog, ScanSession
from portal.scanning.services import scan_time

NOW = datetime(2026, 12, 3, 12, 0, 0)


# --- the device's time, bounded by the server's (pure) ------------------------------


def test_a_device_time_within_bounds_is_the_time_recorded():
    made = scan_time("2026-12-03T11:15:30.250Z", now=NOW)
    assert made.at == datetime(2026, 12, 3, 11, 15, 30, 250000) and made.source == "device" and made.refusal is None


def test_a_device_time_with_an_offset_is_turned_into_utc():
    assert scan_time("2026-12-03T12:15:00+01:00", now=NOW).at == datetime(2026, 12, 3, 11, 15)


@pytest.mark.parametrize("raw, why", [
    ("2026-12-03T12:10:00Z", "10 min ahead"),  # ten minutes in the future
    ("2026-12-01T08:00:00Z", "more than 24 h ago"),  # two days old
    ("yesterday at noon", "unreadable"),
    ("2026-13-45T99:00:00", "unreadable"),
])
def test_a_device_time_out_of_bounds_is_refused_saying_why_and_what_to_do(raw, why):
    made = scan_time(raw, now=NOW)
    assert why in made.refusal and "scan again. Nothing recorded." in made.refusal


def test_a_clock_a_little_ahead_counts_as_now_and_no_time_is_the_server_time():
    assert scan_time("2026-12-03T12:00:30Z", now=NOW) == services.ScanTime(NOW, "device")
    assert scan_time(None, now=NOW) == services.ScanTime(NOW, "server")
    assert scan_time(" ", now=NOW).source == "server"


def test_the_bound_on_old_device_times_is_a_setting():
    assert "more than 1 h ago" in scan_time("2026-12-03T10:00:00Z", now=NOW, max_age_s=3600).refusal
    assert scan_time("2026-12-03T10:00:00Z", now=NOW, max_age_s=3 * 3600) == services.ScanTime(
        datetime(2026, 12, 3, 10), "device")


# --- device time through the service --------------------------------------------------


def test_a_scan_queued_offline_is_recorded_when_it_was_made(floor, scan):
    item = floor.item(status="expected")
    scan("put_away", floor.label(floor.bin_a))
    made = (utcnow() - timedelta(minutes=40)).replace(microsecond=0)
    answer = scan("put_away", item.serial, scanned_at=made.replace(tzinfo=UTC).isoformat())
    assert answer["result"] == "accepted" and answer["time_source"] == "device"
    moved = floor.session.scalars(select(Movement).where(Movement.item_id == item.id)).all()[-1]
    assert moved.at == made and item.received_at == made
    assert floor.session.scalar(select(ScanLog.at).where(ScanLog.client_scan_id == answer["client_scan_id"])) == made


def test_a_device_time_far_off_is_refused_and_nothing_is_recorded(floor, scan):
    """Issue 12, bad input: a scan with a device time far from the server's gets a
    message that says what to do, and nothing is recorded (before: the server's
    time was recorded in its place)."""
    item = floor.item(status="in_stock", bin=floor.bin_b)
    scan("ship", "SO-1")
    movements = floor.session.scalar(select(func.count()).select_from(Movement).where(Movement.item_id == item.id))
    for far_off in ("2020-01-01T00:00:00Z", (utcnow() + timedelta(hours=3)).isoformat() + "Z"):
        answer = scan("ship", item.serial, scanned_at=far_off)
        assert answer["result"] == "refused" and answer["recorded"] is False
        assert "date and time" in answer["message"] and "Nothing recorded." in answer["message"]
    floor.session.expire_all()
    assert item.status == "in_stock" and item.sold_at is None and item.order_ref is None
    assert floor.session.scalar(
        select(func.count()).select_from(Movement).where(Movement.item_id == item.id)) == movements


# --- ship: the order reference is its own step -----------------------------------------


def order_of(floor, scan, task="ship"):
    key = scan.keys[task]
    return floor.session.scalar(select(ScanSession.order_ref).where(ScanSession.key == key))


def test_an_order_reference_in_the_usual_format_opens_the_order(floor, scan):
    for ref in ("SO-2026-0042", "ord_77", "PO 4711"):
        answer = scan("ship", ref, key=uuid.uuid4().hex)
        assert answer["result"] == "accepted" and answer["context"]["order_ref"] == ref, answer


def test_an_unknown_first_code_asks_before_it_becomes_the_order(floor, scan):
    answer = scan("ship", "NTK26TYPO99")
    assert answer["result"] == "refused" and answer["feedback"] == "info" and answer["recorded"] is False
    assert answer["confirm"] == {"order_ref": "NTK26TYPO99", "question": "Use NTK26TYPO99 as the order reference?"}
    assert order_of(floor, scan) is None
    yes = scan("ship", "NTK26TYPO99", confirm_order=True)
    assert yes["result"] == "accepted" and yes["context"]["order_ref"] == "NTK26TYPO99"


def test_a_serial_is_never_taken_for_an_order_reference_even_when_confirmed(floor, scan):
    item = floor.item(serial="SO-LOOKALIKE-1")
    for confirmed in (False, True):
        answer = scan("ship", item.serial, confirm_order=confirmed)
        assert answer["result"] == "refused" and "is a serial" in answer["message"]
    assert order_of(floor, scan) is None


def test_another_order_reference_while_an_order_is_open_offers_to_start_it(floor, scan):
    item = floor.item(status="in_stock")
    scan("ship", "SO-100")
    assert scan("ship", item.serial)["result"] == "accepted"
    offer = scan("ship", "SO-101")
    assert offer["result"] == "refused" and offer["feedback"] == "info"
    assert offer["confirm"]["order_ref"] == "SO-101" and "Start order SO-101" in offer["confirm"]["question"]
    assert "Unknown serial" not in offer["message"]
    assert order_of(floor, scan) == "SO-100"
    started = scan("ship", "SO-101", confirm_order=True)
    assert started["result"] == "accepted" and "Order SO-100 closed" in started["message"]
    assert order_of(floor, scan) == "SO-101" and started["context"]["scanned"] == "0 in this order"


def test_the_order_reference_format_is_a_setting(floor, scan):
    settings = services.ScanSettings(order_ref_pattern=r"^\d{6}$")
    assert scan("ship", "123456", settings=settings)["result"] == "accepted"
    assert "confirm" in scan("ship", "SO-1", key=uuid.uuid4().hex, settings=settings)


# --- what each answer is shown as; running counts; bin look-up -------------------------


def test_nothing_recorded_is_info_and_done_with_a_note_is_a_warning(floor, scan):
    in_stock = floor.item(status="in_stock", bin=floor.bin_b)
    scan("put_away", floor.label(floor.bin_a))
    moved = scan("put_away", in_stock.serial)  # done: moved, with a note
    assert moved["result"] == "warning" and moved["feedback"] == "warning" and moved["recorded"] is True
    again = scan("put_away", in_stock.serial)  # nothing recorded
    assert again["result"] == "warning" and again["feedback"] == "info" and again["recorded"] is False
    unknown = scan("put_away", "NOPE-1")
    assert unknown["feedback"] == "refused" and unknown["recorded"] is False


def test_the_fifo_warning_has_a_one_line_headline(floor, scan):
    old = floor.item(status="in_stock", bin=floor.bin_b, received_at=utcnow() - timedelta(days=90))
    new = floor.item(status="in_stock", received_at=utcnow() - timedelta(days=2))
    scan("ship", "SO-9")
    answer = scan("ship", new.serial)
    assert answer["result"] == "warning"
    assert answer["headline"] == f"{new.serial} shipped. Older: {old.serial} in {floor.warehouse.code}/B-02."
    assert "first in, first out" in answer["message"]


def test_running_counts_for_put_away_ship_and_count(floor, scan):
    expected = [floor.item(status="expected") for _ in range(3)]
    assert scan("put_away", floor.label(floor.bin_a))["context"]["scanned"] == "0 in this bin"
    counts = [scan("put_away", item.serial)["context"]["scanned"] for item in expected]
    assert counts == ["1 in this bin", "2 in this bin", "3 in this bin"]
    assert scan("put_away", expected[0].serial)["context"]["scanned"] == "3 in this bin"  # already scanned
    assert scan("put_away", "NOPE-2")["context"]["scanned"] == "3 in this bin"
    assert scan("put_away", floor.label(floor.bin_b))["context"]["scanned"] == "0 in this bin"

    scan("ship", "SO-5")
    shipped = [scan("ship", item.serial)["context"]["scanned"] for item in expected[:2]]
    assert shipped == ["1 in this order", "2 in this order"]

    scan("count", floor.label(floor.bin_a))
    assert scan("count", expected[2].serial)["context"]["scanned"] == "1 in this count"


def test_a_bin_label_in_look_up_lists_what_is_in_the_bin(floor, scan):
    items = [floor.item(status="in_stock", bin=floor.bin_b) for _ in range(services.BIN_LOOKUP_LIMIT + 3)]
    answer = scan("lookup", floor.label(floor.bin_b))
    listed = answer["bin_items"]
    assert listed["total"] == len(items) and len(listed["shown"]) == services.BIN_LOOKUP_LIMIT
    assert listed["shown"][0]["serial"] == min(items, key=lambda i: i.serial_key).serial
    assert f"{len(items)} item(s)" in answer["message"] and "first 20 listed" in answer["message"]


# --- the station's requests as forms (through the test client) --------------------------


@pytest.fixture
def station(client_as, make_warehouse, make_bin):
    wh = make_warehouse(code="WH1")
    make_bin(warehouse_id=wh.id, code="A-01")
    return client_as("operator")


def post(client, path, **data):
    return client.post(path, data=data, headers={"HX-Request": "true"})


def test_a_malformed_scan_is_refused_with_400_and_its_error_code(station):
    session = uuid.uuid4().hex
    bad_id = post(station, "/scan/put-away/scans", client_scan_id="x!", code="BIN:WH1/A-01", session=session)
    too_long = post(station, "/scan/put-away/scans", client_scan_id=uuid.uuid4().hex, code="A" * 201, session=session)
    no_session = post(station, "/scan/put-away/scans", client_scan_id=uuid.uuid4().hex, code="A")
    for response in (bad_id, too_long, no_session):
        assert response.status_code == 400
        assert response.headers["X-Portal-Error"] == "bad_scan_request"
        assert "HX-Trigger" not in response.headers
    assert "client_scan_id" in bad_id.get_data(as_text=True) and "code" in too_long.get_data(as_text=True)
    # a well-formed scan with an unreadable device time is an answer (refused, saying what to do), not a 400
    odd_time = post(station, "/scan/put-away/scans", client_scan_id=uuid.uuid4().hex, code="BIN:WH1/A-01",
                    session=session, scanned_at="not a time")
    answer = json.loads(odd_time.headers["HX-Trigger"])["scan:result"]
    assert odd_time.status_code == 200 and answer["result"] == "refused" and "reload the scan page" in answer["message"]


def test_a_csrf_failure_names_itself_in_the_header(station):
    response = station.post("/scan/put-away/scans", data={"client_scan_id": uuid.uuid4().hex, "code": "A",
                                                          "session": uuid.uuid4().hex},
                            headers={"HX-Request": "true"}, csrf=False)
    assert response.status_code == 400 and response.headers["X-Portal-Error"] == "csrf_failed"


def test_apply_without_a_count_id_and_new_order_without_a_session_are_refused(station):
    assert post(station, "/scan/count/apply", session=uuid.uuid4().hex).headers["X-Portal-Error"] == "no_count"
    response = post(station, "/scan/ship/new-order", client_scan_id=uuid.uuid4().hex)
    assert response.status_code == 400 and response.headers["X-Portal-Error"] == "bad_scan_request"


def test_the_service_worker_is_served_for_the_scan_pages_and_the_csp_allows_webassembly(station):
    with station.get("/scan/sw.js") as response:
        assert response.status_code == 200 and response.mimetype == "text/javascript"
        assert response.headers["Service-Worker-Allowed"] == "/scan/"
        assert "no-cache" in response.headers["Cache-Control"]
        assert "caches.open" in response.get_data(as_text=True)
    csp = station.get("/scan/ship").headers["Content-Security-Policy"]
    assert "script-src 'self' 'wasm-unsafe-eval';" in csp and "unsafe-inline" not in csp and "'unsafe-eval'" not in csp


def test_the_ship_page_prompts_for_the_order_reference_and_has_its_confirmation(station):
    page = station.get("/scan/ship").get_data(as_text=True)
    assert "Scan the order reference." in page
    assert 'id="order-confirm"' in page and ">Yes<" in page and ">Scan again<" in page


def test_the_defect_reasons_come_before_the_scan_field(station):
    page = station.get("/scan/defect").get_data(as_text=True)
    assert page.index('id="defect-reason"') < page.index('id="scan-code"')


def test_the_camera_polyfill_and_its_wasm_are_our_own_static_files(station):
    page = station.get("/scan/lookup").get_data(as_text=True)
    script = page.split('data-barcode-polyfill="')[1].split('"')[0]
    wasm = page.split('data-barcode-wasm="')[1].split('"')[0]
    assert script == "/static/vendor/barcode-detector-3.2.2.ponyfill.iife.js"
    assert wasm == "/static/vendor/zxing-wasm-3.1.3.reader.wasm"
    with station.get(wasm) as response:
        assert response.status_code == 200 and response.mimetype == "application/wasm"


def test_the_header_shows_the_running_count_again_after_a_reload(floor, scan):
    items = [floor.item(status="expected") for _ in range(2)]
    scan("put_away", floor.label(floor.bin_a))
    for item in items:
        scan("put_away", item.serial)
    context = services.session_context(floor.session, actor=floor.user, session_key=scan.keys["put_away"],
                                       task="put_away")
    assert context["bin"] == f"{floor.warehouse.code}/A-01" and context["scanned"] == "2 in this bin"
