"""Issue 14.6: a manager corrects a serial typed wrong. The item keeps its id
and history, one ledger movement names "old → new", the old value stays
findable (look-up, item page, scan station) without ever shadowing a live
serial, and a correction that would collide is refused."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from portal.errors import Conflict, Invalid
from portal.extensions import db
from portal.items import queries
from portal.items.models import SerialCorrection
from portal.items.services import correct_serial
from portal.items.timeline import item_timeline
from portal.models import Movement, MovementKind, SerialItem, User
from tests import factories


def _correct(session, item, serial, *, note=None, actor=None):
    correction = correct_serial(session, item, serial=serial, note=note, actor=actor)
    session.flush()
    return correction


# --- the service ------------------------------------------------------------------------


def test_a_correction_keeps_the_item_and_its_history_and_writes_one_movement(session):
    manager = factories.user(session, role="manager", username="mona")
    item = factories.item(session, serial="SN-1OO5")
    before = session.scalar(select(func.count()).select_from(Movement).where(Movement.item_id == item.id))
    status, bin_id = item.status, item.bin_id

    _correct(session, item, " SN-1005 ", note="typed O for 0 at receipt", actor=manager)

    same = session.get(SerialItem, item.id)
    assert (same.serial, same.serial_key) == ("SN-1005", "SN-1005")
    assert (same.status, same.bin_id) == (status, bin_id)
    movements = session.scalars(select(Movement).where(Movement.item_id == item.id).order_by(Movement.id)).all()
    assert len(movements) == before + 1
    last = movements[-1]
    assert last.kind == MovementKind.SERIAL_CORRECTED
    assert (last.from_status, last.to_status, last.from_bin_id, last.to_bin_id) == (status, status, bin_id, bin_id)
    assert last.note == "SN-1OO5 → SN-1005: typed O for 0 at receipt"
    assert last.actor_id == manager.id
    assert queries.former_serials(session, item) == ["SN-1OO5"]


def test_the_old_serial_finds_the_item_by_any_case_and_the_new_one_too(session):
    item = factories.item(session, serial="abc-OLD")
    _correct(session, item, "ABC-NEW")
    assert queries.item_by_serial(session, " abc-old ").id == item.id
    assert queries.item_by_serial(session, "abc-new").id == item.id


def test_a_live_serial_wins_over_a_former_one(session):
    """A value corrected away that later arrives as a real item's serial finds that item, not the old one."""
    corrected = factories.item(session, serial="REUSED-1")
    _correct(session, corrected, "REUSED-1-FIXED")
    newcomer = factories.item(session, serial="REUSED-1")  # a later supplier list has it for real
    assert queries.item_by_serial(session, "REUSED-1").id == newcomer.id
    assert queries.item_by_serial(session, "REUSED-1-FIXED").id == corrected.id


@pytest.mark.parametrize("taken", ["LIVE-2", "live-2"])
def test_a_correction_to_another_items_serial_is_refused(session, taken):
    factories.item(session, serial="LIVE-2")
    item = factories.item(session, serial="TYPO-2")
    with pytest.raises(Conflict) as refused:
        _correct(session, item, taken)
    assert refused.value.code == "serial_taken"
    assert "another item" in refused.value.message
    assert session.get(SerialItem, item.id).serial == "TYPO-2"


def test_a_correction_to_another_items_former_serial_is_refused(session):
    first = factories.item(session, serial="WAS-3")
    _correct(session, first, "IS-3")
    other = factories.item(session, serial="OTHER-3")
    with pytest.raises(Conflict) as refused:
        _correct(session, other, "was-3")
    assert refused.value.code == "serial_formerly_taken"
    assert "IS-3" in refused.value.message


def test_a_correction_back_to_its_own_former_serial_is_allowed(session):
    item = factories.item(session, serial="BACK-4")
    _correct(session, item, "BACK-4X")
    _correct(session, item, "BACK-4")  # the first correction was the mistake
    assert session.get(SerialItem, item.id).serial == "BACK-4"
    assert queries.former_serials(session, item) == ["BACK-4X"]
    assert queries.item_by_serial(session, "BACK-4X").id == item.id


