"""Scan services against the database: every answer an operator can get."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from portal.models import DefectReport, ItemStatus, Movement, SerialItem, utcnow
from portal.scanning import services
from portal.scanning.models import ScanLog
from tests import factories


def movements(session, item):
    return session.scalars(select(Movement).where(Movement.item_id == item.id).order_by(Movement.id)).all()


# --- put away ---------------------------------------------------------------------------


def test_put_away_receives_an_expected_item_into_the_sticky_bin(floor, scan):
    first = floor.item(status="expected")
    second = floor.item(status="expected")
    answer = scan("put_away", floor.label(floor.bin_a))
    assert answer["result"] == "accepted" and answer["kind"] == "bin"
    assert answer["context"]["bin"] == f"{floor.warehouse.code}/A-01"
    for item in (first, second):  # the bin stays the target until another bin is scanned
        answer = scan("put_away", item.serial.lower())
        assert answer["result"] == "accepted", answer["message"]
        assert "receipt PO-4711" in answer["message"]
        floor.session.refresh(item)
        assert item.status == ItemStatus.IN_STOCK and item.bin_id == floor.bin_a.id
        assert item.received_at is not None
        last = movements(floor.session, item)[-1]
        assert (last.kind, last.from_status, last.to_bin_id) == ("received", "expected", floor.bin_a.id)
        assert last.client_scan_id == answer["client_scan_id"]
    scan("put_away", floor.label(floor.bin_b))
    third = floor.item(status="expected")
    assert scan("put_away", third.serial)["item"]["bin"].endswith("/B-02")


def test_put_away_of_an_item_in_stock_moves_it_with_a_warning(floor, scan):
    item = floor.item(status="in_stock", bin=floor.bin_b)
    scan("put_away", floor.label(floor.bin_a))
    answer = scan("put_away", item.serial)
    assert answer["result"] == "warning"
    assert "already in stock in" in answer["message"] and "B-02" in answer["message"]
    floor.session.refresh(item)
    assert item.bin_id == floor.bin_a.id
    assert movements(floor.session, item)[-1].kind == "moved"


def test_put_away_refusals_say_why_and_what_to_do(floor, scan):
    sold = floor.item(status="sold")
    sold.order_ref = "SO-1"
    returned = floor.item(status="returned_to_supplier")
    defective = floor.item(status="defective")
    scan("put_away", floor.label(floor.bin_a))
    cases = {
        "NO-SUCH-SERIAL": (
            "Unknown serial NO-SUCH-SERIAL: it is on no supplier list. Put it aside and tell the receiving desk."
        ),
        sold.serial: f"{sold.serial} was sold (order SO-1): it cannot be put away. Give it to a supervisor.",
        returned.serial: (
            f"{returned.serial} was returned to the supplier: it cannot be put away. Give it to a supervisor."
        ),
        defective.serial: f"{defective.serial} is flagged defective: it cannot be put away. Take it to quarantine.",
    }
    before = floor.session.scalar(select(func.count()).select_from(Movement))
    for code, message in cases.items():
        answer = scan("put_away", code)
        assert answer["result"] == "refused"
        assert answer["message"] == message
    assert floor.session.scalar(select(func.count()).select_from(Movement)) == before


def test_put_away_needs_a_bin_first(floor, scan):
    item = floor.item(status="expected")
    answer = scan("put_away", item.serial)
    assert answer["result"] == "refused"
    assert answer["message"] == "Scan a bin label first: serials go into the last bin scanned."


def test_unknown_and_ambiguous_bin_labels_are_refused(floor, scan):
    assert scan("put_away", "BIN:NOPE/X-1")["message"].startswith("No bin NOPE/X-1.")
    other = factories.warehouse(floor.session, code="WH-OTHER")
    factories.bin_(floor.session, warehouse_id=other.id, code="A-01")
    answer = scan("put_away", "BIN:A-01")
    assert answer["result"] == "refused" and "several warehouses" in answer["message"]
    answer = scan("put_away", "BIN:B-02")  # unique code: no warehouse needed
    assert answer["result"] == "accepted"


def test_the_same_serial_twice_in_a_session_is_already_scanned(floor, scan):
    item = floor.item(status="expected")
    scan("put_away", floor.label(floor.bin_a))
    assert scan("put_away", item.serial)["result"] == "accepted"
    before = len(movements(floor.session, item))
    answer = scan("put_away", item.serial)
    assert answer["result"] == "warning"
    assert "already scanned" in answer["message"]
    assert len(movements(floor.session, item)) == before


def test_malformed_scans_are_refused_not_lost(floor, scan):
    scan("put_away", floor.label(floor.bin_a))
    assert scan("put_away", "")["message"] == "Nothing was scanned."
    assert "control characters" in scan("put_away", "AB\x07C")["message"]
    logged = floor.session.scalar(select(func.count()).select_from(ScanLog).where(ScanLog.result == "refused"))
    assert logged == 2


# --- move ---------------------------------------------------------------------------------


def test_move_between_bins_and_its_refusals(floor, scan):
    item = floor.item(status="in_stock", bin=floor.bin_a)
    expected = floor.item(status="expected")
    scan("move", floor.label(floor.bin_b))
    answer = scan("move", item.serial)
    assert answer["result"] == "accepted" and "moved from" in answer["message"]
    floor.session.refresh(item)
    assert item.bin_id == floor.bin_b.id
    assert scan("move", expected.serial)["message"] == (
        f"{expected.serial} has not been received yet: use Put away to receive it."
    )
    scan("move", floor.label(floor.bin_a))
    assert scan("move", item.serial)["result"] == "accepted"  # another bin: a new move
    floor.session.refresh(item)
    assert item.bin_id == floor.bin_a.id


def test_a_missing_item_scanned_into_a_bin_is_found(floor, scan):
    item = floor.item(status="missing")
    scan("move", floor.label(floor.bin_a))
    answer = scan("move", item.serial)
    assert answer["result"] == "warning" and "found" in answer["message"]
    assert movements(floor.session, item)[-1].kind == "found"


# --- ship ---------------------------------------------------------------------------------


def test_ship_sells_with_order_date_and_warranty(floor, scan):
    item = floor.item(status="in_stock")
    assert scan("ship", item.serial)["result"] == "refused"  # a serial as the order: no
    assert scan("ship", "SO-2026-17")["context"]["order_ref"] == "SO-2026-17"
    answer = scan("ship", item.serial)
    assert answer["result"] == "accepted", answer["message"]
    floor.session.refresh(item)
    assert item.status == "sold" and item.order_ref == "SO-2026-17" and item.bin_id is None
    assert item.sold_at.date() == utcnow().date()
    assert item.warranty_ends_on == services.add_months(utcnow().date(), 12)
    assert movements(floor.session, item)[-1].kind == "shipped"


def test_ship_warns_about_an_older_unit_and_can_refuse(floor, scan):
    old = floor.item(status="in_stock", bin=floor.bin_b, received_at=utcnow() - timedelta(days=90))
    new = floor.item(status="in_stock", received_at=utcnow() - timedelta(days=2))
    newer = floor.item(status="in_stock", received_at=utcnow() - timedelta(days=1))
    scan("ship", "SO-1")
    answer = scan("ship", new.serial)
    assert answer["result"] == "warning"
    assert f"{old.serial} in {floor.warehouse.code}/B-02" in answer["message"]
    assert "first in, first out" in answer["message"]
    enforced = services.ScanSettings(fifo_enforced=True)
    answer = scan("ship", newer.serial, settings=enforced)
    assert answer["result"] == "refused" and answer["message"].startswith("Not shipped.")
    floor.session.refresh(newer)
    assert newer.status == "in_stock"
    assert scan("ship", old.serial, settings=enforced)["result"] == "accepted"


def test_ship_refusals(floor, scan):
    expected = floor.item(status="expected")
    defective = floor.item(status="defective")
    missing = floor.item(status="missing")
    sold = floor.item(status="sold")
    scan("ship", "SO-9")
    assert scan("ship", expected.serial)["message"] == (
        f"{expected.serial} has not been received yet: it cannot be shipped."
    )
    assert "flagged defective" in scan("ship", defective.serial)["message"]
    assert "marked missing" in scan("ship", missing.serial)["message"]
    assert "was sold" in scan("ship", sold.serial)["message"]


def test_add_months_keeps_the_day_or_takes_the_months_last():
    assert services.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert services.add_months(date(2026, 11, 29), 24) == date(2028, 11, 29)
    assert services.add_months(date(2026, 5, 1), 0) == date(2026, 5, 1)


# --- defect, lookup -----------------------------------------------------------------------


def test_defect_goes_to_quarantine_with_a_report(floor, scan):
    item = floor.item(status="in_stock")
    answer = scan("defect", item.serial, defect_reason="cosmetic")
    assert answer["result"] == "accepted" and "QUARANTINE" in answer["message"]
    floor.session.refresh(item)
    assert item.status == "defective"
    report = floor.session.scalars(select(DefectReport).where(DefectReport.item_id == item.id)).one()
    assert (report.reason_code, report.stage_found) == ("cosmetic", "storage")
    assert scan("defect", item.serial, key="other-session-1")["result"] == "warning"  # already defective
    assert "bin label" in scan("defect", floor.label(floor.bin_a))["message"]


def test_undoing_a_defect_scan_withdraws_its_report(floor, scan):
    """A defect flagged by mistake and undone is not a defect: the defects-by-supplier
    report must not count it. The ledger keeps the defect and its reversal."""
    item = floor.item(status="in_stock", bin=floor.bin_a)
    earlier = factories.item(floor.session, status="defective")
    floor.session.add(DefectReport(item_id=earlier.id, reason_code="dead_on_arrival", stage_found="receiving"))
    answer = scan("defect", item.serial, defect_reason="cosmetic")
    assert floor.session.scalar(select(func.count()).select_from(DefectReport)) == 2
    undo = services.undo_scan(floor.session, actor=floor.user, client_scan_id="undo-defect-1",
                              target_scan_id=answer["client_scan_id"], page_task="defect")
    floor.session.flush()
    assert undo["result"] == "accepted", undo["message"]
    floor.session.refresh(item)
    assert item.status == "in_stock" and item.bin_id == floor.bin_a.id
    reports = floor.session.scalars(select(DefectReport).order_by(DefectReport.id)).all()
    # nothing the ledger refers to is deleted: the undone scan's report stays, marked undone
    assert [(r.item_id, r.undone_at is None) for r in reports] == [(earlier.id, True), (item.id, False)]
    assert reports[1].undone_by_id == floor.user.id
    assert [m.kind for m in movements(floor.session, item)][-2:] == ["defect", "reversed"]


def test_lookup_answers_without_recording_a_movement(floor, scan):
    item = floor.item(status="in_stock")
    before = len(movements(floor.session, item))
    answer = scan("lookup", item.serial)
    assert answer["result"] == "accepted"
    assert answer["item"]["status"] == "in_stock" and answer["item"]["bin"].endswith("/A-01")
    assert scan("lookup", item.serial)["result"] == "accepted"  # looking twice is fine
    assert len(movements(floor.session, item)) == before
    assert "1 item(s)" in scan("lookup", floor.label(floor.bin_a))["message"]


# --- undo ---------------------------------------------------------------------------------


def test_undo_writes_a_reversing_movement(floor, scan):
    item = floor.item(status="expected")
    scan("put_away", floor.label(floor.bin_a))
    answer = scan("put_away", item.serial)
    undo = services.undo_scan(floor.session, actor=floor.user, client_scan_id="undo-0001",
                              target_scan_id=answer["client_scan_id"], page_task="put_away")
    floor.session.flush()
    assert undo["result"] == "accepted"
    floor.session.refresh(item)
    assert item.status == "expected" and item.bin_id is None and item.received_at is None
    kinds = [m.kind for m in movements(floor.session, item)]
    assert kinds[-2:] == ["received", "reversed"]
    again = services.undo_scan(floor.session, actor=floor.user, client_scan_id="undo-0002",
                               target_scan_id=answer["client_scan_id"])
    assert again["result"] == "refused" and "already undone" in again["message"]
    # undone scans no longer count as "already scanned"
    assert scan("put_away", item.serial)["result"] == "accepted"


def test_undo_is_refused_once_the_item_moved_on(floor, scan):
    item = floor.item(status="in_stock", bin=floor.bin_a)
    scan("move", floor.label(floor.bin_b))
    first = scan("move", item.serial)
    scan("put_away", floor.label(floor.bin_a))
    scan("put_away", item.serial)
    answer = services.undo_scan(floor.session, actor=floor.user, client_scan_id="undo-0003",
                                target_scan_id=first["client_scan_id"])
    assert answer["result"] == "refused" and "changed since" in answer["message"]


def test_undo_of_someone_elses_scan_finds_nothing(floor, scan):
    item = floor.item(status="in_stock")
    scan("move", floor.label(floor.bin_b))
    first = scan("move", item.serial)
    other = factories.user(floor.session, role="operator")
    answer = services.undo_scan(floor.session, actor=other, client_scan_id="undo-0004",
                                target_scan_id=first["client_scan_id"])
    assert answer["message"] == "Nothing to undo."


# --- count --------------------------------------------------------------------------------


def test_count_finds_missing_and_unexpected_then_applies_corrections(floor, scan):
    here_1 = floor.item(status="in_stock", bin=floor.bin_a)
    here_2 = floor.item(status="in_stock", bin=floor.bin_a)
    gone = floor.item(status="in_stock", bin=floor.bin_a)
    elsewhere = floor.item(status="in_stock", bin=floor.bin_b)
    was_missing = floor.item(status="missing")
    not_received = floor.item(status="expected")
    sold = floor.item(status="sold")
    key = "count-session-0001"
    assert scan("count", here_1.serial, key=key)["message"] == (
        "Scan a bin label first: serials go into the last bin scanned."
    )
    scan("count", floor.label(floor.bin_a), key=key)
    for item in (here_1, here_2, elsewhere, was_missing, not_received, sold):
        assert scan("count", item.serial, key=key)["result"] in ("accepted", "warning")
    assert "already scanned" in scan("count", here_1.serial, key=key)["message"]
    assert scan("count", "UNKNOWN-1", key=key)["result"] == "refused"

    summary = services.count_summary(floor.session, actor=floor.user, session_key=key)
    assert {i.serial for i in summary["found"]} == {here_1.serial, here_2.serial}
    assert {i.serial for i in summary["missing"]} == {gone.serial}
    assert {i.serial for i in summary["unexpected"]} == {
        elsewhere.serial, was_missing.serial, not_received.serial, sold.serial
    }

    result = services.apply_count(floor.session, actor=floor.user, session_key=key, count_id=summary["count"].id)
    floor.session.flush()
    assert result["done"]["marked_missing"] == [gone.serial]
    assert result["done"]["moved_in"] == [elsewhere.serial]
    assert result["done"]["found"] == [was_missing.serial]
    assert result["done"]["received"] == [not_received.serial]
    assert result["done"]["not_changed"][0].startswith(sold.serial)
    for item, status in ((gone, "missing"), (elsewhere, "in_stock"), (was_missing, "in_stock"),
                         (not_received, "in_stock"), (sold, "sold"), (here_1, "in_stock")):
        floor.session.refresh(item)
        assert item.status == status
    assert elsewhere.bin_id == floor.bin_a.id and was_missing.bin_id == floor.bin_a.id
    assert movements(floor.session, gone)[-1].kind == "counted"
    assert movements(floor.session, elsewhere)[-1].kind == "counted"
    assert movements(floor.session, was_missing)[-1].kind == "found"
    assert len(movements(floor.session, here_1)) == 2  # found where expected: nothing written

    import pytest

    from portal.errors import Invalid

    with pytest.raises(Invalid, match="already applied"):
        services.apply_count(floor.session, actor=floor.user, session_key=key)


def test_undo_in_a_count_takes_the_scan_out_of_the_count(floor, scan):
    item = floor.item(status="in_stock", bin=floor.bin_a)
    key = "count-session-0002"
    scan("count", floor.label(floor.bin_a), key=key)
    answer = scan("count", item.serial, key=key)
    undo = services.undo_scan(floor.session, actor=floor.user, client_scan_id="undo-0005",
                              target_scan_id=answer["client_scan_id"])
    floor.session.flush()
    assert undo["result"] == "accepted"
    summary = services.count_summary(floor.session, actor=floor.user, session_key=key)
    assert [i.serial for i in summary["missing"]] == [item.serial]


def test_scan_state_lives_in_the_database_not_the_process(floor, scan):
    """A second 'process' (a fresh session object) continues the same scan session."""
    key = "shared-session-01"
    scan("put_away", floor.label(floor.bin_b), key=key)
    floor.session.expunge_all()
    item = floor.item(status="expected")
    assert scan("put_away", item.serial, key=key)["item"]["bin"].endswith("/B-02")
    context = services.session_context(floor.session, actor=floor.user, session_key=key, task="put_away")
    assert context["bin"].endswith("/B-02")


def test_resend_returns_the_first_answer_via_stored_answer(floor, scan):
    item = floor.item(status="expected")
    scan("put_away", floor.label(floor.bin_a))
    answer = scan("put_away", item.serial, scan_id="scan-id-000001")
    stored = services.stored_answer(floor.session, client_scan_id="scan-id-000001", actor=floor.user)
    assert stored["result"] == answer["result"] and stored["message"] == answer["message"]
    assert stored["replayed"] is True
    assert floor.session.scalar(select(SerialItem.status).where(SerialItem.id == item.id)) == "in_stock"
