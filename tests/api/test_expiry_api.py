"""Issue 14.1 through the customer returns API: an expired unit is not given in exchange (409 expired)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.models import SerialItem, utcnow
from tests.api import sold_unit


@pytest.fixture
def sold(api_as, make_product, make_item, make_bin, make_warehouse):
    """SN-EX-1 sold under SO-EX-1; SN-EX-2 of the same product still in stock in WH-E/A-01-1."""
    return sold_unit(api_as, make_product, make_item, make_bin, make_warehouse, tag="EX", warehouse="WH-E")


def test_an_expired_replacement_is_refused_and_nothing_changes(sold, app):
    from portal.extensions import db

    expired_on = (utcnow() - timedelta(days=2)).date()
    with app.app_context():
        db.session.scalars(select(SerialItem).where(SerialItem.serial == "SN-EX-2")).one().expires_at = expired_on
        db.session.commit()
    response = sold.post("/api/v1/customer-returns", json={
        "serial": "SN-EX-1", "outcome": "exchange", "reason": "dead_on_arrival", "replacement_serial": "SN-EX-2"})
    assert response.status_code == 409 and response.json["error"]["code"] == "expired"
    assert f"SN-EX-2 expired on {expired_on:%Y-%m-%d}" in response.json["error"]["message"]
    assert sold.get("/api/v1/serials/SN-EX-1").json["status"] == "sold"
    replacement = sold.get("/api/v1/serials/SN-EX-2").json
    assert (replacement["status"], replacement["expired"]) == ("in_stock", True)
