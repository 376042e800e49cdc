"""The defect pages: reasons kept by the admin, flagging from the item page,
quarantine with repair and scrap; roles enforced on the server."""

import pytest
from sqlalchemy import select

from portal.catalog.services import QUARANTINE_BIN_CODE
from portal.defects.models import DefectReasonEntry
from portal.extensions import db
from portal.models import DefectReport, ItemStatus, SerialItem

HOSTILE = '<img src=x onerror="alert(1)">'


@pytest.fixture
def shelf(make_warehouse, make_bin):
    warehouse = make_warehouse(code="WH-P")
    return make_bin(warehouse_id=warehouse.id, code="A-01-1")


def test_an_admin_adds_renames_and_deactivates_a_reason_never_deletes(app, client_as):
    admin = client_as("admin")
    page = admin.get("/defects/reasons")
    assert page.status_code == 200 and "Dead on arrival" in page.text
    assert admin.post("/defects/reasons", data={"code": "overheats", "name": HOSTILE}).status_code == 303
    page = admin.get("/defects/reasons").text
    assert HOSTILE not in page and "&lt;img src=x" in page
    admin.post("/defects/reasons/overheats/name", data={"name": "Overheats"})
    admin.post("/defects/reasons/cosmetic/active", data={"active": "no"})
    duplicate = admin.post("/defects/reasons", data={"code": "overheats", "name": "Again"},
                           follow_redirects=True)
    assert "exists already" in duplicate.text
    with app.app_context():
        kept = {r.code: (r.name, r.active) for r in db.session.scalars(select(DefectReasonEntry))}
    assert kept["overheats"] == ("Overheats", True) and kept["cosmetic"] == ("Cosmetic", False)
    assert "Delete" not in admin.get("/defects/reasons").text
    assert client_as("manager").get("/defects/reasons").status_code == 403
    assert client_as("manager").post("/defects/reasons", data={"code": "x", "name": "X"}).status_code == 403


def test_flagging_from_the_item_page_offers_active_reasons_and_quarantines(app, client_as, make_item, shelf):
    item = make_item(serial="PG-1", bin_id=shelf.id)
    with app.app_context():
        db.session.scalars(select(DefectReasonEntry).filter_by(code="cosmetic")).one().active = False
        db.session.commit()
    operator = client_as("operator")
    page = operator.get(f"/items/{item.serial}").text
    assert "Flag a defect" in page and 'value="functional"' in page and 'value="cosmetic"' not in page
    answer = operator.post(f"/items/{item.serial}/defect".replace("/items/", "/defects/items/"),
                           data={"reason": "functional", "stage": "storage", "note": HOSTILE},
                           follow_redirects=True)
    assert answer.status_code == 200 and "flagged defective" in answer.text
    assert HOSTILE not in answer.text  # the note on the timeline, escaped
    with app.app_context():
        row = db.session.get(SerialItem, item.id)
        assert row.status == ItemStatus.DEFECTIVE and row.bin.code == QUARANTINE_BIN_CODE
        assert db.session.scalars(select(DefectReport.note)).one() == HOSTILE
    assert "Flag a defect" not in operator.get(f"/items/{item.serial}").text  # already defective
    quarantine = operator.get("/defects/quarantine?warehouse=WH-P").text
    assert "PG-1" in quarantine and "Functional" in quarantine
    assert "Repaired" not in quarantine and "Scrap" not in quarantine  # operators do neither
    assert operator.post("/defects/items/PG-1/scrap", data={"note": "x"}).status_code == 403
    assert operator.post("/defects/items/PG-1/repair", data={"bin": "A-01-1"}).status_code == 403


def test_a_manager_repairs_and_scraps_from_the_quarantine_page(app, client_as, make_item, shelf):
    manager = client_as("manager")
    for serial in ("PG-2", "PG-3"):
        make_item(serial=serial, bin_id=shelf.id)
        manager.post(f"/defects/items/{serial}/defect", data={"reason": "functional", "stage": "storage"})
    page = manager.get("/defects/quarantine?warehouse=WH-P").text
    assert "Repaired" in page and "Scrap" in page and 'value="A-01-1"' in page
    refused = manager.post("/defects/items/PG-2/repair", data={"bin": QUARANTINE_BIN_CODE},
                           follow_redirects=True)
    assert "not a storage bin" in refused.text
    manager.post("/defects/items/PG-2/repair", data={"bin": "a-01-1", "note": "reseated"})
    manager.post("/defects/items/PG-3/scrap", data={"note": "cracked board"})
    with app.app_context():
        by_serial = {i.serial: i for i in db.session.scalars(select(SerialItem))}
        assert (by_serial["PG-2"].status, by_serial["PG-2"].condition) == ("in_stock", "refurbished")
        assert by_serial["PG-3"].status == "scrapped" and by_serial["PG-3"].bin_id is None
    assert "Nothing in quarantine" in manager.get("/defects/quarantine?warehouse=WH-P").text
    timeline = manager.get("/items/PG-3").text
    assert "scrapped" in timeline and "cracked board" in timeline


def test_a_receiver_may_repair_but_not_scrap(client_as):
    receiver = client_as("receiver")
    page = receiver.get("/defects/quarantine")
    assert page.status_code == 200
    assert receiver.post("/defects/items/NOPE/scrap", data={"note": "x"}).status_code == 403
