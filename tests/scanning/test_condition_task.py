"""The scan station's condition task (issue 14 point 4): the operator picks a
condition (and a note) once, every serial scanned gets it, one movement each;
one already in it is a warning that records nothing; undo puts it back. Through
the service, the page's endpoints and the page itself. Both databases."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import func, select

from portal.models import ItemStatus, Movement, MovementKind, SerialItem
from portal.scanning.models import ScanLog
from tests import factories

HOSTILE_NOTE = "<img src=x onerror=alert(1)> =SUM(A1)"


def _condition_movements(session, item) -> list[Movement]:
    return session.scalars(select(Movement).where(Movement.item_id == item.id,
                                                  Movement.kind == MovementKind.CONDITION_CHANGED)).all()


def test_every_serial_scanned_gets_the_condition_with_one_movement_each(floor, scan):
    items = [floor.item() for _ in range(3)]
    answers = [scan("condition", item.serial, condition="damaged", note=HOSTILE_NOTE) for item in items]
    assert [a["result"] for a in answers] == ["accepted"] * 3
    assert all(a["undoable"] for a in answers) and answers[0]["message"] == f"{items[0].serial} is now damaged."
    for item in items:
        floor.session.refresh(item)
        moved = _condition_movements(floor.session, item)
        assert item.condition == "damaged" and item.status == ItemStatus.IN_STOCK and item.bin_id == floor.bin_a.id
        assert [(m.from_condition, m.to_condition, m.note, m.actor_id) for m in moved] == [
            ("regular", "damaged", HOSTILE_NOTE, floor.user.id)]
        assert moved[0].client_scan_id is not None


def test_a_serial_already_in_that_condition_is_a_warning_that_records_nothing(floor, scan):
    item = floor.item(condition="sample")
    answer = scan("condition", item.serial, condition="sample")
    assert (answer["result"], answer["recorded"], answer["undoable"]) == ("warning", False, False)
    assert "already sample" in answer["message"] and "Nothing recorded" in answer["message"]
    assert _condition_movements(floor.session, item) == []
    # scanned again in the same session with another condition: it changes (no "already scanned")
    assert scan("condition", item.serial, condition="damaged")["result"] == "accepted"
    assert scan("condition", item.serial, condition="refurbished")["result"] == "accepted"
    floor.session.refresh(item)
    assert item.condition == "refurbished" and len(_condition_movements(floor.session, item)) == 2


def test_refusals_no_condition_unknown_status_or_serial(floor, scan):
    item = floor.item()
    sold = floor.item(status=ItemStatus.SOLD, order_ref="SO-1")
    assert "Choose the condition" in scan("condition", item.serial)["message"]
    unknown = scan("condition", item.serial, condition="<b>smashed</b>")
    assert unknown["result"] == "refused" and "is not one of" in unknown["message"]
    refused = scan("condition", sold.serial, condition="damaged")
    assert refused["result"] == "refused" and "its condition cannot change" in refused["message"]
    assert scan("condition", "NO-SUCH-SERIAL", condition="damaged")["result"] == "refused"
    assert scan("condition", floor.label(floor.bin_a), condition="damaged")["result"] == "refused"
    floor.session.refresh(item)
    assert item.condition == "regular" and _condition_movements(floor.session, item) == []


def test_undo_puts_the_condition_back(floor, scan):
    from portal.scanning import services

    item = floor.item()
    done = scan("condition", item.serial, condition="damaged")
    undone = services.undo_scan(floor.session, actor=floor.user, client_scan_id=uuid.uuid4().hex,
                                target_scan_id=done["client_scan_id"], page_task="condition")
    floor.session.flush()
    floor.session.refresh(item)
    assert undone["result"] == "accepted" and item.condition == "regular"
    last = floor.session.scalars(select(Movement).where(Movement.item_id == item.id)
                                 .order_by(Movement.id.desc())).first()
    assert (last.kind, last.from_condition, last.to_condition) == ("reversed", "damaged", "regular")


# --- the page and its endpoint -----------------------------------------------------------------


def _answer(response) -> dict:
    return json.loads(response.headers["HX-Trigger"])["scan:result"]


def test_the_task_page_offers_the_conditions_without_inline_script(client_as):
    page = client_as("operator").get("/scan/condition").text
    assert 'id="scan-condition"' in page and 'id="scan-note"' in page and page.count('id="scan-code"') == 1
    for condition in ("regular", "sample", "damaged", "refurbished"):
        assert f'<option value="{condition}">' in page
    assert '<option value="" selected>' in page  # nothing chosen until the operator chooses
    assert "<script>" not in page and "style=" not in page
    assert "Set condition" in client_as("operator").get("/scan/").text


def test_the_page_endpoint_records_and_undoes_a_condition_scan(app, client_as, fresh):
    with app.app_context():
        from portal.extensions import db

        item = factories.item(db.session, status=ItemStatus.IN_STOCK)
        db.session.commit()
        serial = item.serial
    client = client_as("operator")
    key = uuid.uuid4().hex
    response = client.post("/scan/condition/scans", data={
        "client_scan_id": uuid.uuid4().hex, "code": serial, "session": key, "condition": "damaged",
        "note": HOSTILE_NOTE})
    answer = _answer(response)
    assert answer["result"] == "accepted" and answer["undoable"] is True
    assert HOSTILE_NOTE not in response.text
    again = _answer(client.post("/scan/condition/scans", data={
        "client_scan_id": uuid.uuid4().hex, "code": serial, "session": key, "condition": "damaged"}))
    assert again["result"] == "warning" and again["recorded"] is False
    with fresh() as s:
        found = s.scalars(select(SerialItem).where(SerialItem.serial == serial)).one()
        assert found.condition == "damaged"
        assert s.scalar(select(func.count()).select_from(ScanLog).where(ScanLog.task == "condition")) == 2
    undone = _answer(client.post("/scan/condition/undo", data={"client_scan_id": uuid.uuid4().hex,
                                                               "target": answer["client_scan_id"]}))
    assert undone["result"] == "accepted"
    with fresh() as s:
        assert s.scalars(select(SerialItem).where(SerialItem.serial == serial)).one().condition == "regular"
    # without the CSRF token nothing is recorded
    refused = client.post("/scan/condition/scans", data={
        "client_scan_id": uuid.uuid4().hex, "code": serial, "session": key, "condition": "sample"}, csrf=False)
    assert refused.status_code == 400