def test_the_same_serial_again_is_refused_but_a_change_of_case_is_a_correction(session):
    item = factories.item(session, serial="case-5")
    with pytest.raises(Conflict) as refused:
        _correct(session, item, "case-5")
    assert refused.value.code == "serial_unchanged"
    _correct(session, item, "CASE-5")
    assert session.get(SerialItem, item.id).serial == "CASE-5"


@pytest.mark.parametrize(("new", "code"), [
    ("", "blank_serial"), ("   ", "blank_serial"), ("SN 6", "bad_characters"), ("SN\x006", "bad_characters"),
    ("SN\u200b6", "bad_characters"), ("X" * 65, "too_long"), ("N/A", "placeholder"), ("1.23E+14", "excel_mangled"),
])
def test_the_new_serial_follows_receivings_rules(session, new, code):
    item = factories.item(session, serial="RULES-6")
    with pytest.raises(Invalid) as refused:
        _correct(session, item, new)
    assert refused.value.code == code
    assert refused.value.details["fields"]["serial"]


def test_a_hostile_note_is_stored_as_typed(session):
    item = factories.item(session, serial="NOTE-7")
    hostile = '<script>alert(1)</script> =HYPERLINK("x")'
    correction = _correct(session, item, "NOTE-7B", note=hostile)
    assert correction.note == hostile
    with pytest.raises(Invalid):
        _correct(session, item, "NOTE-7C", note="x" * 2001)


def test_a_correction_is_not_undone_by_an_undo(session):
    from portal.items.ledger import reverse_last_movement

    item = factories.item(session, serial="UNDO-8")
    _correct(session, item, "UNDO-8B")
    with pytest.raises(Conflict) as refused:
        reverse_last_movement(session, item, actor=None)
    assert refused.value.code == "nothing_to_undo"


def test_the_timeline_shows_old_to_new_who_and_when(session):
    manager = factories.user(session, role="manager", username="maria")
    item = factories.item(session, serial="TL-9")
    _correct(session, item, "TL-9B", note="label misprint", actor=manager)
    entry = item_timeline(session, item.id)[0]
    assert entry.what == "Serial corrected"
    assert entry.by == "maria"
    assert entry.facts == ["TL-9 → TL-9B: label misprint"]


def test_two_managers_correcting_to_the_same_value_one_wins(app, make_item, make_user):
    """Both check, both write; the unique serial key lets one commit and the other gets a 409."""
    first, second = make_item(serial="RACE-A"), make_item(serial="RACE-B")
    managers = [make_user(role="manager"), make_user(role="manager")]
    barrier, outcomes = threading.Barrier(2), []

    def correct(item_id, manager_id):
        with app.app_context():
            try:
                item = db.session.scalars(select(SerialItem).where(SerialItem.id == item_id).with_for_update()).one()
                barrier.wait(timeout=10)
                correct_serial(db.session, item, serial="RACE-WON", actor=db.session.get(User, manager_id))
                db.session.commit()
                outcomes.append("won")
            except Conflict as error:
                db.session.rollback()
                outcomes.append(error.code)
            except Exception as error:  # SQLite: the second writer waits for the lock, then sees the first's row
                db.session.rollback()
                outcomes.append(type(error).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=correct, args=(item.id, manager.id))
               for item, manager in zip((first, second), managers, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["serial_taken", "won"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SerialItem)
                                 .where(SerialItem.serial_key == "RACE-WON")) == 1
        assert db.session.scalar(select(func.count()).select_from(SerialCorrection)) == 1


# --- the scan station --------------------------------------------------------------------


