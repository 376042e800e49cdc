"""POST /api/v1/serials/<serial>/condition and /ownership (issue 14 points 4
and 9): 200 with the item, whose movements show the change from and to;
unknown value 422, unchanged 409, a status that does not allow it 409, roles
enforced. Every answer is checked against the OpenAPI document (conftest)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import ItemStatus, Movement

HOSTILE_NOTE = "=HYPERLINK(\"http://x\")<img src=x onerror=alert(1)>"


@pytest.fixture
def in_stock(make_item):
    return make_item(serial="SN-COND-1", status=ItemStatus.IN_STOCK, ownership="consignment")


def _movements(app, item_id):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Movement).where(Movement.item_id == item_id))


def test_the_endpoints_are_in_the_document(api_as):
    paths = api_as("operator").get("/api/v1/openapi.json").json["paths"]
    for attribute in ("condition", "ownership"):
        post = paths[f"/serials/{{serial}}/{attribute}"]["post"]
        assert {"200", "409", "422"} <= set(post["responses"])
        assert "requestBody" in post


def test_a_condition_change_answers_the_item_with_the_movement_from_and_to(app, api_as, in_stock):
    receiver = api_as("receiver")
    answer = receiver.post("/api/v1/serials/sn-cond-1/condition", json={"condition": "damaged", "note": HOSTILE_NOTE})
    assert answer.status_code == 200, answer.json
    item = answer.json
    assert (item["serial"], item["condition"], item["status"]) == ("SN-COND-1", "damaged", "in_stock")
    last = item["movements"][-1]
    assert (last["kind"], last["from_condition"], last["to_condition"]) == ("condition_changed", "regular", "damaged")
    assert (last["from_ownership"], last["to_ownership"]) == (None, None)
    assert last["note"] == HOSTILE_NOTE and last["by"] == receiver.user.username
    assert last["from_bin"] == last["to_bin"] == item["bin"]
    assert all(m["from_condition"] is None for m in item["movements"][:-1])
    # the item's own answer shows it the same way afterwards
    again = receiver.get("/api/v1/serials/SN-COND-1").json["movements"][-1]
    assert again == last


def test_an_ownership_change_is_for_managers(app, api_as, in_stock):
    before = _movements(app, in_stock.id)
    for role in ("operator", "receiver"):
        refused = api_as(role).post("/api/v1/serials/SN-COND-1/ownership", json={"ownership": "owned"})
        assert refused.status_code == 403
    assert _movements(app, in_stock.id) == before
    answer = api_as("manager").post("/api/v1/serials/SN-COND-1/ownership",
                                    json={"ownership": "owned", "note": "bought out"})
    assert answer.status_code == 200
    last = answer.json["movements"][-1]
    assert answer.json["ownership"] == "owned"
    assert (last["kind"], last["from_ownership"], last["to_ownership"], last["note"]) == (
        "ownership_changed", "consignment", "owned", "bought out")


@pytest.mark.parametrize(("path", "body", "status", "code"), [
    ("condition", {"condition": "broken"}, 422, "unknown_condition"),
    ("condition", {"condition": 3}, 422, "unknown_condition"),
    ("condition", {}, 422, "condition_required"),
    ("condition", {"condition": "regular"}, 409, "condition_unchanged"),
    ("condition", {"condition": "sample", "note": "x" * 2001}, 422, None),
    ("ownership", {"ownership": "rented"}, 422, "unknown_ownership"),
    ("ownership", {"ownership": "consignment"}, 409, "ownership_unchanged"),
    ("ownership", {"ownership": "owned", "note": "a\x00b"}, 422, None),
])
def test_refusals_with_their_codes_change_nothing(app, api_as, in_stock, path, body, status, code):
    before = _movements(app, in_stock.id)
    answer = api_as("manager").post(f"/api/v1/serials/SN-COND-1/{path}", json=body)
    assert answer.status_code == status, answer.json
    if code:
        assert answer.json["error"]["code"] == code
    assert _movements(app, in_stock.id) == before


def test_a_sold_item_keeps_its_condition_and_an_unknown_serial_is_404(api_as, make_item):
    make_item(serial="SN-SOLD-9", status=ItemStatus.SOLD, order_ref="SO-9")
    manager = api_as("manager")
    for path, body in (("condition", {"condition": "damaged"}), ("ownership", {"ownership": "consignment"})):
        refused = manager.post(f"/api/v1/serials/SN-SOLD-9/{path}", json=body)
        assert refused.status_code == 409 and refused.json["error"]["code"] == "status_not_allowed"
        assert "sold" in refused.json["error"]["message"]
    assert manager.post("/api/v1/serials/NOPE-1/condition", json={"condition": "damaged"}).status_code == 404


def test_the_condition_action_of_the_scans_api(app, api_as, in_stock):
    operator = api_as("operator")
    scan = {"client_scan_id": "cond-api-0001", "action": "condition", "serial": "SN-COND-1",
            "condition": "sample", "note": "demo unit"}
    first = operator.post("/api/v1/scans", json=scan)
    assert first.status_code == 200 and first.json["result"] == "accepted", first.json
    replay = operator.post("/api/v1/scans", json=scan)
    assert replay.json["replayed"] is True and replay.json["result"] == "accepted"
    again = operator.post("/api/v1/scans", json={**scan, "client_scan_id": "cond-api-0002"})
    assert again.json["result"] == "warning" and "already sample" in again.json["message"]
    missing = operator.post("/api/v1/scans", json={**scan, "client_scan_id": "cond-api-0003", "condition": None})
    assert missing.status_code == 422 and missing.json["error"]["code"] == "condition_required"
    item = operator.get("/api/v1/serials/SN-COND-1").json
    assert item["condition"] == "sample"
    assert [m["kind"] for m in item["movements"]].count("condition_changed") == 1
    assert item["movements"][-1]["note"] == "demo unit"
