"""Returns to the supplier through the API (issue 13, points 4 and 8); every
answer checked against the OpenAPI document."""

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import ItemStatus, SerialItem
from portal.supplier_returns import services
from portal.supplier_returns.models import SupplierReturnLine
from tests.supplier_returns import at_once, defective_items


@pytest.fixture
def defective(app):
    """Supplier ACME, warehouse WH-R, defective items R-1 and R-2 of ACME and X-1 of another supplier."""
    with app.app_context():
        defective_items(db.session, warehouse="WH-R", serials=("R-1", "R-2"), others=("X-1",))
        db.session.commit()


def _opened(client, **extra):
    created = client.post("/api/v1/supplier-returns", json={"supplier": "ACME", "warehouse": "WH-R", **extra})
    assert created.status_code == 201, created.json
    return created.json


def test_the_whole_flow_through_the_api(app, api_as, defective):
    receiver = api_as("receiver")
    hostile = "<script>alert(1)</script>"
    body = _opened(receiver, rma_number=hostile)
    assert {k: body[k] for k in ("supplier", "warehouse", "rma_number", "status", "items")} == {
        "supplier": "ACME", "warehouse": "WH-R", "rma_number": hostile, "status": "open", "items": []}
    url = f"/api/v1/supplier-returns/{body['id']}"
    empty = receiver.post(f"{url}/ship")
    assert empty.status_code == 409 and empty.json["error"]["code"] == "empty"
    for serial in ("R-1", "r-2", "R-2"):
        added = receiver.post(f"{url}/items", json={"serial": serial})
        assert added.status_code == 200, added.json
    assert [(i["serial"], i["reason"]) for i in added.json["items"]] == [("R-1", "cosmetic"), ("R-2", "cosmetic")]
    refusals = {"X-1": (409, "other_supplier"), "GOOD-WH-R": (409, "not_defective"), "NOPE": (404, "not_found")}
    for serial, (status, code) in refusals.items():
        refused = receiver.post(f"{url}/items", json={"serial": serial})
        assert (refused.status_code, refused.json["error"]["code"]) == (status, code), serial
    off = receiver.client.delete(f"{url}/items/R-2", headers=receiver._headers())
    assert off.status_code == 200 and [i["serial"] for i in off.json["items"]] == ["R-1"]
    shipped = receiver.post(f"{url}/ship")
    assert shipped.status_code == 200 and shipped.json["status"] == "shipped"
    assert receiver.post(f"{url}/ship").json["status"] == "shipped"  # a double click
    assert shipped.json["items"][0]["status"] == "returned_to_supplier"
    late = receiver.post(f"{url}/items", json={"serial": "R-2"})
    assert late.status_code == 409 and late.json["error"]["code"] == "not_open"
    closed = receiver.post(f"{url}/close", json={"credit_note": "CN <1>"})
    assert closed.status_code == 200 and closed.json["status"] == "closed" and closed.json["credit_note"] == "CN <1>"
    assert receiver.get(url).json["status"] == "closed"
    with app.app_context():
        assert db.session.scalars(select(SerialItem.status).where(SerialItem.serial == "R-2")).one() == "defective"


def test_another_open_return_and_roles(app, api_as, defective):
    manager = api_as("manager")
    first = manager.post("/api/v1/supplier-returns", json={"supplier": "ACME", "warehouse": "WH-R"}).json
    second = manager.post("/api/v1/supplier-returns", json={"supplier": "acme", "warehouse": "wh-r"}).json
    assert first["rma_number"] is None
    assert manager.post(f"/api/v1/supplier-returns/{first['id']}/items", json={"serial": "R-1"}).status_code == 200
    taken = manager.post(f"/api/v1/supplier-returns/{second['id']}/items", json={"serial": "R-1"})
    assert taken.status_code == 409 and taken.json["error"]["code"] == "on_another_return"
    operator = api_as("operator")
    assert operator.post("/api/v1/supplier-returns", json={"supplier": "ACME", "warehouse": "WH-R"}).status_code == 403
    assert operator.get(f"/api/v1/supplier-returns/{first['id']}").status_code == 403
    assert api_as("admin").get(f"/api/v1/supplier-returns/{first['id']}").status_code == 200
    assert manager.get("/api/v1/supplier-returns/99999").status_code == 404


def test_two_users_adding_one_serial_to_two_returns_leave_it_on_one(app, dialect, defective):
    if dialect != "postgresql":
        pytest.skip("row locks: PostgreSQL only")
    with app.app_context():
        ids = [services.open_return(db.session, supplier="ACME", warehouse="WH-R", rma_number=None,
                                    actor=None).id for _ in range(2)]
        db.session.commit()
    writes = [lambda s, return_id=return_id: services.add_item(s, return_id=return_id, serial="R-1", actor=None)
              for return_id in ids]
    assert at_once(app, writes) == ["done", "on_another_return"]
    with app.app_context():
        assert len(db.session.scalars(select(SupplierReturnLine)).all()) == 1
        assert db.session.scalars(select(SerialItem.status).where(SerialItem.serial == "R-1")).one() == (
            ItemStatus.DEFECTIVE)


def test_the_return_note_pdf_carries_each_serial_as_a_barcode(app, api_as, defective, pdf_text, tmp_path):
    from tests.reports.test_labels import _decode

    receiver = api_as("receiver")
    found = receiver.post("/api/v1/supplier-returns",
                          json={"supplier": "ACME", "warehouse": "WH-R", "rma_number": "<i>RMA</i>"}).json
    for serial in ("R-1", "R-2"):
        receiver.post(f"/api/v1/supplier-returns/{found['id']}/items", json={"serial": serial})
    response = receiver.get(f"/api/v1/supplier-returns/{found['id']}/note.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert _decode(response.data, tmp_path) == ["R-1", "R-2"]
    # hostile text is stored as typed and printed as text, not as markup
    text = "".join(pdf_text(response.data, tmp_path))
    assert "<i>RMA</i>" in text and "R-1" in text and "R-2" in text