def test_scanning_the_old_serial_finds_the_item_and_says_it_was_corrected(floor, scan):
    item = floor.item("SCAN-OLD")
    _correct(floor.session, item, "SCAN-NEW")
    answer = scan("lookup", "SCAN-OLD")
    assert answer["result"] == "accepted"
    assert answer["message"].startswith("SCAN-OLD was corrected to SCAN-NEW.")
    assert answer["item"]["serial"] == "SCAN-NEW"


def test_a_scan_of_a_reused_old_value_finds_the_live_item(floor, scan):
    old = floor.item("SCAN-REUSE")
    _correct(floor.session, old, "SCAN-REUSE-2")
    floor.item("SCAN-REUSE", bin=floor.bin_b)
    answer = scan("lookup", "SCAN-REUSE")
    assert "corrected" not in answer["message"]
    assert answer["item"]["serial"] == "SCAN-REUSE"


def test_a_move_scan_by_the_old_serial_moves_the_item(floor, scan):
    item = floor.item("MOVE-OLD")
    _correct(floor.session, item, "MOVE-NEW")
    scan("move", floor.label(floor.bin_b))
    answer = scan("move", "MOVE-OLD")
    assert answer["result"] in ("accepted", "warning") and "MOVE-OLD was corrected to MOVE-NEW" in answer["message"]
    assert floor.session.get(SerialItem, item.id).bin_id == floor.bin_b.id


# --- the pages -----------------------------------------------------------------------------


def test_a_manager_corrects_a_serial_on_the_item_page(client_as, make_item, fresh):
    item = make_item(serial="PAGE-OLD")
    manager = client_as("manager")
    page = manager.get("/items/PAGE-OLD").get_data(as_text=True)
    assert "Correct the serial" in page

    response = manager.post("/items/PAGE-OLD/correction", data={"serial": "PAGE-NEW", "note": "<b>typo</b>"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/items/PAGE-NEW")
    page = manager.get("/items/PAGE-NEW").get_data(as_text=True)
    assert "Corrected from <strong class=\"serial\">PAGE-OLD</strong>" in page
    assert "&lt;b&gt;typo&lt;/b&gt;" in page and "<b>typo</b>" not in page
    assert "Serial corrected" in page  # the timeline's entry
    with fresh() as s:
        assert s.get(SerialItem, item.id).serial == "PAGE-NEW"


def test_the_look_up_of_an_old_serial_opens_the_item_page_with_the_notice(client_as, make_item, app):
    item = make_item(serial="LOOK-OLD")
    with app.app_context():
        correct_serial(db.session, db.session.get(SerialItem, item.id), serial="LOOK-NEW", actor=None)
        db.session.commit()
    operator = client_as("operator")
    response = operator.get("/items/lookup?serial=look-old")
    assert response.status_code == 302 and response.headers["Location"].endswith("/items/LOOK-NEW")
    page = operator.get("/items/LOOK-NEW").get_data(as_text=True)
    assert "Corrected from" in page and "LOOK-OLD" in page
    assert "Correct the serial" not in page  # the form is for managers


@pytest.mark.parametrize("role", ["operator", "receiver"])
def test_only_managers_may_correct(client_as, make_item, role, fresh):
    item = make_item(serial="ROLE-OLD")
    response = client_as(role).post("/items/ROLE-OLD/correction", data={"serial": "ROLE-NEW"})
    assert response.status_code == 403
    with fresh() as s:
        assert s.get(SerialItem, item.id).serial == "ROLE-OLD"


def test_a_refused_correction_says_why_on_the_item_page(client_as, make_item):
    make_item(serial="TAKEN-P")
    make_item(serial="MINE-P")
    manager = client_as("manager")
    response = manager.post("/items/MINE-P/correction", data={"serial": "taken-p"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "is the serial of another item" in page
    assert manager.get("/items/MINE-P").status_code == 200


def test_the_correction_needs_its_csrf_token(client_as, make_item):
    make_item(serial="CSRF-P")
    response = client_as("manager").post("/items/CSRF-P/correction", data={"serial": "CSRF-Q"}, csrf=False)
    assert response.status_code in (400, 403)
