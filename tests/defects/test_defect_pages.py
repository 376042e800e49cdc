"""The defect pages: reasons kept by the admin, flagging from the item page,
quarantine with repair and scrap; roles enforced on the server."""

import re

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


def _quarantine(app, **kwargs) -> list[str]:
    from tests.defects import quarantine_of

    with app.app_context():
        serials = quarantine_of(db.session, **kwargs)
        db.session.commit()
    return serials


def _serials(html: str) -> list[str]:
    return re.findall(r'<tr data-serial="([^"]+)"', html)


def test_the_quarantine_pages_by_100_oldest_first_with_the_total(app, client_as):
    oldest_first = _quarantine(app, warehouse="WH-L", count=230, unreported=1)
    manager = client_as("manager")
    first = manager.get("/defects/quarantine?warehouse=WH-L")
    assert first.status_code == 200
    assert "231 items in quarantine, oldest first" in first.text and "1–100 of 231" in first.text
    assert _serials(first.text) == oldest_first[:100]
    assert "Page 1 of 3" in first.text and 'rel="prev"' not in first.text
    assert 'href="/defects/quarantine?page=2&amp;warehouse=WH-L" ' in first.text
    second = manager.get("/defects/quarantine?warehouse=WH-L&page=2").text
    assert _serials(second) == oldest_first[100:200] and "101–200 of 231" in second
    assert 'rel="prev" id="quarantine-table-prev"' in second and 'rel="next" id="quarantine-table-next"' in second
    last = manager.get("/defects/quarantine?warehouse=WH-L&page=99").text  # past the end: the last page
    assert _serials(last) == oldest_first[200:] and "Page 3 of 3" in last and 'rel="next"' not in last
    assert manager.get("/defects/quarantine?warehouse=WH-L&page=two").status_code == 422


def test_the_pager_keeps_the_supplier_and_reason_and_swaps_only_the_table(app, client_as):
    _quarantine(app, warehouse="WH-L", count=700)
    manager = client_as("manager")
    chosen = manager.get("/defects/quarantine?warehouse=wh-l&supplier=acme&reason=functional").text
    assert "117 items in quarantine" in chosen and "Page 1 of 2" in chosen
    assert '<option value="ACME" selected>' in chosen and '<option value="functional" selected>' in chosen
    next_page = re.search(r'<a href="([^"]+)" hx-get="[^"]+" [^>]*rel="next"', chosen).group(1).replace("&amp;", "&")
    assert "supplier=ACME" in next_page and "reason=functional" in next_page and "warehouse=WH-L" in next_page
    fragment = manager.get(next_page, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and "HX-Request" in fragment.headers["Vary"]
    assert fragment.text.lstrip().startswith('<section id="quarantine-table"')
    rows = _serials(fragment.text)
    assert len(rows) == 17 and "101–117 of 117" in fragment.text
    page = manager.get(next_page).text
    assert "Functional" in page and "Cosmetic" not in page.split('id="quarantine-table"')[1]


def test_the_quarantine_page_runs_the_same_statements_for_3_items_as_for_230(app, client_as, statements):
    manager = client_as("manager")
    _quarantine(app, warehouse="WH-S", count=3)
    _quarantine(app, warehouse="WH-M", count=230)
    counts = []
    for warehouse in ("WH-S", "WH-M"):
        for query in ("", "&supplier=ACME&reason=functional", "&page=2"):
            with statements() as seen:
                assert manager.get(f"/defects/quarantine?warehouse={warehouse}{query}").status_code == 200
            counts.append(len(seen))
    assert counts[:3] == counts[3:]
