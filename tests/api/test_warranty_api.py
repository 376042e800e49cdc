"""Warranty lookup (issue 13, points 6 and 8): GET /api/v1/serials/<serial>/warranty
and the item page, from a sale made by a real ship scan; every answer checked
against the OpenAPI document."""

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import update

from portal.extensions import db
from portal.models import SerialItem, utcnow
from portal.warranty import add_months


@pytest.fixture
def stock(make_product, make_item, make_bin, make_warehouse):
    product = make_product(sku="SKU-WAR", warranty_months=24)
    shelf = make_bin(warehouse_id=make_warehouse(code="WH-W").id, code="A-01-1")
    return [make_item(serial=f"SN-WAR-{n}", product_id=product.id, bin_id=shelf.id) for n in (1, 2)]


def _ship(client, serial, order_ref):
    shipped = client.post("/api/v1/scans", json={"client_scan_id": uuid.uuid4().hex, "action": "ship",
                                                "serial": serial, "order_ref": order_ref})
    assert shipped.status_code == 200 and shipped.json["result"] in ("accepted", "warning"), shipped.json


def _backdate_sale(app, serial, days):
    """The sale made ``days`` ago (test data: the ship scan only records the present)."""
    with app.app_context():
        sold_at = utcnow() - timedelta(days=days)
        db.session.execute(update(SerialItem).where(SerialItem.serial == serial).values(
            sold_at=sold_at, warranty_ends_on=add_months(sold_at.date(), 24)))
        db.session.commit()
        return sold_at


def test_an_item_sold_today_is_in_warranty_for_24_months(api_as, stock):
    operator = api_as("operator")
    _ship(operator, "SN-WAR-1", "SO-W-1")
    body = operator.get("/api/v1/serials/sn-war-1/warranty").json
    today = utcnow().date()
    ends = add_months(today, 24)
    assert body["serial"] == "SN-WAR-1" and body["status"] == "sold" and body["order_ref"] == "SO-W-1"
    assert body["sold_at"].startswith(today.isoformat()) and body["warranty_ends_on"] == ends.isoformat()
    assert body["in_warranty"] is True and body["days_left"] == (ends - today).days


def test_over_the_warranty_days_left_is_negative(app, api_as, stock):
    operator = api_as("operator")
    _ship(operator, "SN-WAR-1", "SO-W-2")
    sold_at = _backdate_sale(app, "SN-WAR-1", 800)
    body = operator.get("/api/v1/serials/SN-WAR-1/warranty").json
    over = (utcnow().date() - add_months(sold_at.date(), 24)).days
    assert over > 0
    assert body["in_warranty"] is False and body["days_left"] == -over
    assert body["sold_at"].startswith(sold_at.date().isoformat())


def test_an_item_never_sold_has_no_warranty_and_an_unknown_serial_is_404(api_as, stock):
    operator = api_as("operator")
    body = operator.get("/api/v1/serials/SN-WAR-2/warranty").json
    assert body == {"serial": "SN-WAR-2", "status": "in_stock", "sold_at": None, "order_ref": None,
                    "warranty_ends_on": None, "in_warranty": False, "days_left": None}
    missing = operator.get("/api/v1/serials/NOPE-9/warranty")
    assert missing.status_code == 404 and "NOPE-9" in missing.json["error"]["message"]


def test_the_item_page_shows_in_and_out_of_warranty(app, api_as, client_as, stock):
    operator = api_as("operator")
    _ship(operator, "SN-WAR-1", "SO-W-3")
    _ship(operator, "SN-WAR-2", "SO-W-4")
    _backdate_sale(app, "SN-WAR-2", 800)
    page = client_as("operator")
    fresh = page.get("/items/SN-WAR-1").get_data(as_text=True)
    days_left = (add_months(utcnow().date(), 24) - utcnow().date()).days
    assert "in warranty" in fresh and f"{days_left:,} days left" in fresh and "out of warranty" not in fresh
    old = page.get("/items/SN-WAR-2").get_data(as_text=True)
    ends = add_months((utcnow() - timedelta(days=800)).date(), 24)
    assert "out of warranty" in old and f"{(utcnow().date() - ends).days:,} days over" in old


def test_the_end_of_warranty_is_the_last_day_included():
    from types import SimpleNamespace

    from portal.warranty import warranty_state

    item = SimpleNamespace(status="sold", sold_at=utcnow(), order_ref="SO-1", warranty_ends_on=date(2030, 5, 31))
    assert warranty_state(item, date(2030, 5, 31)).in_warranty is True
    last = warranty_state(item, date(2030, 6, 1))
    assert last.in_warranty is False and last.days_left == -1 and last.days_over == 1
    back = SimpleNamespace(**{**vars(item), "status": "in_stock"})
    assert warranty_state(back, date(2030, 5, 1)).in_warranty is False  # returned: its sale is history
