"""POST /api/v1/scans: same service as the pages, exactly once, 422 for malformed."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from portal.auth.services import issue_token
from portal.extensions import db
from portal.models import Movement, SerialItem
from tests import factories
from tests.scanning.stock import wh1_stock


@pytest.fixture
def api(app):
    with app.app_context():
        s = db.session
        _, item = wh1_stock(s, sku="SKU-API", warranty_months=24)
        item("API-EXP-1", "expected")
        item("API-STOCK-1", "in_stock")
        operator = factories.user(s, role="operator")
        manager_only = factories.user(s, role="receiver")
        _, token = issue_token(s, user=operator, name="handheld")
        s.commit()
    client = app.test_client()

    def post(body, token=token):
        return client.post("/api/v1/scans", json=body, headers={"Authorization": f"Bearer {token}"})

    post.manager_only = manager_only
    return post


def body(**kwargs):
    return {"client_scan_id": uuid.uuid4().hex, **kwargs}


def test_put_away_then_ship_then_lookup(api, fresh):
    answer = api(body(action="put_away", serial="api-exp-1", warehouse="WH1", bin="A-01")).get_json()
    assert answer["result"] == "accepted"
    assert answer["item"]["status"] == "in_stock" and answer["item"]["bin"] == "WH1/A-01"
    shipped = api(body(action="ship", serial="API-STOCK-1", order_ref="SO-1")).get_json()
    assert shipped["result"] in ("accepted", "warning")
    assert shipped["item"]["order_ref"] == "SO-1" and shipped["item"]["warranty_ends_on"]
    looked = api(body(action="lookup", serial="API-STOCK-1")).get_json()
    assert looked["item"]["status"] == "sold"


def test_a_refused_scan_is_200_with_refused(api):
    response = api(body(action="move", serial="NOPE", warehouse="WH1", bin="A-01"))
    assert response.status_code == 200
    assert response.get_json()["result"] == "refused"
    unknown_bin = api(body(action="move", serial="API-STOCK-1", warehouse="WH1", bin="Z-99")).get_json()
    assert unknown_bin["result"] == "refused" and "No bin WH1/Z-99" in unknown_bin["message"]


def test_a_bin_label_is_not_a_serial(api):
    answer = api(body(action="move", serial="BIN:WH1/A-01", warehouse="WH1", bin="A-01")).get_json()
    assert answer["result"] == "refused" and "not a serial" in answer["message"]


def test_gs1_serial_via_api(api):
    code = "]C1" + "0109501101530003" + "\x1d" + "21API-STOCK-1"
    assert api(body(action="lookup", serial=code)).get_json()["item"]["serial"] == "API-STOCK-1"


def test_resending_returns_the_first_answer_and_records_nothing(api, fresh):
    request = body(action="move", serial="API-STOCK-1", warehouse="WH1", bin="A-01")
    with fresh() as s:
        before = s.scalar(select(func.count()).select_from(Movement))
    first = api({**request, "bin": "A-01"}).get_json()
    # a different target in the resend changes nothing: the first answer stands
    dock = api({**request, "bin": "DOCK"}).get_json()
    assert dock["message"] == first["message"] and dock["replayed"] is True
    with fresh() as s:
        recorded = 1 if first["result"] != "refused" else 0
        assert s.scalar(select(func.count()).select_from(Movement)) == before + recorded
        assert s.scalar(select(SerialItem.bin_id).where(SerialItem.serial == "API-STOCK-1")) is not None


@pytest.mark.parametrize(
    "payload, code",
    [
        (None, "invalid_json"),
        ({"action": "move", "serial": "X", "bin": "A-01"}, "invalid_client_scan_id"),
        (body(action="juggle", serial="X"), "invalid_action"),
        (body(action="move", serial="X"), "bin_required"),
        (body(action="ship", serial="X"), "order_ref_required"),
        (body(action="lookup"), "serial_required"),
        (body(action="lookup", serial=5), "invalid_field"),
        (body(action="lookup", serial="X" * 500), "invalid_field"),
        ({"client_scan_id": "<script>", "action": "lookup", "serial": "X"}, "invalid_client_scan_id"),
    ],
)
def test_malformed_requests_are_422(api, payload, code):
    response = api(payload) if payload is not None else api("not an object")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == code


def test_token_and_roles(api, app):
    assert api(body(action="lookup", serial="X"), token="nope").status_code == 401


def test_openapi_documents_the_scan_endpoint(app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/scans"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["properties"]["action"]["enum"] == [
        "put_away", "move", "ship", "lookup", "defect", "return", "condition"
    ]
    assert "422" in operation["responses"]


def test_benchmark_floor_endpoint_is_absent_unless_configured(app):
    assert "api.bench_floor" not in app.view_functions


def test_api_scan_runs_a_fixed_number_of_statements(api, app, statements):
    def statements_for(serial):
        with statements() as seen:
            answer = api(body(action="move", serial=serial, warehouse="WH1", bin="A-01")).get_json()
        assert answer["result"] in ("accepted", "warning"), answer
        return len(seen)

    api(body(action="lookup", serial="API-STOCK-1"))  # the token's last use is noted once a minute: done
    small = statements_for("API-STOCK-1")
    with app.app_context():
        s = db.session
        product = factories.product(s)
        supplier = factories.supplier(s)
        for n in range(200):
            factories.item(s, serial=f"API-BULK-{n:03d}", status="in_stock", product_id=product.id,
                           supplier_id=supplier.id)
        s.commit()
    assert statements_for("API-BULK-150") == small
    # token with its user, claim, bin, item, the feed's clock (portal.feed.clock), answer, update item,
    # insert movement
    assert small <= 8


def test_a_scan_sent_late_through_the_api_is_recorded_when_the_device_made_it(api, fresh):
    """A handheld that queued a scan offline sends scanned_at: the ledger keeps
    that time (within the bounds), not the time the request arrived."""
    from datetime import UTC, datetime, timedelta

    made = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    answer = api(body(action="put_away", serial="API-EXP-1", warehouse="WH1", bin="A-01",
                      scanned_at=made.isoformat())).get_json()
    assert answer["result"] == "accepted"
    with fresh() as s:
        item_id = s.scalar(select(SerialItem.id).where(SerialItem.serial == "API-EXP-1"))
        at = s.scalar(select(Movement.at).where(Movement.item_id == item_id).order_by(Movement.id.desc()).limit(1))
    assert at == made.replace(tzinfo=None)
