"""Transfers between warehouses through the API (issue 14, points 5 and 9):
the contract's paths, fields, status codes and refusal codes; every answer
checked against the OpenAPI document."""

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import ItemStatus, SerialItem
from portal.transfers import services
from portal.transfers.models import TransferItem
from tests import factories
from tests.supplier_returns import at_once


@pytest.fixture
def stock(app):
    """WH-A (shelf A-01, units T-1, T-2), WH-B (shelf B-01, unit B-9), WH-C (shelf C-01)."""
    with app.app_context():
        source = factories.warehouse(db.session, code="WH-A")
        shelf = factories.bin_(db.session, warehouse_id=source.id, code="A-01")
        destination = factories.warehouse(db.session, code="WH-B")
        there = factories.bin_(db.session, warehouse_id=destination.id, code="B-01")
        factories.bin_(db.session, warehouse_id=factories.warehouse(db.session, code="WH-C").id, code="C-01")
        for serial in ("T-1", "T-2"):
            factories.item(db.session, serial=serial, bin_id=shelf.id)
        factories.item(db.session, serial="B-9", bin_id=there.id)
        db.session.commit()


def _opened(client, **extra):
    created = client.post("/api/v1/transfers", json={"from_warehouse": "WH-A", "to_warehouse": "WH-B", **extra})
    assert created.status_code == 201, created.json
    return created.json


def test_the_whole_flow_through_the_api(app, api_as, stock):
    operator = api_as("operator")
    hostile = "=HYPERLINK(\"x\")<script>alert(1)</script>"
    body = _opened(operator, reference=hostile)
    assert {k: body[k] for k in ("status", "items", "reference", "from_warehouse", "to_warehouse")} == {
        "status": "open", "items": [], "reference": hostile, "from_warehouse": "WH-A", "to_warehouse": "WH-B"}
    url = f"/api/v1/transfers/{body['id']}"
    assert operator.post(f"{url}/dispatch").json["error"]["code"] == "empty"
    for serial in ("T-1", "t-2", "T-2"):
        added = operator.post(f"{url}/items", json={"serial": serial})
        assert added.status_code == 200, added.json
        assert added.json["item"]["state"] == "on_transfer" and added.json["transfer"]["status"] == "open"
    assert added.json["item"]["serial"] == "T-2" and added.json["transfer"]["counts"]["on_it"] == 2
    assert [(i["serial"], i["state"]) for i in operator.get(url).json["items"]] == [
        ("T-1", "on_transfer"), ("T-2", "on_transfer")]
    refused = operator.post(f"{url}/items", json={"serial": "B-9"})
    assert (refused.status_code, refused.json["error"]["code"]) == (409, "wrong_warehouse")
    dispatched = operator.post(f"{url}/dispatch")
    assert dispatched.status_code == 200 and dispatched.json["status"] == "dispatched"
    assert {i["status"] for i in dispatched.json["items"]} == {"in_transit"}
    assert dispatched.json["counts"] == {"on_it": 2, "received": 0, "still_missing": 2}
    wrong_bin = operator.post(f"{url}/receive", json={"serial": "T-1", "bin": "WH-C/C-01"})
    assert (wrong_bin.status_code, wrong_bin.json["error"]["code"]) == (409, "wrong_warehouse")
    stranger = operator.post(f"{url}/receive", json={"serial": "B-9", "bin": "B-01"})
    assert (stranger.status_code, stranger.json["error"]["code"]) == (409, "not_on_transfer")
    received = operator.post(f"{url}/receive", json={"serial": "T-1", "bin": "BIN:WH-B/B-01"})
    assert received.status_code == 200, received.json
    assert received.json["item"] == {**received.json["item"], "serial": "T-1", "state": "received",
                                     "bin": "WH-B/B-01", "status": "in_stock"}
    assert received.json["transfer"]["counts"] == {"on_it": 2, "received": 1, "still_missing": 1}
    closed = operator.post(f"{url}/close")
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    assert [(i["serial"], i["state"], i["status"]) for i in closed.json["items"]] == [
        ("T-1", "received", "in_stock"), ("T-2", "missing", "missing")]
    assert operator.get(url).json == closed.json
    with app.app_context():
        assert db.session.scalars(select(SerialItem.status).where(SerialItem.serial == "T-2")).one() == "missing"


def test_refusals_with_their_codes(app, api_as, stock):
    receiver = api_as("receiver")
    same = receiver.post("/api/v1/transfers", json={"from_warehouse": "WH-A", "to_warehouse": "WH-A"})
    assert (same.status_code, same.json["error"]["code"]) == (422, "same_warehouse")
    unknown = receiver.post("/api/v1/transfers", json={"from_warehouse": "WH-A", "to_warehouse": "NOPE"})
    assert unknown.status_code == 404
    missing_field = receiver.post("/api/v1/transfers", json={"from_warehouse": "WH-A"})
    assert missing_field.status_code == 422
    first, second = _opened(receiver), _opened(receiver)
    assert receiver.post(f"/api/v1/transfers/{first['id']}/items", json={"serial": "T-1"}).status_code == 200
    taken = receiver.post(f"/api/v1/transfers/{second['id']}/items", json={"serial": "T-1"})
    assert (taken.status_code, taken.json["error"]["code"]) == (409, "on_another_transfer")
    assert taken.json["error"]["details"] == {"transfer": first["id"]}
    with app.app_context():
        factories.item(db.session, serial="SOLD-1", status=ItemStatus.SOLD, order_ref="SO-1")
        db.session.commit()
    sold = receiver.post(f"/api/v1/transfers/{second['id']}/items", json={"serial": "SOLD-1"})
    assert (sold.status_code, sold.json["error"]["code"]) == (409, "status_not_allowed")
    early = receiver.post(f"/api/v1/transfers/{first['id']}/receive", json={"serial": "T-1", "bin": "B-01"})
    assert (early.status_code, early.json["error"]["code"]) == (409, "transfer_open")
    off = receiver.client.delete(f"/api/v1/transfers/{first['id']}/items/T-1", headers=receiver._headers())
    assert off.status_code == 200 and off.json["items"] == []
    assert receiver.post(f"/api/v1/transfers/{second['id']}/items", json={"serial": "T-1"}).status_code == 200
    cancelled = receiver.post(f"/api/v1/transfers/{first['id']}/close")
    assert cancelled.json["status"] == "cancelled"
    assert receiver.get("/api/v1/transfers/999999").status_code == 404


def test_roles(app, api_as, stock):
    for role in ("receiver", "operator", "manager", "admin"):
        assert api_as(role).get("/api/v1/transfers/1").status_code == 404, role  # allowed: no such transfer
    assert api_as("operator").post("/api/v1/transfers", json={"from_warehouse": "WH-A",
                                                               "to_warehouse": "WH-B"}).status_code == 201


def test_two_users_adding_one_serial_to_two_transfers_leave_it_on_one(app, dialect, stock):
    if dialect != "postgresql":
        pytest.skip("two writers at once: PostgreSQL only (SQLite takes one writer at a time)")
    with app.app_context():
        ids = [services.open_transfer(db.session, from_warehouse="WH-A", to_warehouse="WH-B", reference=None,
                                      actor=None).id for _ in range(2)]
        db.session.commit()
    writes = [lambda s, transfer_id=transfer_id: services.add_item(s, transfer_id=transfer_id, serial="T-1",
                                                                   actor=None) for transfer_id in ids]
    assert at_once(app, writes) == ["done", "on_another_transfer"]
    with app.app_context():
        assert len(db.session.scalars(select(TransferItem)).all()) == 1
