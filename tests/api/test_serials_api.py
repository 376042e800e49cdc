"""GET /api/v1/serials/<serial>: the item and its movement history."""

import pytest

from portal.extensions import db
from portal.items.services import transition
from portal.models import ItemStatus, MovementKind, SerialItem, User


def test_a_serial_comes_with_its_history_oldest_first(app, api_as, make_item, make_bin, make_user):
    item = make_item(serial="Ab-123/xyz", unit_cost="12.50")
    other_bin = make_bin(warehouse_id=item.warehouse_id, code="B-02-1")
    mover = make_user(role="operator", username="mover")
    with app.app_context():
        row = db.session.get(SerialItem, item.id)
        transition(db.session, row, to_status=ItemStatus.IN_STOCK, kind=MovementKind.MOVED,
                   actor=db.session.get(User, mover.id), to_bin=db.session.get(type(other_bin), other_bin.id),
                   note="reslotted")
        db.session.commit()

    response = api_as("operator").get("/api/v1/serials/%20ab-123/XYZ%20")  # other case, slash, spaces
    assert response.status_code == 200, response.json
    body = response.json
    assert body["serial"] == "Ab-123/xyz"
    assert body["status"] == "in_stock" and body["bin"] == "B-02-1"
    assert body["product"]["sku"] and body["supplier"]["code"]
    assert body["unit_cost"] == "12.50" and body["age_days"] == 0
    assert [m["kind"] for m in body["movements"]] == ["listed", "received", "moved"]
    moved = body["movements"][-1]
    assert moved["from_bin"] != "B-02-1" and moved["to_bin"] == "B-02-1"
    assert moved["by"] == "mover" and moved["note"] == "reslotted"
    assert moved["at"].endswith("Z")


def test_an_expected_item_has_no_bin_yet(api_as, make_item):
    make_item(serial="EXP-1", status=ItemStatus.EXPECTED)
    body = api_as("operator").get("/api/v1/serials/EXP-1").json
    assert body["status"] == "expected"
    assert body["bin"] is None and body["warehouse"] is None and body["age_days"] is None
    assert [m["kind"] for m in body["movements"]] == ["listed"]


@pytest.mark.parametrize("serial", ["NOPE-404", "<script>alert(1)</script>", "x" * 5000, "' OR 1=1 --"])
def test_an_unknown_serial_is_404_json(api_as, serial):
    response = api_as("operator").get(f"/api/v1/serials/{serial}")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"
    assert response.json["error"]["message"].startswith("No item has the serial")
