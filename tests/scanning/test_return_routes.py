"""The customer return task's page, its warranty check and its outcome scans
through the test client (issue 13 points 2 and 5)."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.items import ledger
from portal.models import SerialItem, utcnow
from portal.warranty import add_months
from tests import factories


@pytest.fixture
def counter(app):
    """WH1 with shelf A-01; RET-IN sold 10 days ago on SO-1, RET-OUT sold 400 days ago on SO-2
    (12 months' warranty), RET-NEW in stock, never sold."""
    with app.app_context():
        s = db.session
        wh = factories.warehouse(s, code="WH1")
        shelf = factories.bin_(s, warehouse_id=wh.id, code="A-01")
        product = factories.product(s, sku="SKU-RET", warranty_months=12)
        for serial, order, days in (("RET-IN", "SO-1", 10), ("RET-OUT", "SO-2", 400), ("RET-NEW", None, None)):
            item = factories.item(s, serial=serial, product_id=product.id, bin_id=shelf.id)
            if order:
                ledger.transition(s, item, to_status="sold", kind="shipped", actor=None, note=f"order {order}")
                item.order_ref = order
                item.sold_at = utcnow() - timedelta(days=days)
                item.warranty_ends_on = add_months(item.sold_at.date(), 12)
        s.commit()
    return {"shelf": "BIN:WH1/A-01"}


def check(client, code, order_ref=""):
    response = client.get("/scan/return/check", query_string={"code": code, "order_ref": order_ref},
                          headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def post_return(client, serial, *, scan_id=None, **fields):
    data = {"client_scan_id": scan_id or uuid.uuid4().hex, "code": serial, "session": "return-session-1", **fields}
    response = client.post("/scan/return/scans", data=data)
    return response, json.loads(response.headers["HX-Trigger"])["scan:result"] if response.status_code == 200 else None


def test_the_return_page_offers_the_order_reference_the_outcomes_reasons_and_conditions(client_as):
    page = client_as("operator").get("/scan/return").get_data(as_text=True)
    assert page.count('id="scan-code"') == 1 and 'id="return-order-ref"' in page
    assert page.index('id="return-order-ref"') < page.index('id="scan-code"') < page.index('id="return-panel"')
    for outcome in ("restock", "defective", "exchange"):
        assert f'data-outcome="{outcome}"' in page
    for condition in ("regular", "sample", "damaged", "refurbished"):
        assert f'data-condition="{condition}"' in page
    assert 'value="dead_on_arrival"' in page and 'data-check-url="/scan/return/check"' in page
    assert "Undo last scan" not in page  # a customer return is not undone at the station
    assert "<script>" not in page and "style=" not in page and "onclick" not in page
    assert "Customer return" in client_as("operator").get("/scan/").get_data(as_text=True)


def test_the_check_shows_in_or_out_of_warranty_in_large_type_with_the_days(client_as, counter):
    client = client_as("operator")
    inside = check(client, "ret-in", "so-1")
    assert 'data-result="accepted"' in inside and 'class="warranty-verdict">In warranty<' in inside
    days_left = (add_months((utcnow() - timedelta(days=10)).date(), 12) - utcnow().date()).days
    assert f'class="warranty-days">{days_left} days left<' in inside
    assert "SKU-RET" in inside and "SO-1" in inside
    outside = check(client, "RET-OUT")
    assert 'class="warranty-verdict">Out of warranty<' in outside and "days over" in outside
    assert 'data-in-warranty="false"' in outside


def test_the_check_refuses_saying_which_and_escapes_what_was_typed(client_as, counter):
    client = client_as("operator")
    assert "never sold" in check(client, "RET-NEW")
    assert "Unknown serial NOPE-1" in check(client, "NOPE-1")
    mismatch = check(client, "RET-IN", "<b>SO-9</b>")
    assert 'data-result="refused"' in mismatch and "&lt;b&gt;SO-9&lt;/b&gt;" in mismatch and "<b>" not in mismatch
    assert 'data-result="order"' in check(client, "SO-777")


def test_the_check_is_behind_login(client):
    assert client.get("/scan/return/check?code=RET-IN").status_code == 302


def test_an_outcome_scan_through_the_page_answers_with_its_row_and_is_recorded_once(client_as, counter, fresh):
    client = client_as("operator")
    scan_id = uuid.uuid4().hex
    response, answer = post_return(client, "RET-IN", scan_id=scan_id, outcome="restock", condition="damaged",
                                   bin=counter["shelf"], order_ref="SO-1")
    assert answer["result"] == "accepted", answer
    assert 'class="scan-row scan-accepted"' in response.get_data(as_text=True)
    _, again = post_return(client, "RET-IN", scan_id=scan_id, outcome="defective", reason="functional")
    assert again["replayed"] is True and again["message"] == answer["message"]
    with fresh() as s:
        item = s.scalars(select(SerialItem).where(SerialItem.serial == "RET-IN")).one()
        assert (item.status, item.condition) == ("in_stock", "damaged")
    _, refused = post_return(client, "RET-OUT", outcome="restock", condition="regular", bin="BIN:WH1/QUARANTINE")
    assert refused["result"] == "refused" and "not a storage bin" in refused["message"]
    without, _ = post_return(client, "RET-OUT")  # no outcome: the page never sends that
    assert without.status_code == 400
